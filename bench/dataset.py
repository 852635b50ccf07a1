"""A realistic data set for the benchmark: learners, enrollments and progress, inserted in bulk.

``build(app)`` runs inside an app context on a migrated database with the courses synced.
Everything goes in with SQLAlchemy Core executemany inserts; the one argon2 hash is computed
once and shared by every learner (hashing a thousand passwords would take most of a minute).

The mix, per learner (seeded, so every run builds the same data):

* 1–4 of the published courses (weights 40/30/20/10 %), content language = the learner's
  preferred language when the course has it, else Norwegian;
* per enrollment: 15 % not started, 50 % part-way, 15 % all lessons and checks done but no
  test yet, 20 % completed (final test passed, some after a failed first attempt);
* lesson_progress for every completed lesson plus the lesson the learner is on, a
  module_check_result for every module whose lessons are all done (answers mostly right),
  seat time a few minutes per lesson, activity dates spread over the last 90 days.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import func, insert, select

from lms.accounts.models import User
from lms.accounts.operations import hash_password
from lms.content.models import Course, Lesson, Module, Question
from lms.extensions import db
from lms.learning.models import Enrollment, LessonProgress, ModuleCheckResult, QuizAttempt

PASSWORD = "bench-password-2026"
EMAIL = "learner{:04d}@bench.example"
FIRST = ["Ola", "Kari", "Per", "Anne", "Lars", "Ingrid", "Nils", "Marit", "Jonas", "Sofie",
         "Olena", "Andrii", "Fatima", "Mohammed", "Eva", "Tor", "Hanne", "Arne", "Silje", "Magnus"]
LAST = ["Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
        "Jensen", "Karlsen", "Berg", "Haugen", "Hagen", "Shevchenko", "Kovalenko", "Ali", "Dahl"]


@dataclass
class CourseInfo:
    id: int
    slug: str
    languages: list[str]
    final_test_size: int
    pass_mark: int
    # [(module_id, module_key, [(lesson_id, lesson_key), ...]), ...] in order
    modules: list[tuple[int, str, list[tuple[int, str]]]]
    check_questions: dict[int, list[tuple[int, list[dict]]]] = field(default_factory=dict)
    final_questions: list[tuple[int, int, list[dict]]] = field(default_factory=list)

    @property
    def lessons(self) -> list[tuple[int, str, int, str]]:
        """Flat: (lesson_id, lesson_key, module_id, module_key)."""
        return [(lid, lkey, mid, mkey) for mid, mkey, lessons in self.modules for lid, lkey in lessons]


@dataclass
class Summary:
    users: int = 0
    enrollments: int = 0
    completed_enrollments: int = 0
    lesson_progress: int = 0
    module_check_results: int = 0
    quiz_attempts: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        return (f"{self.users} learners, {self.enrollments} enrollments ({self.completed_enrollments} completed), "
                f"{self.lesson_progress} lesson_progress, {self.module_check_results} module_check_results, "
                f"{self.quiz_attempts} quiz_attempts")


def _courses() -> list[CourseInfo]:
    courses = []
    for course in db.session.scalars(select(Course).where(Course.is_published.is_(True)).order_by(Course.id)):
        rows = db.session.execute(
            select(Module.id, Module.key, Lesson.id, Lesson.key)
            .join(Lesson, Lesson.module_id == Module.id)
            .where(Module.course_id == course.id, Module.is_removed.is_(False), Lesson.is_removed.is_(False))
            .order_by(Module.position, Lesson.position)).all()
        modules: dict[int, tuple[int, str, list[tuple[int, str]]]] = {}
        for mid, mkey, lid, lkey in rows:
            modules.setdefault(mid, (mid, mkey, []))[2].append((lid, lkey))
        info = CourseInfo(course.id, course.slug, list(course.languages), course.final_test_size,
                          course.pass_mark, list(modules.values()))
        for qid, mid, kind, options in db.session.execute(
                select(Question.id, Question.module_id, Question.kind, Question.options)
                .where(Question.course_id == course.id, Question.is_removed.is_(False))
                .order_by(Question.position)):
            if kind == "check":
                info.check_questions.setdefault(mid, []).append((qid, options))
            else:
                info.final_questions.append((qid, mid, options))
        courses.append(info)
    return courses


def _answer(rng: random.Random, options: list[dict], right: bool) -> list[str]:
    correct = sorted(o["id"] for o in options if o.get("correct"))
    if right or len(options) <= len(correct):
        return correct
    wrong = [o["id"] for o in options if not o.get("correct")]
    return [rng.choice(wrong)]


def build(app: Flask, learners: int = 1000, seed: int = 2026) -> Summary:
    """Insert the data set; returns what was inserted. Needs an app context."""
    import time

    clock = time.perf_counter()
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    courses = _courses()
    if not courses:
        raise RuntimeError("no published courses: run 'flask --app lms courses sync' first")
    password_hash = hash_password(PASSWORD)  # once, shared by all
    summary = Summary()

    users = []
    for n in range(1, learners + 1):
        language = rng.choices(["nb", "en", "uk"], weights=[75, 12, 13])[0]
        created = now - timedelta(days=rng.randint(1, 400), minutes=rng.randint(0, 1440))
        users.append({
            "email": EMAIL.format(n), "full_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "password_hash": password_hash, "preferred_language": language, "is_admin": False,
            "is_deactivated": False, "email_verified_at": created + timedelta(minutes=5),
            "last_login_at": now - timedelta(days=rng.randint(0, 60)), "created_at": created,
        })
    db.session.execute(insert(User), users)
    ids = dict(db.session.execute(select(User.email, User.id).where(User.email.like("%@bench.example"))).all())
    summary.users = len(ids)

    # Enrollments first (their ids are needed for the progress rows).
    plans = []  # (user_id, course, state, lessons_done)
    enrollment_rows = []
    for n, user in enumerate(users, start=1):
        count = rng.choices([1, 2, 3, 4], weights=[40, 30, 20, 10])[0]
        # Learner 1..8 (the ones the benchmark logs in as) take every course.
        if n <= 8:
            count = len(courses)
        for course in rng.sample(courses, min(count, len(courses))):
            lessons = course.lessons
            state = rng.choices(["new", "partial", "lessons_done", "completed"], weights=[15, 50, 15, 20])[0]
            if n <= 8:
                state = "partial"
            done = {"new": 0, "partial": rng.randint(1, max(1, len(lessons) - 1)),
                    "lessons_done": len(lessons), "completed": len(lessons)}[state]
            language = user["preferred_language"] if user["preferred_language"] in course.languages else "nb"
            enrolled = user["created_at"] + timedelta(days=rng.randint(0, 20))
            enrolled = min(enrolled, now - timedelta(hours=1))
            last_activity = None if state == "new" else min(now, enrolled + timedelta(days=rng.uniform(0, 60)))
            seconds = sum(rng.randint(120, 420) for _ in range(done)) + (rng.randint(0, 300) if done else 0)
            current = lessons[min(done, len(lessons) - 1)] if done else None
            enrollment_rows.append({
                "user_id": ids[user["email"]], "course_id": course.id, "content_language": language,
                "source": rng.choices(["purchase", "license", "admin"], weights=[60, 35, 5])[0],
                "source_ref": None, "created_at": enrolled,
                "started_at": enrolled + timedelta(minutes=rng.randint(1, 600)) if done else None,
                "completed_at": last_activity if state == "completed" else None,
                "withdrawn_at": None, "seconds_total": seconds, "last_activity_at": last_activity,
                "last_lesson_id": current[0] if current else None,
            })
            plans.append((ids[user["email"]], course, state, done, last_activity or enrolled))
    db.session.execute(insert(Enrollment), enrollment_rows)
    enrollment_ids = {(u, c): e for e, u, c in db.session.execute(
        select(Enrollment.id, Enrollment.user_id, Enrollment.course_id))}
    summary.enrollments = len(enrollment_rows)
    summary.completed_enrollments = sum(1 for p in plans if p[2] == "completed")

    progress_rows, check_rows, attempt_rows = [], [], []
    for user_id, course, state, done, last_activity in plans:
        enrollment_id = enrollment_ids[(user_id, course.id)]
        lessons = course.lessons
        when = last_activity - timedelta(minutes=5 * (done + 2))
        completed_ids = set()
        for index, (lesson_id, _key, _mid, _mkey) in enumerate(lessons[:done]):
            viewed = when + timedelta(minutes=5 * index)
            progress_rows.append({"enrollment_id": enrollment_id, "lesson_id": lesson_id,
                                  "seconds": rng.randint(120, 420), "first_viewed_at": viewed,
                                  "completed_at": viewed + timedelta(minutes=4)})
            completed_ids.add(lesson_id)
        if 0 < done < len(lessons):  # the lesson the learner is on: viewed, not completed
            progress_rows.append({"enrollment_id": enrollment_id, "lesson_id": lessons[done][0],
                                  "seconds": rng.randint(0, 200), "first_viewed_at": last_activity,
                                  "completed_at": None})
        for module_id, _mkey, module_lessons in course.modules:
            if not all(lid in completed_ids for lid, _ in module_lessons):
                continue
            if state == "partial" and rng.random() < 0.2:
                continue  # lessons done, check not taken yet
            questions = course.check_questions.get(module_id, [])
            answers = {str(qid): _answer(rng, options, rng.random() < 0.85) for qid, options in questions}
            correct = sum(1 for qid, options in questions if answers[str(qid)] == _answer(rng, options, True))
            check_rows.append({"enrollment_id": enrollment_id, "module_id": module_id, "correct": correct,
                               "total": len(questions), "answers": answers, "completed_at": last_activity})
        if state == "completed" and course.final_questions:
            attempts = 2 if rng.random() < 0.25 else 1
            for number in range(1, attempts + 1):
                passed = number == attempts
                drawn = rng.sample(course.final_questions, min(course.final_test_size, len(course.final_questions)))
                layout, answers, wrong_modules, correct = [], {}, set(), 0
                for qid, mid, options in drawn:
                    option_ids = [o["id"] for o in options]
                    rng.shuffle(option_ids)
                    layout.append({"question_id": qid, "options": option_ids})
                    right = rng.random() < (0.93 if passed else 0.6)
                    answers[str(qid)] = _answer(rng, options, right)
                    if right:
                        correct += 1
                    else:
                        wrong_modules.add(mid)
                score = 100 * correct // len(drawn)
                if passed and score < course.pass_mark:
                    score = course.pass_mark
                started = last_activity - timedelta(hours=26 * (attempts - number) + 1)
                attempt_rows.append({
                    "enrollment_id": enrollment_id, "number": number, "status": "graded", "layout": layout,
                    "answers": answers, "started_at": started, "expires_at": started + timedelta(hours=2),
                    "graded_at": started + timedelta(minutes=25), "score_percent": score,
                    "correct_count": correct, "passed": score >= course.pass_mark,
                    "review_module_ids": sorted(wrong_modules),
                })
    for rows, model in ((progress_rows, LessonProgress), (check_rows, ModuleCheckResult),
                        (attempt_rows, QuizAttempt)):
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(model), rows[start:start + 5000])
    db.session.commit()
    summary.lesson_progress = len(progress_rows)
    summary.module_check_results = len(check_rows)
    summary.quiz_attempts = len(attempt_rows)
    summary.seconds = time.perf_counter() - clock
    return summary


@dataclass
class Learner:
    user_id: int
    email: str
    # (slug, module_key, lesson_key): the lesson the learner is on, per in-progress course
    lessons: list[tuple[str, str, str]]


def bench_learners(count: int = 8) -> list[Learner]:
    """The learners the benchmark logs in as: the ones with the most enrollments, lessons to go."""
    rows = db.session.execute(
        select(User.id, User.email, func.count(Enrollment.id).label("n"))
        .join(Enrollment, Enrollment.user_id == User.id)
        .where(User.email.like("%@bench.example"))
        .group_by(User.id, User.email).order_by(func.count(Enrollment.id).desc(), User.id).limit(count)).all()
    learners = []
    for user_id, email, _n in rows:
        lessons = db.session.execute(
            select(Course.slug, Module.key, Lesson.key)
            .join(Enrollment, Enrollment.course_id == Course.id)
            .join(Lesson, Lesson.id == Enrollment.last_lesson_id)
            .join(Module, Module.id == Lesson.module_id)
            .where(Enrollment.user_id == user_id, Enrollment.completed_at.is_(None))
            .order_by(Course.id)).all()
        learners.append(Learner(user_id, email, [tuple(r) for r in lessons]))
    return [learner for learner in learners if learner.lessons]
