"""Enrollment, the lesson player, seat time, module checks, the final test and completion."""

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from lms.accounts.models import User
from lms.extensions import db
from tests.conftest import done_marks
from lms.learning import operations as ops
from lms.learning.models import Enrollment, LessonProgress, ModuleCheckResult, QuizAttempt
from lms.learning.signals import course_completed


def enrollment_of(app, user):
    with app.app_context():
        row = db.session.scalar(select(Enrollment).where(Enrollment.user_id == user.id))
        db.session.expunge(row)
        return row


def add_seat_time(app, user, minutes):
    with app.app_context():
        db.session.execute(update(Enrollment).where(Enrollment.user_id == user.id)
                           .values(seconds_total=Enrollment.seconds_total + minutes * 60))
        db.session.commit()


def shift(app, model, column, seconds):
    """Move a timestamp of every row, in Python (portable across databases)."""
    with app.app_context():
        for row in db.session.scalars(select(model)):
            setattr(row, column, getattr(row, column) + timedelta(seconds=seconds))
        db.session.commit()


def finish_modules(client, slug, modules=("modul-1", "modul-2"), lessons=("leksjon-1", "leksjon-2")):
    for module in modules:
        for lesson in lessons:
            url = f"/learn/{slug}/{module}/{lesson}"
            assert client.submit(url + "/complete", {}, form_url=url).status_code == 303
        answer_check(client, slug, module)


def answer_check(client, slug, module, wrong=False):
    url = f"/learn/{slug}/{module}/check"
    page = client.get(url)
    data = {}
    for name in set(re.findall(r'name="(q\d+)"', page.text)):
        data[name] = "b" if wrong else "a"
    return client.submit(url, data)


def answer_attempt(client, app, slug, attempt_url, correct=True):
    from lms.content.models import Question

    page = client.get(attempt_url)
    names = sorted(set(re.findall(r'name="q(\d+)"', page.text)))
    data = {}
    with app.app_context():
        for qid in names:
            question = db.session.get(Question, int(qid))
            ids = sorted(question.correct_ids) if correct else ["c"]
            data[f"q{qid}"] = ids
    return client.submit(attempt_url, data, form_url=attempt_url)


def start_test(client, slug):
    response = client.submit(f"/learn/{slug}/test/start", {}, form_url=f"/learn/{slug}/test")
    assert response.status_code == 303
    return response.headers["Location"]


# ---------------------------------------------------------------- catalog and enrollment

def test_catalog_filters_and_course_page(client, load_course):
    load_course("kurs-a")
    load_course("kurs-b", audience="safety_rep", languages=("nb", "en"))
    page = client.get("/courses")
    assert "Testkurs (nb)" in page.text and page.text.count('class="card course-card"') == 2
    only = client.get("/courses?audience=safety_rep")
    assert only.text.count('class="card course-card"') == 1 and "/courses/kurs-b" in only.text
    uk = client.get("/courses?language=uk")
    assert "/courses/kurs-a" in uk.text and "/courses/kurs-b" not in uk.text
    assert client.get("/courses?audience=<script>&language=zz").status_code == 200
    course = client.get("/courses/kurs-a")
    assert "Internkontrollforskriften § 5" in course.text
    assert "Gratis" in course.text
    assert client.get("/courses/nope").status_code == 404


def test_free_enrollment_with_one_click(app, client, make_user, login, load_course):
    load_course()
    user = make_user(language="uk")
    login(user)
    response = client.submit("/courses/test-kurs/enroll", {"language": "uk"}, form_url="/courses/test-kurs")
    assert response.status_code == 303
    assert response.headers["Location"] == "/learn/test-kurs"
    again = client.submit("/courses/test-kurs/enroll", {"language": "uk"}, form_url="/courses/test-kurs")
    assert again.status_code == 303
    with app.app_context():
        rows = list(db.session.scalars(select(Enrollment)))
        assert len(rows) == 1 and rows[0].content_language == "uk" and rows[0].source == "free"


def test_paid_course_is_free_only_in_its_free_languages(app, client, make_user, login, load_course):
    load_course(meta={"price_ore": 59000, "free_languages": ["uk"]})
    login(make_user())
    page = client.get("/courses/test-kurs")
    assert "590,00" in page.text.replace("\xa0", " ")
    refused = client.submit("/courses/test-kurs/enroll", {"language": "nb"}, form_url="/courses/test-kurs")
    assert refused.status_code == 303 and refused.headers["Location"] == "/courses/test-kurs"
    with app.app_context():
        assert db.session.scalar(select(func.count(Enrollment.id))) == 0
    client.submit("/courses/test-kurs/enroll", {"language": "uk"}, form_url="/courses/test-kurs")
    # The free Ukrainian enrollment cannot switch to a paid language.
    client.submit("/learn/test-kurs/language", {"language": "nb", "next": "/learn/"}, form_url="/learn/")
    with app.app_context():
        assert db.session.scalar(select(Enrollment.content_language)) == "uk"


def test_enroll_is_the_one_entry_point_and_is_idempotent(app, make_user, load_course):
    load_course()
    user = make_user()
    with app.test_request_context():
        course = ops.get_course("test-kurs")
        u = db.session.get(User, user.id)
        first = ops.enroll(u, course, "admin", language="en")
        second = ops.enroll(u, course, "purchase")
        assert first.id == second.id
        with pytest.raises(ValueError):
            ops.enroll(u, course, "gift")
        with pytest.raises(ops.LearningError):
            ops.enroll(u, course, "license", language="de")
        db.session.commit()


def test_lessons_of_a_course_one_is_not_enrolled_in_are_not_found(client, enrolled, load_course, make_user):
    enrolled()
    load_course("annet-kurs")
    assert client.get("/learn/annet-kurs/modul-1/leksjon-1").status_code == 404
    assert client.get("/learn/annet-kurs/test").status_code == 404
    assert client.submit("/learn/annet-kurs/modul-1/leksjon-1/complete", {}, form_url="/learn/").status_code == 404
    assert client.get("/learn/test-kurs/modul-9/leksjon-1").status_code == 404


def test_anonymous_users_go_to_login(client, load_course):
    load_course()
    response = client.get("/learn/test-kurs/modul-1/leksjon-1")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]


# ---------------------------------------------------------------- lesson player

def test_lesson_player_shows_outline_progress_and_navigation(client, enrolled):
    enrolled()
    page = client.get("/learn/test-kurs", follow_redirects=True)
    assert page.status_code == 200
    assert '<html lang="nb">' in page.text
    assert 'aria-current="page"' in page.text
    assert "Leksjon 1 (nb)" in page.text and "Modul 2 (nb)" in page.text
    assert 'class="callout callout-law"' in page.text
    assert "Ferdig: neste leksjon" in page.text
    done = client.submit("/learn/test-kurs/modul-1/leksjon-1/complete", {}, form_url="/learn/test-kurs/modul-1/leksjon-1")
    assert done.headers["Location"] == "/learn/test-kurs/modul-1/leksjon-2"
    last = client.submit("/learn/test-kurs/modul-1/leksjon-2/complete", {}, form_url="/learn/test-kurs/modul-1/leksjon-2")
    assert last.headers["Location"] == "/learn/test-kurs/modul-1/check"
    page = client.get("/learn/test-kurs/modul-1/leksjon-2")
    assert done_marks(page.text) == 2
    assert 'rel="prev"' in page.text


def test_switching_content_language_keeps_progress(app, client, enrolled):
    user, slug = enrolled(language="uk")
    client.submit(f"/learn/{slug}/modul-1/leksjon-1/complete", {}, form_url=f"/learn/{slug}/modul-1/leksjon-1")
    page = client.get(f"/learn/{slug}/modul-1/leksjon-2")
    assert "Leksjon 2 (uk)" in page.text and "Роботодавець" in page.text
    client.submit(f"/learn/{slug}/language", {"language": "nb", "next": f"/learn/{slug}/modul-1/leksjon-2"},
                  form_url=f"/learn/{slug}/modul-1/leksjon-2")
    page = client.get(f"/learn/{slug}/modul-1/leksjon-2")
    assert "Leksjon 2 (nb)" in page.text and "Arbeidsgiveren" in page.text
    # The interface stays Ukrainian: content language and UI language are separate.
    assert '<html lang="uk">' in page.text
    assert done_marks(page.text) == 1
    bad = client.submit(f"/learn/{slug}/language", {"language": "de"}, form_url=f"/learn/{slug}/modul-1/leksjon-1")
    assert bad.status_code == 400


def test_dashboard_lists_courses_with_progress_and_continue(client, enrolled):
    enrolled()
    page = client.get("/learn/")
    assert "Testkurs (nb)" in page.text and "0 % fullført" in page.text.replace("\xa0", " ")
    client.submit("/learn/test-kurs/modul-1/leksjon-1/complete", {}, form_url="/learn/test-kurs/modul-1/leksjon-1")
    page = client.get("/learn/")
    assert "16 % fullført" in page.text.replace("\xa0", " ")
    assert "Fortsett der jeg slapp" in page.text
    resume = client.get("/learn/test-kurs")
    assert resume.headers["Location"].endswith("/learn/test-kurs/modul-1/leksjon-2")


# ---------------------------------------------------------------- seat time

def test_seat_time_is_measured_on_the_server_and_capped(app, make_user, load_course):
    load_course()
    user = make_user()
    with app.test_request_context():
        course = ops.get_course("test-kurs")
        enrollment = ops.enroll(db.session.get(User, user.id), course, "free")
        modules = ops.outline(course.id)
        first = modules[0].lessons[0]
        ops.view_lesson(enrollment, first)
        start = enrollment.last_activity_at
        assert ops.record_activity(enrollment, None, start + timedelta(seconds=90)) == 90
        # A tab left open for an hour counts as no more than the cap.
        assert ops.record_activity(enrollment, None, start + timedelta(seconds=90 + 3600)) == 300
        # Time going backwards (clock skew) never removes time.
        assert ops.record_activity(enrollment, None, start) == 0
        db.session.commit()
        assert enrollment.seconds_total == 390
        seconds = db.session.scalar(select(LessonProgress.seconds).where(LessonProgress.lesson_id == first.id))
        assert seconds == 390


def test_the_same_interval_is_credited_once(app, make_user, load_course):
    load_course()
    user = make_user()
    with app.test_request_context():
        course = ops.get_course("test-kurs")
        enrollment = ops.enroll(db.session.get(User, user.id), course, "free")
        ops.record_activity(enrollment, None)
        db.session.commit()
        stale = db.session.get(Enrollment, enrollment.id)
        later = stale.last_activity_at + timedelta(seconds=60)
        assert ops.record_activity(stale, None, later) == 60
        # A second request that read the same starting point (a stale copy) gets nothing.
        from sqlalchemy.orm.attributes import set_committed_value

        set_committed_value(stale, "last_activity_at", later - timedelta(seconds=60))
        assert ops.record_activity(stale, None, later) == 0


def test_heartbeat_posts_count_time(app, client, enrolled):
    user, slug = enrolled()
    token = client.csrf_token(f"/learn/{slug}/modul-1/leksjon-1")
    shift(app, Enrollment, "last_activity_at", seconds=-45)
    response = client.post(f"/learn/{slug}/heartbeat", headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert 44 <= response.json["credited_seconds"] <= 47
    assert client.post(f"/learn/{slug}/heartbeat").status_code == 400  # no CSRF token


# ---------------------------------------------------------------- module checks

def test_module_check_shows_explanations_and_needs_the_lessons_first(app, client, enrolled):
    enrolled()
    locked = client.get("/learn/test-kurs/modul-1/check")
    assert "Fullfør leksjonene i modulen før modultesten." in locked.text
    refused = answer_check(client, "test-kurs", "modul-1")
    assert refused.status_code == 200 and "Fullfør leksjonene" in refused.text
    for lesson in ("leksjon-1", "leksjon-2"):
        url = f"/learn/test-kurs/modul-1/{lesson}"
        client.submit(url + "/complete", {}, form_url=url)
    response = answer_check(client, "test-kurs", "modul-1", wrong=True)
    assert response.status_code == 303
    result = client.get(response.headers["Location"])
    assert "0 av 2 riktige" in result.text
    assert "[nb] Because modul-1-c1." in result.text
    assert "Ikke helt." in result.text
    with app.app_context():
        assert db.session.scalar(select(ModuleCheckResult.correct)) == 0


def test_module_check_refuses_tampered_and_missing_answers(app, client, enrolled):
    enrolled()
    for lesson in ("leksjon-1", "leksjon-2"):
        url = f"/learn/test-kurs/modul-1/{lesson}"
        client.submit(url + "/complete", {}, form_url=url)
    page = client.get("/learn/test-kurs/modul-1/check")
    names = sorted(set(re.findall(r'name="(q\d+)"', page.text)))
    tampered = client.submit("/learn/test-kurs/modul-1/check", {names[0]: "z", names[1]: "a"})
    assert tampered.status_code == 422
    assert "hører ikke til spørsmålet" in tampered.text
    partial = client.submit("/learn/test-kurs/modul-1/check", {names[0]: "a"})
    assert "Svar på alle spørsmålene" in partial.text
    two = client.submit("/learn/test-kurs/modul-1/check", {names[0]: ["a", "b"], names[1]: "a"})
    assert two.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count(ModuleCheckResult.id))) == 0


# ---------------------------------------------------------------- final test and completion

def test_final_test_locked_until_modules_and_minimum_time(app, client, enrolled):
    user, slug = enrolled()
    page = client.get(f"/learn/{slug}/test")
    assert "2 moduler igjen" in page.text
    assert "Start avsluttende test" not in page.text
    refused = client.submit(f"/learn/{slug}/test/start", {}, form_url=f"/learn/{slug}/test")
    assert refused.headers["Location"].endswith("/test")
    finish_modules(client, slug)
    page = client.get(f"/learn/{slug}/test")
    assert "Alle modulene er fullført." in page.text
    assert re.search(r"\d+ minutter til med læringstid", page.text)
    add_seat_time(app, user, 10)
    page = client.get(f"/learn/{slug}/test")
    assert "Start avsluttende test" in page.text


def test_fail_then_pass_completes_the_course(app, client, enrolled):
    user, slug = enrolled()
    finish_modules(client, slug)
    add_seat_time(app, user, 10)
    completions = []

    def listener(sender, enrollment, attempt):
        completions.append((enrollment.id, attempt.id))

    course_completed.connect(listener)
    try:
        attempt_url = start_test(client, slug)
        failed = answer_attempt(client, app, slug, attempt_url, correct=False)
        assert failed.status_code == 303
        result = client.get(attempt_url)
        assert "Ikke bestått denne gangen" in result.text
        assert "Repeter disse modulene" in result.text
        assert completions == []
        second = start_test(client, slug)
        assert second != attempt_url
        passed = answer_attempt(client, app, slug, second, correct=True)
        assert passed.status_code == 303
        assert "Du bestod!" in client.get(second).text
    finally:
        course_completed.disconnect(listener)
    assert len(completions) == 1
    with app.app_context():
        enrollment = db.session.scalar(select(Enrollment))
        assert enrollment.completed_at is not None
    dashboard = client.get("/learn/")
    assert "Fullført" in dashboard.text
    # Passed: no more attempts, and a graded attempt cannot be submitted again.
    assert "Kurset er fullført" in client.get(f"/learn/{slug}/test").text
    replay = answer_attempt(client, app, slug, second, correct=True)
    assert replay.status_code == 404 or "allerede levert" in replay.text or replay.status_code == 409


def test_questions_are_drawn_at_random_and_options_shuffled(app, make_user, load_course):
    import random

    load_course(finals=6)
    user = make_user()
    with app.test_request_context():
        course = ops.get_course("test-kurs")
        enrollment = ops.enroll(db.session.get(User, user.id), course, "free")
        db.session.execute(update(Enrollment).values(seconds_total=3600))
        modules = ops.outline(course.id)
        status = ops.TestStatus(0, 0, 0, 2, None, None, None, None)
        layouts = set()
        orders = set()
        for seed in range(8):
            attempt = ops.start_attempt(enrollment, status._replace() if hasattr(status, "_replace") else status,
                                        rng=random.Random(seed))
            layouts.add(tuple(sorted(item["question_id"] for item in attempt.layout)))
            orders.update(tuple(item["options"]) for item in attempt.layout)
            assert len(attempt.layout) == 3
            db.session.delete(attempt)
            db.session.flush()
        assert len(layouts) > 1
        assert len(orders) > 1
        assert modules


def test_attempt_limit_then_cooldown(app, client, enrolled):
    user, slug = enrolled()
    finish_modules(client, slug)
    add_seat_time(app, user, 10)
    for _ in range(2):
        answer_attempt(client, app, slug, start_test(client, slug), correct=False)
    page = client.get(f"/learn/{slug}/test")
    assert "Du har brukt alle forsøkene for nå" in page.text
    locked = client.submit(f"/learn/{slug}/test/start", {}, form_url=f"/learn/{slug}/test")
    assert locked.headers["Location"].endswith("/test")
    with app.app_context():
        assert db.session.scalar(select(func.count(QuizAttempt.id))) == 2
    shift(app, QuizAttempt, "graded_at", seconds=-7200)
    assert "Start avsluttende test" in client.get(f"/learn/{slug}/test").text


def test_tampered_test_submissions_change_nothing(app, client, enrolled, make_user):
    user, slug = enrolled()
    finish_modules(client, slug)
    add_seat_time(app, user, 10)
    attempt_url = start_test(client, slug)
    page = client.get(attempt_url)
    names = sorted(set(re.findall(r'name="(q\d+)"', page.text)))
    bad = client.submit(attempt_url, {name: "z" for name in names})
    assert bad.status_code == 422
    foreign = client.submit(attempt_url, {"q999999": "a", **{name: "a" for name in names}})
    assert foreign.status_code in (303, 422)
    with app.app_context():
        graded = db.session.scalar(select(func.count(QuizAttempt.id)).where(QuizAttempt.status == "graded"))
        assert graded in (0, 1)
    # Another learner's attempt id is not found.
    other = app.test_client()
    from tests.conftest import PASSWORD, Client

    app.test_client_class = Client
    other = app.test_client()
    stranger = make_user("stranger@example.no")
    other.submit("/login", {"email": stranger.email, "password": PASSWORD})
    assert other.get(attempt_url).status_code == 404


def test_answers_after_the_attempt_closed_are_refused(app, client, enrolled):
    user, slug = enrolled()
    finish_modules(client, slug)
    add_seat_time(app, user, 10)
    attempt_url = start_test(client, slug)
    page = client.get(attempt_url)
    names = sorted(set(re.findall(r'name="(q\d+)"', page.text)))
    shift(app, QuizAttempt, "expires_at", seconds=-3 * 3600)
    late = client.submit(attempt_url, {name: "a" for name in names})
    assert late.status_code == 409
    assert "tiden for dette forsøket gikk ut" in late.text.lower()
    with app.app_context():
        assert db.session.scalar(select(QuizAttempt.status)) == "open"  # the refused request changed nothing
    page = client.get(f"/learn/{slug}/test")
    assert "Tiden gikk ut" in page.text
    with app.app_context():
        assert db.session.scalar(select(QuizAttempt.status)) == "expired"  # and counts as not passed


def test_an_attempt_is_graded_once_even_with_simultaneous_posts(app, make_user, load_course):
    load_course()
    user = make_user()
    with app.test_request_context():
        course = ops.get_course("test-kurs")
        enrollment = ops.enroll(db.session.get(User, user.id), course, "free")
        enrollment_id = enrollment.id
        status = ops.TestStatus(0, 0, 0, 2, None, None, None, None)
        attempt = ops.start_attempt(enrollment, status)
        attempt_id = attempt.id
        questions = ops.attempt_questions(attempt)
        form = {f"q{q.id}": sorted(q.correct_ids) for q in questions}
        db.session.commit()

    barrier = threading.Barrier(2)
    outcomes = []

    def submit():
        with app.test_request_context():
            own = db.session.get(Enrollment, enrollment_id)
            own_attempt = db.session.get(QuizAttempt, attempt_id)
            barrier.wait()
            try:
                ops.submit_attempt(own, own_attempt, form)
                db.session.commit()
                outcomes.append("graded")
            except ops.LearningError as exc:
                db.session.rollback()
                outcomes.append(exc.code)
            except Exception as exc:  # a lock conflict on SQLite is also a refusal
                db.session.rollback()
                outcomes.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("graded") == 1, outcomes
    with app.app_context():
        assert db.session.scalar(select(func.count(QuizAttempt.id)).where(QuizAttempt.status == "graded")) == 1
        assert db.session.scalar(select(Enrollment.completed_at)) is not None
