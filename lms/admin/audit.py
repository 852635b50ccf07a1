"""Write audit events inside the transaction of the action they describe."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from lms.admin.models import AuditEvent
from lms.extensions import db


def record(action: str, target: Any = None, *, summary: str = "", before: dict | None = None,
           after: dict | None = None, actor=None) -> AuditEvent:
    """One audit event; flushed with the change, committed (or rolled back) with it."""
    if actor is None and has_request_context() and getattr(current_user, "is_authenticated", False):
        actor = current_user
    event = AuditEvent(
        actor_id=getattr(actor, "id", None), actor_email=getattr(actor, "email", "") or "",
        action=action, target_type=type(target).__name__.lower() if target is not None else "",
        target_id=str(getattr(target, "id", "") or ""), summary=summary[:300],
        before=_jsonable(before), after=_jsonable(after),
        ip_address=(request.remote_addr or "")[:64] if has_request_context() else "",
    )
    db.session.add(event)
    db.session.flush()
    return event


def _jsonable(values: dict | None) -> dict | None:
    if values is None:
        return None
    return {key: (value.isoformat() if hasattr(value, "isoformat") else value) for key, value in values.items()}
