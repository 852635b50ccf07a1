"""Log in, log out and server-side sessions."""

from datetime import timedelta

from sqlalchemy import func, select, update

from lms.accounts.models import UserSession
from lms.core.models import utcnow
from lms.extensions import db
from tests.conftest import PASSWORD


def session_cookie(client):
    cookie = client.get_cookie("lms_session")
    return cookie.value if cookie else None


def test_wrong_password_and_unknown_address_get_the_same_message(client, make_user):
    make_user("kari@example.no")
    wrong = client.submit("/login", {"email": "kari@example.no", "password": "wrong password here"})
    unknown = client.submit("/login", {"email": "nobody@example.no", "password": "wrong password here"})
    assert wrong.status_code == unknown.status_code == 200
    message = "E-postadressen eller passordet er feil."
    assert message in wrong.text and message in unknown.text


def test_login_changes_the_session_identifier(client, make_user):
    user = make_user()
    client.get("/login")
    before = session_cookie(client)
    client.submit("/login", {"email": user.email, "password": PASSWORD})
    after = session_cookie(client)
    assert after and after != before
    assert client.get("/account").status_code == 200


def test_logout_kills_the_session_on_the_server(app, client, make_user, login):
    user = make_user()
    login(user)
    stolen = session_cookie(client)
    client.submit("/logout", {}, form_url="/account")
    assert client.get("/account").status_code == 302
    thief = app.test_client()
    thief.set_cookie("lms_session", stolen)
    response = thief.get("/account")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_logout_by_get_is_not_allowed(client, make_user, login):
    login(make_user())
    assert client.get("/logout").status_code == 405
    assert client.get("/account").status_code == 200


def test_next_brings_the_user_back_and_refuses_other_sites(client, make_user):
    user = make_user()
    response = client.get("/account")
    assert response.headers["Location"].endswith("/login?next=%2Faccount")
    done = client.submit("/login?next=/account", {"email": user.email, "password": PASSWORD, "next": "/account"})
    assert done.headers["Location"] == "/account"


def test_open_redirects_are_refused(client, make_user, login):
    user = make_user()
    for target in ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "/\tx"]:
        client.get("/")
        response = client.submit("/login", {"email": user.email, "password": PASSWORD, "next": target})
        assert response.status_code == 303
        assert response.headers["Location"] == "/", target
        client.submit("/logout", {}, form_url="/account")


def test_idle_and_expired_sessions_end(app, client, make_user, login):
    user = make_user()
    login(user)
    with app.app_context():
        db.session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(days=1)))
        db.session.commit()
    assert client.get("/account").status_code == 302
    login(user)
    with app.app_context():
        db.session.execute(update(UserSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert client.get("/account").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(UserSession.id))) == 0


def test_deactivated_user_is_logged_out(app, client, make_user, login):
    user = make_user()
    login(user)
    from lms.accounts.models import User

    with app.app_context():
        db.session.execute(update(User).where(User.id == user.id).values(is_deactivated=True))
        db.session.commit()
    assert client.get("/account").status_code == 302
    response = client.submit("/login", {"email": user.email, "password": PASSWORD})
    assert "E-postadressen eller passordet er feil." in response.text


def test_end_other_sessions(app, client, make_user, login):
    user = make_user()
    other = app.test_client_class and app.test_client()
    login(user)
    login(user, c=other)
    assert other.get("/account").status_code == 200
    page = client.get("/account")
    assert "Logg ut alle andre steder" in page.text
    client.submit("/account/sessions/end-others", {}, form_url="/account")
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302


def test_admin_pages_are_for_admins(client, make_user, login):
    anonymous = client.get("/admin/users")
    assert anonymous.status_code == 302
    assert "next=%2Fadmin%2Fusers" in anonymous.headers["Location"]
    learner = make_user("learner@example.no")
    login(learner)
    assert client.get("/admin/").status_code == 403
    assert client.get("/admin/users").status_code == 403
    client.submit("/logout", {}, form_url="/account")
    admin = make_user("boss@example.no", is_admin=True, name="Ada Admin")
    login(admin)
    page = client.get("/admin/users?q=learner")
    assert page.status_code == 200
    assert "learner@example.no" in page.text and "boss@example.no" not in page.text
    assert client.get("/admin/users?page=abc&q=%25").status_code == 200
