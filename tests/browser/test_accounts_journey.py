"""Register, confirm, log in, switch to Ukrainian, log out — in Chromium, with axe-core on each page."""

import re

from playwright.sync_api import expect

from tests.conftest import PASSWORD


def test_account_journey_in_chromium(live_server, page, axe, outbox):
    page.goto(live_server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    axe(page)

    page.get_by_role("link", name="Registrer deg").first.click()
    axe(page)
    page.get_by_label("Fullt navn").fill("Olena Kovalenko")
    page.get_by_label("E-postadresse").fill("olena@example.no")
    page.get_by_label("Passord", exact=True).fill(PASSWORD)
    page.get_by_label("Gjenta passordet").fill(PASSWORD)
    page.get_by_label("Українська").check()
    page.get_by_role("button", name="Opprett konto").click()
    page.wait_for_url(re.compile(r"/check-email"))

    link = outbox.link("olena@example.no")
    page.goto(link.replace("http://localhost", live_server))
    page.get_by_role("button").filter(has_text=re.compile("Bekreft|Підтвердити")).click()
    # Confirming logs in, and the account's preferred language (Ukrainian) takes over.
    page.wait_for_url(live_server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    expect(page.get_by_text("Вітаємо, Olena Kovalenko.")).to_be_visible()

    page.get_by_role("button", name="Вийти").click()
    page.wait_for_url(live_server + "/")
    page.get_by_role("link", name="Увійти").first.click()
    axe(page)
    page.get_by_label("Адреса електронної пошти").fill("olena@example.no")
    page.get_by_label("Пароль").fill("wrong password!")
    page.get_by_role("button", name="Увійти").click()
    expect(page.get_by_text("Неправильна адреса електронної пошти або пароль.")).to_be_visible()
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Увійти").click()
    page.wait_for_url(live_server + "/")

    # Switch the interface to English with the switcher (a form: works without JavaScript).
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="My account").click()
    axe(page)
    page.get_by_role("button", name="Українська").click()
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    expect(page.get_by_role("heading", name="Мій обліковий запис")).to_be_visible()
    page.get_by_role("button", name="Вийти").click()
    expect(page.get_by_role("link", name="Увійти").first).to_be_visible()


def test_pages_work_without_javascript(browser, live_server, outbox):
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.goto(live_server + "/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="Norsk").click()
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    page.get_by_role("link", name="Glemt passordet?").click()
    page.get_by_label("E-postadresse").fill("nobody@example.no")
    page.get_by_role("button", name="Send lenke").click()
    expect(page.get_by_role("heading", name="Sjekk e-posten din")).to_be_visible()
    context.close()


def test_keyboard_reaches_the_skip_link_first(live_server, page):
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Hopp til hovedinnholdet"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
