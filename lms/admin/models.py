"""The audit log: every administrative action, with who, what, when and the values before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.models import UTCDateTime, utcnow
from lms.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True)
    actor_email: Mapped[str] = mapped_column(String(320), server_default="")
    action: Mapped[str] = mapped_column(String(60), index=True)       # e.g. "certificate.revoke"
    target_type: Mapped[str] = mapped_column(String(40), server_default="")
    target_id: Mapped[str] = mapped_column(String(64), server_default="")
    summary: Mapped[str] = mapped_column(String(300), server_default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    ip_address: Mapped[str] = mapped_column(String(64), server_default="")
