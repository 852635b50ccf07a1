from sqlalchemy import func, select

from lms.accounts.models import User
from lms.extensions import db
from tests.conftest import PASSWORD, path_of

GOOD = {
    "full_name": "Bjørn Ødegård",
    "email": "Bjorn@Example.no ",
    "password": PASSWORD,
    "password_repeat": PASSWORD,
    "language": "nb",
    "code": "",
}


def count_users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def test_register_confirm_and_log_in(client, outbox, app):
    response = client.submit("/register", GOOD)
    assert response.status_code == 303
    assert "/check-email" in response.headers["Location"]
    message = outbox.last("bjorn@example.no")
    assert "Bekreft" in message.subject  # Norwegian: the chosen language
    link = outbox.link("bjorn@example.no")
    # The link shows a button; opening it changes nothing.
    page = client.get(path_of(link))
    assert page.status_code == 200
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "bjorn@example.no"))
        assert user.email_verified_at is None
        assert user.full_name == "Bjørn Ødegård"
    confirmed = client.submit(path_of(link), {})
    assert confirmed.status_code == 303
    home = client.get("/")
    assert "Bjørn Ødegård" in home.text
    # The link works once.
    assert client.get(path_of(link)).status_code == 404


def test_register_keeps_the_code_for_later(client, app):
    from lms.commerce.operations import save_code

    with app.test_request_context():
        save_code(None, text="SOMMER-25", description="", kind="percent", value=25, valid_from=None,
                  valid_until=None, max_uses=None, per_user_limit=1, min_quantity=1, course_ids=None,
                  is_active=True, is_campaign=False)
        db.session.commit()
    client.submit("/register", dict(GOOD, code=" sommer-25 "))
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "bjorn@example.no"))
        assert user.signup_code == "SOMMER-25"


def test_existing_address_gets_the_same_answer_and_a_notice(client, make_user, outbox, app):
    make_user("bjorn@example.no", name="Original Owner")
    response = client.submit("/register", GOOD)
    assert response.status_code == 303
    assert "/check-email" in response.headers["Location"]
    assert count_users(app) == 1
    notice = outbox.last("bjorn@example.no")
    assert "Original Owner" in notice.body_text
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.email == "bjorn@example.no"))
        assert owner.full_name == "Original Owner"


def test_bad_input_gets_localized_errors_and_creates_nothing(client, app):
    cases = [
        (dict(GOOD, email=""), "Skriv inn e-postadressen din."),
        (dict(GOOD, email="not-an-address"), "Skriv inn en gyldig e-postadresse"),
        (dict(GOOD, email="a" * 250 + "@example.no"), "E-postadressen er for lang."),
        (dict(GOOD, full_name=""), "Skriv inn fullt navn."),
        (dict(GOOD, full_name="x" * 500), "Navnet må være mellom"),
        (dict(GOOD, password="short", password_repeat="short"), "minst 10 tegn"),
        (dict(GOOD, password_repeat=PASSWORD + "x"), "De to passordene er ikke like."),
        (dict(GOOD, language="xx"), ""),
        (dict(GOOD, code="X" * 100), "Koden er for lang."),
    ]
    for data, message in cases:
        response = client.submit("/register", data)
        assert response.status_code == 200, data
        assert 'class="error-summary"' in response.text
        assert message in response.text, (data, message)
    assert count_users(app) == 0


def test_errors_follow_the_chosen_language(client):
    client.submit("/language", {"language": "uk", "next": "/register"}, form_url="/register")
    response = client.submit("/register", dict(GOOD, email=""))
    assert "Введіть свою адресу електронної пошти." in response.text
    assert '<html lang="uk">' in response.text


def test_missing_or_wrong_csrf_token_is_refused(client, app):
    response = client.post("/register", data=dict(GOOD))
    assert response.status_code == 400
    assert "skjemaet" in response.text.lower()
    response = client.post("/register", data=dict(GOOD, csrf_token="forged"))
    assert response.status_code == 400
    assert count_users(app) == 0


def test_unconfirmed_account_cannot_log_in_and_gets_a_new_link(client, outbox):
    client.submit("/register", GOOD)
    first = outbox.link("bjorn@example.no")
    response = client.submit("/login", {"email": "bjorn@example.no", "password": PASSWORD})
    assert response.status_code == 200
    assert "ikke bekreftet" in response.text
    second = outbox.link("bjorn@example.no")
    assert first != second
    # The older link stopped working when the new one was sent.
    assert client.get(path_of(first)).status_code == 404
    assert client.get(path_of(second)).status_code == 200
