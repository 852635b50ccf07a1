import pytest


def test_security_headers_on_every_kind_of_page(client, make_user, login):
    for url in ["/", "/login", "/register", "/does-not-exist"]:
        response = client.get(url)
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert "script-src 'self'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Strict-Transport-Security" not in response.headers  # development over http


def test_session_cookie_flags(client, make_user, login):
    login(make_user())
    cookie = client.get_cookie("lms_session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_hsts_and_secure_cookies_in_production(monkeypatch, tmp_path):
    from lms import create_app

    monkeypatch.setenv("LMS_ENV", "production")
    app = create_app({
        "SECRET_KEY": "p" * 40,
        "LMS_STRIPE_SECRET_KEY": "sk_live_x",
        "LMS_STRIPE_WEBHOOK_SECRET": "whsec_x",
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
        "RATELIMIT_ENABLED": False,
    })
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


@pytest.mark.parametrize("url", ["/register", "/login", "/forgot-password", "/language"])
def test_every_form_refuses_a_post_without_csrf(client, url):
    response = client.post(url, data={"email": "a@example.no", "password": "x", "language": "en"})
    assert response.status_code == 400


def test_error_pages_are_localized_html(client):
    nb = client.get("/missing-page")
    assert nb.status_code == 404
    assert "Fant ikke siden" in nb.text
    en = client.get("/missing-page", headers={"Accept-Language": "en"})
    assert "Page not found" in en.text
    uk = client.get("/missing-page", headers={"Accept-Language": "uk"})
    assert "Сторінку не знайдено" in uk.text


def test_unexpected_errors_give_a_localized_500(make_app):
    from flask import Blueprint

    broken = make_app()
    bp = Blueprint("boom", __name__)

    @bp.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    broken.register_blueprint(bp)
    response = broken.test_client().get("/boom")
    assert response.status_code == 500
    assert "Noe gikk galt" in response.text
    assert "kaboom" not in response.text


def test_no_state_change_on_get(client, make_user, login):
    login(make_user())
    for url in ["/logout", "/language", "/account/sessions/end-others"]:
        assert client.get(url).status_code == 405
    assert client.get("/account").status_code == 200
