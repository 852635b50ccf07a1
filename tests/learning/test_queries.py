"""The lesson page and the dashboard run a fixed number of SQL queries, whatever the data size."""

import contextlib

from sqlalchemy import event, select

from lms.accounts.models import User
from lms.extensions import db
from lms.learning import operations as ops


@contextlib.contextmanager
def count_queries(app):
    statements = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def populate(app, make_user, load_course, courses: int, learners: int, first: int = 0):
    slugs = [load_course(f"kurs-{n}", modules=4, lessons=4) for n in range(first, first + courses)]
    with app.test_request_context():
        for n in range(learners):
            user = db.session.get(User, make_user(f"other{first}-{n}@example.no").id)
            for slug in slugs:
                enrollment = ops.enroll(user, ops.get_course(slug), "admin")
                modules = ops.outline(enrollment.course_id)
                for lesson in modules[0].lessons[: n % 4]:
                    ops.complete_lesson(enrollment, lesson)
        db.session.commit()
    return slugs


def page_queries(app, client, url):
    client.get(url)  # warm: first view creates the progress row
    with count_queries(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return statements


def test_lesson_page_queries_do_not_grow_with_data(app, client, make_user, load_course, login):
    learner = make_user("learner@example.no")
    small = populate(app, make_user, load_course, courses=1, learners=1)
    with app.test_request_context():
        user = db.session.get(User, learner.id)
        ops.enroll(user, ops.get_course(small[0]), "admin")
        db.session.commit()
    login(learner)
    url = f"/learn/{small[0]}/modul-2/leksjon-3"
    few = page_queries(app, client, url)

    more = populate(app, make_user, load_course, courses=4, learners=12, first=1)
    with app.test_request_context():
        user = db.session.get(User, learner.id)
        for slug in more:
            enrollment = ops.enroll(user, ops.get_course(slug), "admin")
            for lesson in ops.outline(enrollment.course_id)[0].lessons:
                ops.complete_lesson(enrollment, lesson)
        db.session.commit()
    many = page_queries(app, client, url)
    assert len(many) == len(few), "\n".join(many)
    assert len(many) <= 10, "\n".join(many)


def test_dashboard_queries_do_not_grow_with_enrollments(app, client, make_user, load_course, login):
    learner = make_user("learner@example.no")
    login(learner)
    slugs = [load_course(f"kurs-{n}") for n in range(5)]
    with app.test_request_context():
        user = db.session.get(User, learner.id)
        ops.enroll(user, ops.get_course(slugs[0]), "admin")
        db.session.commit()
    one = page_queries(app, client, "/learn/")
    with app.test_request_context():
        user = db.session.get(User, learner.id)
        for slug in slugs[1:]:
            ops.enroll(user, ops.get_course(slug), "admin")
        db.session.commit()
    five = page_queries(app, client, "/learn/")
    assert len(five) == len(one) <= 8, "\n".join(five)
    assert client.get("/learn/").text.count('class="card"') == 5
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.email == "learner@example.no"))
