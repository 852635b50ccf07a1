"""Outbox: queue localized e-mails inside the current transaction, send them by SMTP later."""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from flask import current_app, g, render_template
from flask_babel import force_locale
from sqlalchemy import select, update

from lms.core.models import OutboxMessage, utcnow
from lms.extensions import db

log = logging.getLogger(__name__)

# kind -> callable(id) returning (filename, mime type, bytes), registered by the features
# that attach files (certificates register their PDF).
AttachmentProvider = Callable[[int], tuple[str, str, bytes]]
ATTACHMENT_PROVIDERS: dict[str, AttachmentProvider] = {}


def register_attachment_provider(kind: str, provider: AttachmentProvider) -> None:
    ATTACHMENT_PROVIDERS[kind] = provider


def render_mail(template: str, language: str, **context: Any) -> tuple[str, str]:
    """Render subject and body of ``mail/<template>.txt`` in the given language."""
    with force_locale(language):
        tpl = current_app.jinja_env.get_template(f"mail/{template}.txt")
        ctx = tpl.new_context(dict(context, site_name=current_app.config["LMS_SITE_NAME"]))
        subject = "".join(tpl.blocks["subject"](ctx)).strip()
        body = render_template(f"mail/{template}.txt", **context,
                               site_name=current_app.config["LMS_SITE_NAME"])
    return " ".join(subject.split()), body.strip() + "\n"


def queue_mail(
    recipient: str,
    template: str,
    language: str,
    attachments: list[dict[str, Any]] | None = None,
    **context: Any,
) -> OutboxMessage:
    """Store a message in the outbox in the current transaction; it leaves after commit."""
    subject, body = render_mail(template, language, **context)
    message = OutboxMessage(
        recipient=recipient,
        subject=subject,
        body_text=body,
        language=language,
        attachments=attachments,
        status="pending",
        attempts=0,
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    db.session.flush()
    try:
        g.setdefault("queued_mail_ids", []).append(message.id)
    except RuntimeError:  # outside an application context: the worker sends it
        pass
    return message


def build_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["LMS_MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain="hms-lms")
    email["Content-Language"] = message.language
    email.set_content(message.body_text)
    for ref in message.attachments or []:
        provider = ATTACHMENT_PROVIDERS[ref["kind"]]
        filename, mime, data = provider(int(ref["id"]))
        maintype, subtype = mime.split("/", 1)
        email.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return email


def _deliver(email: EmailMessage) -> None:
    config = current_app.config
    backend = config["LMS_MAIL_BACKEND"]
    if backend == "console":
        log.info("e-mail (console backend) to %s: %s", email["To"], email["Subject"])
        return
    if backend != "smtp":
        raise RuntimeError(f"unknown mail backend {backend!r}")
    host, port, timeout = config["LMS_MAIL_HOST"], config["LMS_MAIL_PORT"], config["LMS_MAIL_TIMEOUT"]
    smtp: smtplib.SMTP
    if config["LMS_MAIL_SSL"]:
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if config["LMS_MAIL_STARTTLS"] and not config["LMS_MAIL_SSL"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["LMS_MAIL_USERNAME"]:
            smtp.login(config["LMS_MAIL_USERNAME"], config["LMS_MAIL_PASSWORD"] or "")
        smtp.send_message(email)


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** attempts, 360))


def send_message(message_id: int) -> bool:
    """Claim one message and try to send it. Commits its own outcome. True when sent."""
    now = utcnow()
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == "pending",
            OutboxMessage.next_attempt_at <= now,
        )
        .values(status="sending", attempts=OutboxMessage.attempts + 1, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not claimed:
        return False
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    assert message is not None
    try:
        _deliver(build_email(message))
    except Exception as exc:  # any failure is recorded; the message is retried later
        log.warning("sending e-mail %s failed: %s", message_id, exc)
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if message.attempts >= current_app.config["LMS_MAIL_MAX_ATTEMPTS"]:
            message.status = "failed"
        else:
            message.status = "pending"
            message.next_attempt_at = utcnow() + _retry_delay(message.attempts)
        db.session.commit()
        return False
    message.status = "sent"
    message.sent_at = utcnow()
    message.last_error = None
    db.session.commit()
    return True


def send_pending(limit: int = 200) -> tuple[int, int]:
    """Send due messages; returns (sent, failed) for this run."""
    ids = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= utcnow())
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    db.session.commit()
    sent = failed = 0
    for message_id in ids:
        if send_message(message_id):
            sent += 1
        else:
            failed += 1
    return sent, failed


def release_stuck(older_than: timedelta = timedelta(minutes=15)) -> int:
    """Put back messages left in 'sending' by a worker that died mid-send.

    A claimed message's next_attempt_at holds the moment it was claimed.
    """
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.next_attempt_at < utcnow() - older_than)
        .values(status="pending")
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount
