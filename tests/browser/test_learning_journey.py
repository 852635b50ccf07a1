"""A learner takes a free course in Chromium: Ukrainian first, Norwegian half-way, checks, the final test."""

import re

from playwright.sync_api import expect
from sqlalchemy import select, update

from lms.content.models import Question
from lms.extensions import db
from lms.learning.models import Enrollment

from tests.conftest import PASSWORD


def answer_all(page, app, language, correct=True):
    """Tick the right (or a wrong) option of every question on the page."""
    for fieldset in page.locator("fieldset.question").all():
        name = fieldset.locator("input").first.get_attribute("name")
        with app.app_context():
            question = db.session.get(Question, int(name[1:]))
            wanted = sorted(question.correct_ids) if correct else ["c"]
        for option in wanted:
            fieldset.locator(f"input[value='{option}']").check()


def test_free_course_journey(app, live_server, page, axe, make_user, load_course):
    load_course()
    user = make_user("olena@example.no", name="Олена Коваленко", language="uk")

    page.goto(live_server + "/login")
    page.get_by_label("E-postadresse").fill(user.email)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    # Her account's language (Ukrainian) takes over once she is logged in.

    page.get_by_role("link", name="Курси").first.click()
    axe(page)
    page.get_by_role("link", name="Testkurs (uk)").click()
    axe(page)
    page.get_by_role("button", name="Почати курс мовою: українська").click()

    # Module 1 in Ukrainian.
    assert "Роботодавець" in page.locator("article.lesson").inner_text()
    axe(page)
    page.get_by_role("button", name=re.compile("Готово: наступний урок")).click()
    page.get_by_role("button", name=re.compile("Готово: до перевірки модуля")).click()
    axe(page)
    answer_all(page, app, "uk")
    page.get_by_role("button", name="Перевірити мої відповіді").click()
    expect(page.get_by_text("2 з 2 правильно")).to_be_visible()
    axe(page)
    page.get_by_role("link", name=re.compile("Перейти до наступного модуля")).click()

    # Half-way: switch the course content to Norwegian; progress stays.
    page.get_by_role("button", name="Norsk").last.click()
    assert "Arbeidsgiveren" in page.locator("article.lesson").inner_text()
    assert page.locator(".outline-narrow .mark").count() == 4  # module 1, its two lessons and its check
    page.get_by_role("button", name=re.compile("Готово: наступний урок")).click()
    page.get_by_role("button", name=re.compile("Готово: до перевірки модуля")).click()
    answer_all(page, app, "nb")
    page.get_by_role("button", name="Перевірити мої відповіді").click()
    page.get_by_role("link", name=re.compile("До підсумкового тесту")).click()

    # The final test waits for the minimum learning time.
    axe(page)
    expect(page.get_by_text(re.compile("Потрібно ще \\d+ хвилин навчання|Потрібні ще"))).to_be_visible()
    assert page.get_by_role("button", name="Почати підсумковий тест").count() == 0
    with app.app_context():
        db.session.execute(update(Enrollment).values(seconds_total=3600))
        db.session.commit()
    page.reload()
    page.get_by_role("button", name="Почати підсумковий тест").click()
    axe(page)
    answer_all(page, app, "nb", correct=False)
    page.get_by_role("button", name="Надіслати тест").click()
    expect(page.get_by_role("heading", name="Цього разу не складено")).to_be_visible()
    axe(page)
    page.get_by_role("link", name="Назад до підсумкового тесту").click()
    page.get_by_role("button", name="Почати підсумковий тест").click()
    answer_all(page, app, "nb")
    page.get_by_role("button", name="Надіслати тест").click()
    expect(page.get_by_role("heading", name="Ви склали!")).to_be_visible()

    page.get_by_role("link", name="До мого навчання").click()
    axe(page)
    expect(page.get_by_role("heading", name="Завершено")).to_be_visible()
    with app.app_context():
        assert db.session.scalar(select(Enrollment.completed_at)) is not None


def test_lesson_page_on_a_phone_without_javascript(app, browser, live_server, make_user, load_course):
    load_course()
    user = make_user()
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740}, locale="nb-NO")
    page = context.new_page()
    page.goto(live_server + "/login")
    page.get_by_label("E-postadresse").fill(user.email)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.goto(live_server + "/courses/test-kurs")
    page.get_by_role("button", name="Start kurset på norsk").click()
    # The outline is folded on a phone and opens without JavaScript.
    expect(page.get_by_role("link", name="Leksjon 2 (nb)").first).not_to_be_visible()
    page.locator("summary", has_text="Kursoversikt").click()
    expect(page.get_by_role("link", name="Leksjon 2 (nb)").first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    page.get_by_role("button", name=re.compile("Ferdig: neste leksjon")).click()
    page.wait_for_url(re.compile(r"/modul-1/leksjon-2$"))
    expect(page.get_by_role("heading", name="Leksjon 2 (nb)", level=1)).to_be_visible()
    context.close()
