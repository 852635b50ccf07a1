"""Companies, their managers, licenses with seats, and invitations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.models import UTCDateTime, utcnow
from lms.extensions import db


class Organization(db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    orgnr: Mapped[str] = mapped_column(String(9), unique=True)
    address: Mapped[str] = mapped_column(Text, server_default="")
    invoice_email: Mapped[str] = mapped_column(String(320))
    employee_count: Mapped[int] = mapped_column(Integer)
    require_two_factor: Mapped[bool] = mapped_column(Boolean, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, server_default=func.current_timestamp())

    __table_args__ = (CheckConstraint("employee_count >= 1", name="employees_positive"),)


class Membership(db.Model):
    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10))  # manager | employee
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, server_default=func.current_timestamp())

    __table_args__ = (
        UniqueConstraint("organization_id", "user_id"),
        CheckConstraint("role IN ('manager', 'employee')", name="role"),
    )


class License(db.Model):
    __tablename__ = "licenses"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="RESTRICT"))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    seats_total: Mapped[int] = mapped_column(Integer)
    seats_used: Mapped[int] = mapped_column(Integer, server_default="0")
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    source: Mapped[str] = mapped_column(String(10), server_default="purchase")  # purchase | invoice | admin
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, server_default=func.current_timestamp())

    course = relationship("Course", lazy="joined", innerjoin=True)

    __table_args__ = (
        CheckConstraint("seats_used >= 0 AND seats_used <= seats_total", name="seats_within_total"),
        CheckConstraint("seats_total >= 1 AND seats_total <= 100000", name="seats_total_range"),
    )

    @property
    def seats_free(self) -> int:
        return self.seats_total - self.seats_used


class SeatAssignment(db.Model):
    """Who took a seat: one per user per license."""

    __tablename__ = "seat_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    license_id: Mapped[int] = mapped_column(ForeignKey("licenses.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollments.id", ondelete="SET NULL"), nullable=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, server_default=func.current_timestamp())

    __table_args__ = (UniqueConstraint("license_id", "user_id"),)


class Invitation(db.Model):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    license_id: Mapped[int | None] = mapped_column(ForeignKey("licenses.id", ondelete="CASCADE"), nullable=True)
    # "employee": take a seat of the license; "manager": become a manager of the organization.
    kind: Mapped[str] = mapped_column(String(10), server_default="employee")
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), server_default="")
    language: Mapped[str] = mapped_column(String(5), server_default="nb")
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, server_default=func.current_timestamp())
    last_sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, server_default=func.current_timestamp())
    reminders_sent: Mapped[int] = mapped_column(Integer, server_default="0")
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)

    __table_args__ = (
        UniqueConstraint("organization_id", "email", "kind", "license_id"),
        CheckConstraint("kind IN ('employee', 'manager')", name="kind"),
    )
