"""Register, confirm, log in, switch to Ukrainian, log out — in Chromium, with axe-core on each page."""

import re

from tests.conftest import PASSWORD


def test_account_journey_in_chromium(live_server, page, axe, outbox):
    page.goto(live_server + "/")
    assert page.locator("html").get_attribute("lang") == "nb"
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
    assert page.locator("html").get_attribute("lang") == "uk"
    assert page.get_by_text("Вітаємо, Olena Kovalenko.").is_visible()

    page.get_by_role("button", name="Вийти").click()
    page.wait_for_url(live_server + "/")
    page.get_by_role("link", name="Увійти").first.click()
    axe(page)
    page.get_by_label("Адреса електронної пошти").fill("olena@example.no")
    page.get_by_label("Пароль").fill("wrong password!")
    page.get_by_role("button", name="Увійти").click()
    assert page.get_by_text("Неправильна адреса електронної пошти або пароль.").is_visible()
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Увійти").click()
    page.wait_for_url(live_server + "/")

    # Switch the interface to English with the switcher (a form: works without JavaScript).
    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("link", name="My account").click()
    axe(page)
    page.get_by_role("button", name="Українська").click()
    assert page.locator("html").get_attribute("lang") == "uk"
    assert page.get_by_role("heading", name="Мій обліковий запис").is_visible()
    page.get_by_role("button", name="Вийти").click()
    assert page.get_by_role("link", name="Увійти").first.is_visible()


def test_pages_work_without_javascript(browser, live_server, outbox):
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.goto(live_server + "/login")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Norsk").click()
    assert page.locator("html").get_attribute("lang") == "nb"
    page.get_by_role("link", name="Glemt passordet?").click()
    page.get_by_label("E-postadresse").fill("nobody@example.no")
    page.get_by_role("button", name="Send lenke").click()
    assert page.get_by_role("heading", name="Sjekk e-posten din").is_visible()
    context.close()


def test_keyboard_reaches_the_skip_link_first(live_server, page):
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Hopp til hovedinnholdet"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
