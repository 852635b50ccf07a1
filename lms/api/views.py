"""Two blueprints: the JSON API under /api/v1 (bearer tokens), and the managers' token pages."""

from __future__ import annotations

import logging
from functools import wraps

from flask import (Blueprint, Response, abort, current_app, flash, jsonify, make_response, redirect,
                   render_template, request, url_for)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from lms.admin import audit
from lms.api import json_error, json_http_error
from lms.api import operations as ops
from lms.api.forms import NewTokenForm, RevokeTokenForm
from lms.api.openapi import document
from lms.core.errors import render_error
from lms.extensions import csrf, limiter
from lms.organizations.models import Organization
from lms.organizations.views import manager_required

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
tokens_bp = Blueprint("api_tokens", __name__, template_folder="templates")

# GET only, authenticated by a header a browser never sends by itself: no CSRF token to check.
csrf.exempt(bp)


# ---------------------------------------------------------------- authentication and limits

def _bearer() -> str | None:
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    value = value.strip()
    return value if scheme.lower() == "bearer" and value else None


def _rate_key() -> str:
    """One budget per token (whatever address it comes from); per address without a token."""
    raw = _bearer()
    if raw:
        return "api-token:" + ops.hash_token(raw[:ops.MAX_TOKEN_LENGTH])[:32]
    return "api-ip:" + (get_remote_address() or "")


def _api_limit() -> str:
    return current_app.config.get("LMS_API_LIMIT", "120 per minute")


limited = limiter.shared_limit(_api_limit, scope="api", key_func=_rate_key)


def token_required(view):
    """Resolve the bearer token to its organization; every query is scoped to that organization."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        raw = _bearer()
        token = ops.authenticate(raw)
        if token is None:
            if raw is None:
                return json_error(401)
            return json_error(401, "invalid_token", "The token is unknown or has been revoked.",
                              headers={"WWW-Authenticate": 'Bearer realm="HMS API", error="invalid_token"'})
        return view(token.organization_id, *args, **kwargs)

    return wrapped


def _page_parameters() -> tuple[int, int]:
    return ops.decode_cursor(request.args.get("cursor")), ops.parse_limit(request.args.get("limit"))


# ---------------------------------------------------------------- the API

@bp.get("/employees", provide_automatic_options=False)
@limited
@token_required
def employees(organization_id: int):
    after, limit = _page_parameters()
    return jsonify(ops.employees(organization_id, after=after, limit=limit).as_json())


@bp.get("/enrollments", provide_automatic_options=False)
@limited
@token_required
def enrollments(organization_id: int):
    after, limit = _page_parameters()
    since = ops.parse_timestamp(request.args.get("updated_since"))
    return jsonify(ops.enrollments(organization_id, after=after, limit=limit, updated_since=since).as_json())


@bp.get("/certificates", provide_automatic_options=False)
@limited
@token_required
def certificates(organization_id: int):
    after, limit = _page_parameters()
    return jsonify(ops.organization_certificates(organization_id, after=after, limit=limit).as_json())


@bp.get("/verify/<code>", provide_automatic_options=False)
@limited
def verify(code: str):
    """Public: what the QR code on a certificate shows, as JSON."""
    result = ops.verification(code)
    if result is None:
        return json_error(404, "not_found", "No certificate has this verification code.")
    return jsonify(result)


@bp.get("/openapi.json", provide_automatic_options=False)
@limited
def openapi():
    response = jsonify(document())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.errorhandler(ops.ApiError)
def _invalid_parameter(error: ops.ApiError):
    return json_error(422, error.code, error.message or None)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    return json_http_error(error)


@bp.errorhandler(Exception)
def _unexpected_error(error: Exception):
    if isinstance(error, HTTPException):
        return _http_error(error)
    log.exception("unhandled error in the API", exc_info=error)
    return json_error(500)


# ---------------------------------------------------------------- token pages for managers

@tokens_bp.route("/organizations/<int:org_id>/api-tokens", methods=["GET", "POST"])
@manager_required
def tokens(organization: Organization):
    form = NewTokenForm()
    if form.validate_on_submit():
        token, secret = ops.create_token(organization.id, form.name.data, current_user.id)
        audit.record("api_token.create", token, summary=f"{organization.name}: {token.name} ({token.token_prefix}…)")
        # Shown in this response only: never stored in the session, never cached.
        response = make_response(render_template("api/token_created.html", organization=organization, token=token,
                                                 secret=secret))
        response.headers["Cache-Control"] = "no-store"
        return response
    return render_template("api/tokens.html", organization=organization, tokens=ops.tokens_of(organization.id),
                           form=form)


@tokens_bp.post("/organizations/<int:org_id>/api-tokens/<int:token_id>/revoke")
@manager_required
def revoke(organization: Organization, token_id: int):
    if not RevokeTokenForm().validate_on_submit():
        return render_error(400)
    try:
        token = ops.revoke_token(organization.id, token_id)
    except ops.ApiError as exc:
        if exc.code == "no_such_token":
            abort(404)
        flash(_("The token is already revoked."), "info")
    else:
        audit.record("api_token.revoke", token, summary=f"{organization.name}: {token.name} ({token.token_prefix}…)")
        flash(_("The token %(name)s is revoked: it no longer gives access.", name=token.name), "success")
    return redirect(url_for(".tokens", org_id=organization.id), code=303)
