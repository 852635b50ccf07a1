"""An administrator reads the statistics, gives an invoice customer seats, revokes a certificate, checks the log."""

import re

from playwright.sync_api import expect

from lms.accounts.models import User
from lms.extensions import db
from lms.organizations.operations import register_organization
from tests.certificates.test_certificates import complete
from tests.conftest import PASSWORD


def test_admin_journey(app, live_server, page, axe, make_user, load_course):
    load_course()
    learner = make_user("kari@firma.no", name="Kari Nordmann")
    certificate = complete(app, learner, "test-kurs")
    owner = make_user("leder@firma.no")
    with app.test_request_context():
        register_organization(db.session.get(User, owner.id), name="Demo Bygg AS", orgnr="998877660", address="",
                              invoice_email="f@firma.no", employee_count=12)
        db.session.commit()
    admin = make_user("admin@firma.no", is_admin=True, name="Ada Admin")

    page.goto(live_server + "/login")
    page.get_by_label("E-postadresse").fill(admin.email)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.get_by_role("link", name="Administrasjon").first.click()
    expect(page.locator("svg[role=img]").first).to_be_visible()
    expect(page.locator("table").first).to_contain_text("100 %")  # completion rate of the one enrollment
    axe(page)

    page.get_by_role("link", name="Lisenser").first.click()
    axe(page)
    page.get_by_label("Virksomhet").select_option(label="Demo Bygg AS (998877660)")
    page.get_by_label("Plasser", exact=True).fill("15")
    page.get_by_role("button", name=re.compile("Opprett eller fyll på")).click()
    expect(page.locator(".flash")).to_contain_text("15")

    page.goto(live_server + "/admin/certificates")
    axe(page)
    page.get_by_role("link", name=certificate.serial).click()
    axe(page)
    page.get_by_label("Grunn til tilbakekalling").fill("Gjennomført av feil person")
    page.get_by_role("button", name="Tilbakekall kursbeviset").click()
    expect(page.locator(".flash")).to_contain_text(certificate.serial)

    page.goto(live_server + "/admin/audit")
    axe(page)
    log = page.locator("table")
    expect(log).to_contain_text("certificate.revoke")
    expect(log).to_contain_text("license.add_seats")
    expect(log).to_contain_text("Gjennomført av feil person")
    page.get_by_label("Handling").select_option("certificate.revoke")
    page.get_by_role("button", name="Vis").click()
    expect(log).not_to_contain_text("license.add_seats")
