"""An individual buys the managers' course with a campaign code through the test payment page."""

import re

from playwright.sync_api import expect

from lms.commerce import operations as commerce
from lms.core.models import utcnow
from lms.extensions import db
from tests.conftest import PASSWORD


def test_buyer_journey(app, live_server, page, axe, make_user, load_course):
    from datetime import timedelta

    load_course("hms-kurs", meta={"price_ore": 249000})
    with app.test_request_context():
        commerce.save_code(None, text="HMS2024", description="", kind="percent", value=25, valid_from=None,
                           valid_until=utcnow() + timedelta(days=30), max_uses=None, per_user_limit=1,
                           min_quantity=1, course_ids=None, is_active=True, is_campaign=True)
        db.session.commit()
    user = make_user("leder@example.no", name="Lene Leder")

    page.goto(live_server + "/")
    expect(page.get_by_role("heading", name=re.compile("25 % rabatt"))).to_be_visible()
    expect(page.locator(".countdown")).to_contain_text("dager")  # the live countdown runs
    axe(page)
    page.goto(live_server + "/login")
    page.get_by_label("E-postadresse").fill(user.email)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()

    page.goto(live_server + "/courses/hms-kurs")
    page.get_by_role("link", name="Kjøp kurset").click()
    axe(page)
    page.get_by_label("Rabattkode").fill("hms2024")
    page.get_by_role("button", name="Bruk kode").click()
    expect(page.get_by_text("Koden HMS2024 er lagt til.")).to_be_visible()
    expect(page.locator(".totals")).to_contain_text("−622,50")
    page.get_by_role("button", name=re.compile("Betal")).click()

    expect(page.get_by_text("Testbetaling, ingen penger trekkes.")).to_be_visible()
    axe(page)
    page.get_by_role("button", name=re.compile(r"Betal .* \(test\)")).click()
    expect(page.get_by_role("heading", name=re.compile("Kurset ditt er klart|Betaling mottatt"))).to_be_visible()
    axe(page)
    page.get_by_role("link", name=re.compile("Se kvitteringen")).click()
    receipt = page.locator(".receipt")
    expect(receipt).to_contain_text("1 867,50")
    expect(receipt).to_contain_text("466,88")
    expect(receipt).to_contain_text("2 334,38")
    axe(page)
    page.go_back()
    page.get_by_role("link", name="Start kurset").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Leksjon 1 (nb)")
