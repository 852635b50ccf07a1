"""One commit per request: the request boundary commits once, or rolls back."""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, g

from lms.extensions import db

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.after_request(_finish_transaction)


def _finish_transaction(response: Response) -> Response:
    if response.status_code >= 400:
        db.session.rollback()
        return response
    db.session.commit()
    queued = g.pop("queued_mail_ids", None)
    if queued and current_app.config["LMS_MAIL_SEND_AFTER_COMMIT"]:
        from lms.core.mail import send_message

        for message_id in queued:
            try:
                send_message(message_id)
            except Exception:  # the worker retries; the user's action already succeeded
                log.exception("in-process send of e-mail %s failed", message_id)
                db.session.rollback()
    return response
