from datetime import timedelta

from argon2 import PasswordHasher
from sqlalchemy import select, update

from lms.accounts import operations as ops
from lms.accounts.models import AccountToken, User
from lms.core.models import utcnow
from lms.extensions import db
from tests.conftest import PASSWORD, path_of

NEW = "a brand new passphrase 2026"


def test_hashes_are_argon2id_with_owasp_parameters(tmp_path):
    from lms import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    with app.app_context():
        digest = ops.hash_password("some password 123")
    assert digest.startswith("$argon2id$")
    assert "m=19456,t=2,p=1" in digest
    assert PasswordHasher().verify(digest, "some password 123")


def test_password_reset_flow(app, client, make_user, outbox, login):
    user = make_user("kari@example.no")
    other = app.test_client()
    login(user, c=other)
    response = client.submit("/forgot-password", {"email": "KARI@example.no"})
    assert response.headers["Location"].endswith("/check-email?reason=reset")
    link = outbox.link("kari@example.no")
    assert client.get(path_of(link)).status_code == 200
    done = client.submit(path_of(link), {"password": NEW, "password_repeat": NEW})
    assert done.status_code == 303
    # Every session ended, the old password is gone, the new one works.
    assert other.get("/account").status_code == 302
    bad = client.submit("/login", {"email": "kari@example.no", "password": PASSWORD})
    assert "feil" in bad.text
    login("kari@example.no", NEW)
    # Replaying the token does nothing.
    assert client.get(path_of(link)).status_code == 404
    replay = client.post(path_of(link), data={"password": "another one 12345", "password_repeat": "another one 12345",
                                              "csrf_token": client.csrf_token("/account")})
    assert replay.status_code == 404
    with app.app_context():
        hashed = db.session.scalar(select(User.password_hash).where(User.id == user.id))
        assert PasswordHasher().verify(hashed, NEW)


def test_unknown_address_gets_the_same_answer_and_no_mail(client, outbox):
    response = client.submit("/forgot-password", {"email": "nobody@example.no"})
    assert response.headers["Location"].endswith("/check-email?reason=reset")
    assert outbox.messages() == []


def test_expired_reset_token_is_refused(app, client, make_user, outbox):
    make_user("kari@example.no")
    client.submit("/forgot-password", {"email": "kari@example.no"})
    link = outbox.link("kari@example.no")
    with app.app_context():
        db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    page = client.get(path_of(link))
    assert page.status_code == 404
    assert "ugyldig" in page.text


def test_reset_with_bad_new_password_changes_nothing(app, client, make_user, outbox, login):
    make_user("kari@example.no")
    client.submit("/forgot-password", {"email": "kari@example.no"})
    link = outbox.link("kari@example.no")
    response = client.submit(path_of(link), {"password": "short", "password_repeat": "short"})
    assert response.status_code == 200
    assert "minst 10 tegn" in response.text
    login("kari@example.no", PASSWORD)
    # The token is still good after a rejected attempt.
    assert client.get(path_of(link)).status_code == 200


def test_malformed_tokens_are_not_found(client):
    for token in ["x", "a" * 500, "..%2F..%2Fetc", "%00"]:
        assert client.get(f"/reset-password/{token}").status_code == 404
        assert client.get(f"/confirm/{token}").status_code == 404


def test_change_password_ends_other_sessions(app, client, make_user, login, outbox):
    user = make_user("kari@example.no")
    other = app.test_client()
    login(user)
    login(user, c=other)
    wrong = client.submit("/account/password", {"current_password": "not it at all", "password": NEW, "password_repeat": NEW})
    assert "Nåværende passord er feil." in wrong.text
    assert other.get("/account").status_code == 200
    done = client.submit("/account/password", {"current_password": PASSWORD, "password": NEW, "password_repeat": NEW})
    assert done.status_code == 303
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302
    assert "endret" in outbox.last("kari@example.no").subject


def test_change_email_needs_confirmation(app, client, make_user, login, outbox):
    user = make_user("kari@example.no")
    make_user("taken@example.no", name="Taken Owner")
    login(user)
    taken = client.submit("/account/email", {"email": "taken@example.no", "password": PASSWORD})
    assert taken.headers["Location"].endswith("/check-email?reason=email")
    assert "Taken Owner" in outbox.last("taken@example.no").body_text
    client.submit("/account/email", {"email": "kari.ny@example.no", "password": PASSWORD})
    link = outbox.link("kari.ny@example.no")
    with app.app_context():
        assert db.session.get(User, user.id).email == "kari@example.no"
    client.submit(path_of(link), {})
    with app.app_context():
        assert db.session.get(User, user.id).email == "kari.ny@example.no"
    assert "kari.ny@example.no" in outbox.last("kari@example.no").body_text


def test_change_email_with_wrong_password_changes_nothing(client, make_user, login, outbox):
    login(make_user("kari@example.no"))
    response = client.submit("/account/email", {"email": "kari.ny@example.no", "password": "wrong wrong wrong"})
    assert response.status_code == 200
    assert "Nåværende passord er feil." in response.text
    assert outbox.messages("kari.ny@example.no") == []


def test_profile_updates_name_and_language(app, client, make_user, login):
    user = make_user()
    login(user)
    response = client.submit("/account", {"full_name": "  Olena   Kovalenko ", "language": "uk"})
    assert response.status_code == 303
    page = client.get("/account")
    assert '<html lang="uk">' in page.text
    with app.app_context():
        saved = db.session.get(User, user.id)
        assert saved.full_name == "Olena Kovalenko"
        assert saved.preferred_language == "uk"
    bad = client.submit("/account", {"full_name": "", "language": "xx"})
    assert bad.status_code == 200
    with app.app_context():
        assert db.session.get(User, user.id).full_name == "Olena Kovalenko"
