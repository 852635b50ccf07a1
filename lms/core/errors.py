"""Localized error pages."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Check what you entered and try again.")),
    403: (_l("Access denied"), _l("You do not have access to this page.")),
    404: (_l("Page not found"), _l("We could not find the page you asked for. It may have been moved or deleted.")),
    405: (_l("Not allowed"), _l("This address cannot be used in that way.")),
    413: (_l("Too large"), _l("What you sent is larger than we accept.")),
    429: (_l("Too many attempts"), _l("You have tried too many times. Wait a little and try again.")),
    500: (_l("Something went wrong"), _l("An error occurred on our side. It has been logged. Please try again later.")),
}


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def render_error(code: int, title: object = None, message: object = None):
    default_title, default_message = MESSAGES.get(code, MESSAGES[400 if code < 500 else 500])
    return (
        render_template(
            "core/error.html",
            code=code,
            title=title or default_title,
            message=message or default_message,
        ),
        code,
    )


def _api_request() -> bool:
    """Requests under /api/ get JSON errors, never an HTML page (also 404/405 raised while routing)."""
    return request.path.startswith("/api/")


def _csrf_error(error: CSRFError):
    if _api_request():
        from lms.api import json_error

        return json_error(400)
    return render_error(
        400,
        _l("The form has expired"),
        _l("For your security the form could not be accepted. Go back, reload the page and try again."),
    )


def _http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    if _api_request():
        from lms.api import json_http_error

        return json_http_error(error)
    response = render_error(error.code)
    if error.code == 405 and error.get_response().headers.get("Allow"):
        return response[0], 405, {"Allow": error.get_response().headers["Allow"]}
    return response


def _unexpected_error(error: Exception):
    if isinstance(error, HTTPException):
        return _http_error(error)
    log.exception("unhandled error", exc_info=error)
    if _api_request():
        from lms.api import json_error

        return json_error(500)
    return render_error(500)

