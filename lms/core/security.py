"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, Response, current_app

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'{extra_form_action}; frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    app.after_request(_set_headers)


def _set_headers(response: Response) -> Response:
    # Checkout redirects a form post to Stripe; browsers apply form-action to that redirect.
    extra = "https://checkout.stripe.com" if current_app.config.get("LMS_STRIPE_SECRET_KEY") else ""
    headers = response.headers
    headers.setdefault(
        "Content-Security-Policy",
        CSP.format(extra_form_action=(" " + extra) if extra else ""),
    )
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config["LMS_ENV"] == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    if response.mimetype == "text/html":
        headers.setdefault("Cache-Control", "no-store" if _has_session() else "no-cache")
    return response


def _has_session() -> bool:
    # The cookie's content, not the user object: that would be reloaded after the commit.
    from flask import session

    return "_user_id" in session
