"""REST API v1 for HR systems: organization tokens, read-only JSON endpoints, the OpenAPI document.

Errors are JSON everywhere under /api/, also those raised before a view runs (unknown address,
wrong method): the app-wide error pages hand /api/ requests to json_http_error.
"""

from __future__ import annotations

from flask import Response, jsonify, request
from werkzeug.exceptions import HTTPException

API_PREFIX = "/api/"
AUTHENTICATE = 'Bearer realm="HMS API"'

# Stable error codes and messages for integrators (English, like the field names).
ERRORS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "The request could not be understood."),
    401: ("unauthorized", "An API token is required: send the header Authorization: Bearer <token>."),
    403: ("forbidden", "This token does not give access to that."),
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This address only answers GET requests."),
    413: ("too_large", "The request is too large."),
    422: ("invalid_parameter", "A parameter is not valid."),
    429: ("rate_limited", "Too many requests. Wait a little and try again."),
    500: ("internal_error", "An error occurred on our side. It has been logged."),
}
# Headers of an HTTP error that a client needs to act on it.
_KEPT_HEADERS = ("Allow", "Retry-After")


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def json_error(status: int, code: str | None = None, message: str | None = None,
               headers: dict[str, str] | None = None) -> Response:
    default_code, default_message = ERRORS.get(status, ERRORS[400 if status < 500 else 500])
    response = jsonify({"error": {"code": code or default_code, "message": message or default_message}})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    if status == 401:
        response.headers["WWW-Authenticate"] = AUTHENTICATE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def json_http_error(error: HTTPException) -> Response:
    status = error.code or 500
    kept = {name: value for name, value in error.get_response().headers.items() if name in _KEPT_HEADERS}
    return json_error(status, headers=kept)
