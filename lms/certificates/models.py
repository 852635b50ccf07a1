"""Issued course certificates (kursbevis): a frozen snapshot of everything printed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.i18n import OSLO
from lms.core.models import UTCDateTime, utcnow
from lms.extensions import db


class Certificate(db.Model):
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(20), unique=True)
    # 20 Crockford base32 characters (100 bits), stored without separators.
    verification_code: Mapped[str] = mapped_column(String(32), unique=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True, nullable=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="RESTRICT"), index=True)
    language: Mapped[str] = mapped_column(String(5))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # A reissue (after a name correction) supersedes the old certificate, which keeps verifying
    # as "replaced by" the new serial.
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id", ondelete="SET NULL"), nullable=True)

    __table_args__ = (
        # One current certificate per enrollment: issuing twice at the same moment fails here.
        Index("uq_certificates_current_enrollment", "enrollment_id", unique=True,
              sqlite_where=text("superseded_at IS NULL"), postgresql_where=text("superseded_at IS NULL")),
    )

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.superseded_at is not None:
            return "replaced"
        if self.valid_until is not None and self.valid_until < datetime.now(OSLO).date():
            return "expired"
        return "valid"


class CertificateCounter(db.Model):
    """The last serial number used per year: taken with one conditional UPDATE."""

    __tablename__ = "certificate_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, server_default="0")
