from datetime import UTC, datetime

from flask_babel import force_locale

from lms.core.catalogs import catalog_problems
from lms.core.i18n import format_money, localdate
from tests.conftest import ROOT


def test_catalogs_are_complete_with_matching_placeholders():
    assert catalog_problems(ROOT / "locales", ("nb", "en", "uk")) == []


def test_catalog_check_catches_untranslated_fuzzy_and_placeholder_mismatch(tmp_path):
    folder = tmp_path / "nb" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Hello"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Fuzzy one"\nmsgstr "Uklar"\n\n'
        'msgid "Hi %(name)s"\nmsgstr "Hei %(navn)s"\n',
        encoding="utf-8",
    )
    problems = catalog_problems(tmp_path, ("nb",))
    assert any("'Hello'" in p and "untranslated" in p for p in problems)
    assert any("Fuzzy one" in p and "fuzzy" in p for p in problems)
    assert any("Hi %(name)s" in p and "placeholders" in p for p in problems)


def test_ukrainian_has_three_plural_forms(app):
    from babel.messages.pofile import read_po

    with open(ROOT / "locales/uk/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh, locale="uk")
    assert catalog.num_plurals == 3
    with app.test_request_context(), force_locale("uk"):
        from flask_babel import ngettext

        forms = {ngettext("Logged out of %(num)s other session.", "Logged out of %(num)s other sessions.", n)
                 for n in (1, 3, 5)}
    assert len(forms) == 3


def test_language_order_default_accept_language_choice_and_user(client, make_user, login):
    assert '<html lang="nb">' in client.get("/").text
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"}).text
    assert '<html lang="nb">' in client.get("/", headers={"Accept-Language": "no,en;q=0.5"}).text
    assert '<html lang="uk">' in client.get("/", headers={"Accept-Language": "uk-UA"}).text
    client.submit("/language", {"language": "en", "next": "/login"}, form_url="/")
    page = client.get("/", headers={"Accept-Language": "uk"})
    assert '<html lang="en">' in page.text
    assert "Log in" in page.text
    user = make_user(language="uk")
    login(user)
    assert '<html lang="uk">' in client.get("/").text


def test_switcher_stores_the_choice_of_a_signed_in_user(app, client, make_user, login):
    from lms.accounts.models import User
    from lms.extensions import db

    user = make_user(language="nb")
    login(user)
    response = client.submit("/language", {"language": "en", "next": "/account"}, form_url="/account")
    assert response.status_code == 303
    assert response.headers["Location"] == "/account"
    with app.app_context():
        assert db.session.get(User, user.id).preferred_language == "en"


def test_switcher_refuses_bad_input(client):
    assert client.submit("/language", {"language": "xx"}, form_url="/").status_code == 400
    assert client.post("/language", data={"language": "en"}).status_code == 400
    response = client.submit("/language", {"language": "en", "next": "https://evil.example"}, form_url="/")
    assert response.headers["Location"] == "/"


def test_money_and_dates_in_each_locale(app):
    moment = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
    with app.test_request_context():
        assert format_money(249000, "nb").replace("\xa0", " ") == "2 490,00 kr"
        assert format_money(249000, "en") == "NOK\xa02,490.00"
        assert "2 490,00" in format_money(249000, "uk").replace("\xa0", " ").replace("\u202f", " ")
        with force_locale("nb"):
            assert localdate(moment) == "5. mars 2026"
        with force_locale("uk"):
            assert localdate(moment).replace("\u202f", " ") == "5 березня 2026 р."
        with force_locale("en"):
            assert localdate(moment) == "5 March 2026"


def test_every_page_text_is_translated(client):
    nb = client.get("/").text
    client.submit("/language", {"language": "uk", "next": "/"}, form_url="/")
    uk = client.get("/").text
    assert "Logg inn" in nb and "Увійти" in uk
    assert "Skip to main content" not in nb and "Skip to main content" not in uk
