"""A manager registers a company, buys seats, invites two people; one joins in Ukrainian and finishes."""

import csv
import io
import re
import zipfile

from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import select

from lms.accounts.models import User
from lms.extensions import db
from tests.conftest import PASSWORD


def test_company_journey(app, live_server, page, axe, browser, make_user, load_course, outbox):
    load_course("hms-ansatte", meta={"price_ore": 59000})
    manager = make_user("leder@firma.no", name="Lene Leder")

    page.goto(live_server + "/login")
    page.get_by_label("E-postadresse").fill(manager.email)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.get_by_role("link", name="For bedrifter").click()
    axe(page)
    page.get_by_role("link", name="Registrer en virksomhet").click()
    axe(page)
    page.get_by_label("Firmanavn").fill("Firma AS")
    page.get_by_label("Organisasjonsnummer").fill("998877661")
    page.get_by_label("Adresse").fill("Gata 1, 0150 Oslo")
    page.get_by_label("E-post for fakturaer og kvitteringer").fill("faktura@firma.no")
    page.get_by_label("Antall ansatte").fill("12")
    page.get_by_role("button", name="Lagre").click()
    expect(page.locator(".error-summary")).to_be_visible()  # wrong check digit
    page.get_by_label("Organisasjonsnummer").fill("998877660")
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_role("heading", name="Firma AS", level=1)).to_be_visible()
    axe(page)

    page.get_by_role("link", name="Kjøp plasser").first.click()
    axe(page)
    page.get_by_label("Antall plasser").fill("10")
    page.get_by_role("button", name="Betal med kort").click()
    page.get_by_role("button", name=re.compile(r"\(test\)")).click()
    page.goto(live_server + "/organizations")
    page.get_by_role("link", name="Firma AS").click()
    code = page.locator("table code").first.inner_text()
    expect(page.locator("table").first).to_contain_text("0 / 10")

    page.get_by_role("link", name="Inviter ansatte").first.click()
    axe(page)
    page.get_by_label("E-postadresser").fill("olena@firma.no\nper@firma.no")
    page.get_by_label("Språk i invitasjonen").select_option("uk")
    page.get_by_role("button", name="Send invitasjoner").click()
    expect(page.locator("#invitations")).to_contain_text("olena@firma.no")

    # Olena follows the link in her invitation, registers in Ukrainian with the code, confirms.
    link = outbox.link("olena@firma.no", r"https?://\S+/register\?code=\S+")
    other = browser.new_context(locale="uk-UA")
    employee = other.new_page()
    employee.goto(link.replace("http://localhost", live_server))
    expect(employee.locator("html")).to_have_attribute("lang", "uk")
    expect(employee.get_by_label("Код ліцензії або знижки (необов'язково)")).to_have_value(code)
    employee.get_by_label("Повне ім'я").fill("Олена Коваленко")
    employee.get_by_label("Адреса електронної пошти").fill("olena@firma.no")
    employee.get_by_label("Пароль", exact=True).fill(PASSWORD)
    employee.get_by_label("Повторіть пароль").fill(PASSWORD)
    employee.get_by_label("Українська").check()
    employee.get_by_role("button", name="Створити обліковий запис").click()
    confirm = outbox.link("olena@firma.no", r"https?://\S+/confirm/\S+")
    employee.goto(confirm.replace("http://localhost", live_server))
    employee.get_by_role("button", name="Підтвердити").click()
    expect(employee.get_by_role("heading", level=1)).to_contain_text("Leksjon 1 (uk)")
    other.close()
    with app.app_context():
        olena = db.session.scalar(select(User).where(User.email == "olena@firma.no"))
        db.session.expunge(olena)
    from tests.certificates.test_certificates import complete

    certificate = complete(app, olena, "hms-ansatte", language="uk")

    page.reload()
    record = page.locator("div.table-wrap[aria-label=\"Opplæringsoversikt\"]")
    expect(record).to_contain_text("Олена Коваленко")
    expect(record).to_contain_text(certificate.serial)
    axe(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Last ned CSV").click()
    with open(download.value.path(), encoding="utf-8-sig") as fh:
        rows = list(csv.reader(io.StringIO(fh.read())))
    assert any(r[0] == "Олена Коваленко" and r[8] == certificate.serial for r in rows)
    with page.expect_download() as download:
        page.get_by_role("link", name="Last ned Excel").click()
    with open(download.value.path(), "rb") as fh:
        sheet = load_workbook(io.BytesIO(fh.read())).active
    assert any(row[0].value == "Олена Коваленко" for row in sheet.iter_rows())
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Last ned alle kursbevis")).click()
    with zipfile.ZipFile(download.value.path()) as archive:
        assert archive.namelist() == [f"Олена Коваленко {certificate.serial}.pdf"]
