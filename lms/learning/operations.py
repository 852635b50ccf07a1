"""Learning rules: enrollment, seat time, lessons, module checks, the final test, completion."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm.attributes import set_committed_value

from lms.accounts.models import User
from lms.content.models import Course, Lesson, Module, Question
from lms.core.db import insert_ignore
from lms.core.models import utcnow
from lms.extensions import db
from lms.learning.models import Enrollment, LessonProgress, ModuleCheckResult, QuizAttempt
from lms.learning.signals import course_completed

ATTEMPT_DURATION = timedelta(hours=2)


class LearningError(Exception):
    """A rule refused the action; ``code`` names which, views map it to a message."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details


# ---------------------------------------------------------------- enrollment

def get_course(slug: str, *, published_only: bool = True) -> Course | None:
    stmt = select(Course).where(Course.slug == slug)
    if published_only:
        stmt = stmt.where(Course.is_published.is_(True))
    return db.session.scalar(stmt)


def get_enrollment(user_id: int, slug: str) -> Enrollment | None:
    """The user's active enrollment in a course, with the course loaded (one query)."""
    return db.session.scalar(
        select(Enrollment).join(Enrollment.course).options(contains_eager(Enrollment.course))
        .where(Enrollment.user_id == user_id, Course.slug == slug, Enrollment.withdrawn_at.is_(None))
    )


def default_language(user: User, course: Course, allowed: list[str] | None = None) -> str:
    allowed = allowed or course.languages
    if user.preferred_language in allowed:
        return user.preferred_language
    return allowed[0]


def allowed_languages(course: Course, source: str) -> list[str]:
    """Languages an enrollment may use: a free enrollment of a paid course keeps to its free languages."""
    if source == "free" and course.price_ore > 0:
        return [lang for lang in course.languages if lang in (course.free_languages or [])]
    return list(course.languages)


def enroll(user: User, course: Course, source: str, *, language: str | None = None,
           source_ref: str | None = None) -> Enrollment:
    """Enroll a user in a course (the one entry point for purchases, licenses, free and admin).

    Idempotent: an existing enrollment is returned (a withdrawn one is reactivated).
    """
    if source not in ("purchase", "license", "free", "admin"):
        raise ValueError(f"unknown enrollment source {source!r}")
    if language is not None and language not in course.languages:
        raise LearningError("language_not_available")
    existing = db.session.scalar(
        select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.course_id == course.id))
    if existing is not None and existing.withdrawn_at is None:
        if existing.source == "free" and source != "free":
            # A paid enrollment replaces a free one: all languages open up.
            existing.source, existing.source_ref = source, source_ref
        return existing
    allowed = allowed_languages(course, source)
    if not allowed:
        raise LearningError("not_free")
    if language is None:
        language = default_language(user, course, allowed)
    if language not in allowed:
        raise LearningError("language_not_available" if language not in course.languages else "not_free")
    if existing is not None:  # withdrawn earlier (refund, released seat): active again
        existing.withdrawn_at = None
        existing.source, existing.source_ref, existing.content_language = source, source_ref, language
        return existing
    enrollment = Enrollment(user_id=user.id, course_id=course.id, content_language=language,
                            source=source, source_ref=source_ref, seconds_total=0)
    try:
        with db.session.begin_nested():
            db.session.add(enrollment)
    except IntegrityError:  # a simultaneous request enrolled first
        existing = db.session.scalar(
            select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.course_id == course.id))
        assert existing is not None
        return existing
    return enrollment


def enroll_free(user: User, course: Course, language: str) -> Enrollment:
    if not course.is_free_in(language):
        raise LearningError("not_free")
    return enroll(user, course, "free", language=language)


def set_content_language(enrollment: Enrollment, language: str) -> None:
    if language not in allowed_languages(enrollment.course, enrollment.source):
        raise LearningError("language_not_available")
    enrollment.content_language = language


# ---------------------------------------------------------------- structure and progress

@dataclass
class LessonRef:
    id: int
    key: str
    title: dict[str, str]
    module_id: int
    module_key: str


@dataclass
class ModuleRef:
    id: int
    key: str
    position: int
    title: dict[str, str]
    covers: list[str]
    lessons: list[LessonRef] = field(default_factory=list)


def outline(course_id: int, content_hash: str | None = None) -> list[ModuleRef]:
    """Modules and lessons of a course in order, without lesson bodies (one query).

    With the course's content hash the result is kept per process: the structure only changes
    when a new version of the content is synced, and that changes the hash.
    """
    if content_hash is not None:
        cached = _OUTLINES.get((course_id, content_hash))
        if cached is not None:
            return cached
    rows = db.session.execute(
        select(Module.id, Module.key, Module.position, Module.title, Module.covers,
               Lesson.id, Lesson.key, Lesson.title)
        .join(Lesson, and_(Lesson.module_id == Module.id, Lesson.is_removed.is_(False)))
        .where(Module.course_id == course_id, Module.is_removed.is_(False))
        .order_by(Module.position, Lesson.position)
    ).all()
    modules: dict[int, ModuleRef] = {}
    for mid, mkey, mpos, mtitle, covers, lid, lkey, ltitle in rows:
        module = modules.get(mid)
        if module is None:
            module = modules[mid] = ModuleRef(mid, mkey, mpos, mtitle, covers or [])
        module.lessons.append(LessonRef(lid, lkey, ltitle, mid, mkey))
    result = list(modules.values())
    if content_hash is not None:
        _remember(_OUTLINES, (course_id, content_hash), result)
    return result


_OUTLINES: dict[tuple[int, str], list[ModuleRef]] = {}
_BODIES: dict[tuple[int, str, str], str] = {}
_CACHE_LIMIT = 2048


def _remember(cache: dict, key, value) -> None:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value


@dataclass
class Progress:
    completed_lessons: set[int]
    checked_modules: dict[int, ModuleCheckResult]
    viewed_lessons: set[int] = field(default_factory=set)

    def module_done(self, module: ModuleRef) -> bool:
        return module.id in self.checked_modules and all(
            lesson.id in self.completed_lessons for lesson in module.lessons)

    def lessons_done_in(self, module: ModuleRef) -> bool:
        return all(lesson.id in self.completed_lessons for lesson in module.lessons)


def progress_of(enrollment_id: int) -> Progress:
    rows = db.session.execute(
        select(LessonProgress.lesson_id, LessonProgress.completed_at)
        .where(LessonProgress.enrollment_id == enrollment_id)).all()
    checks = {r.module_id: r for r in db.session.scalars(
        select(ModuleCheckResult).where(ModuleCheckResult.enrollment_id == enrollment_id))}
    return Progress({lid for lid, done in rows if done is not None}, checks, {lid for lid, _ in rows})


def percent_done(modules: list[ModuleRef], progress: Progress) -> int:
    """Lessons and module checks done, as a share of all of them."""
    total = sum(len(m.lessons) + 1 for m in modules)
    done = sum(sum(1 for lesson in m.lessons if lesson.id in progress.completed_lessons)
               + (1 if m.id in progress.checked_modules else 0) for m in modules)
    return int(100 * done / total) if total else 0


def find_lesson(modules: list[ModuleRef], module_key: str, lesson_key: str) -> LessonRef | None:
    for module in modules:
        if module.key == module_key:
            return next((lesson for lesson in module.lessons if lesson.key == lesson_key), None)
    return None


def neighbours(modules: list[ModuleRef], lesson: LessonRef) -> tuple[LessonRef | None, LessonRef | None]:
    flat = [item for m in modules for item in m.lessons]
    index = next(i for i, item in enumerate(flat) if item.id == lesson.id)
    return (flat[index - 1] if index > 0 else None, flat[index + 1] if index + 1 < len(flat) else None)


def resume_point(modules: list[ModuleRef], progress: Progress, last_lesson_id: int | None):
    """Where "continue" leads: the first lesson or check not done, else the final test."""
    for module in modules:
        for lesson in module.lessons:
            if lesson.id not in progress.completed_lessons:
                return ("lesson", lesson)
        if module.id not in progress.checked_modules:
            return ("check", module)
    return ("test", None)


def lesson_body(lesson_id: int, language: str, content_hash: str | None = None) -> str:
    key = (lesson_id, content_hash or "", language)
    if content_hash is not None and key in _BODIES:
        return _BODIES[key]
    body = db.session.scalar(select(Lesson.body_html).where(Lesson.id == lesson_id)) or {}
    html = body.get(language) or body.get("nb") or ""
    if content_hash is not None:
        _remember(_BODIES, key, html)
    return html


# ---------------------------------------------------------------- seat time

def _cap() -> int:
    return int(current_app.config.get("LMS_SEAT_TIME_CAP_SECONDS", 300))


def record_activity(enrollment: Enrollment, lesson_id: int | None, now: datetime | None = None) -> int:
    """Credit the time since the learner's last activity (capped) and move the anchor.

    The time goes to the lesson the learner was on. One conditional UPDATE, so two requests
    at once cannot both credit the same interval. Returns the seconds credited.
    """
    now = now or utcnow()
    previous = enrollment.last_activity_at
    credit = 0
    if previous is not None:
        credit = max(0, min(int((now - previous).total_seconds()), _cap()))
    condition = Enrollment.last_activity_at.is_(None) if previous is None else Enrollment.last_activity_at == previous
    values = {"last_activity_at": now, "seconds_total": Enrollment.seconds_total + credit}
    if lesson_id is not None:
        values["last_lesson_id"] = lesson_id
    if enrollment.started_at is None:
        values["started_at"] = now
    updated = db.session.execute(
        update(Enrollment).where(Enrollment.id == enrollment.id, condition).values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not updated:
        return 0
    credited_lesson = enrollment.last_lesson_id
    if credit and credited_lesson is not None:
        db.session.execute(
            update(LessonProgress)
            .where(LessonProgress.enrollment_id == enrollment.id, LessonProgress.lesson_id == credited_lesson)
            .values(seconds=LessonProgress.seconds + credit)
            .execution_options(synchronize_session=False)
        )
    # Mirror the UPDATE in memory without making the ORM write it again.
    set_committed_value(enrollment, "seconds_total", enrollment.seconds_total + credit)
    set_committed_value(enrollment, "last_activity_at", now)
    if lesson_id is not None:
        set_committed_value(enrollment, "last_lesson_id", lesson_id)
    if enrollment.started_at is None:
        set_committed_value(enrollment, "started_at", now)
    return credit


def view_lesson(enrollment: Enrollment, lesson: LessonRef, progress: Progress | None = None) -> None:
    """Record a view: the lesson's progress row (first view only) and the seat time."""
    if progress is None or lesson.id not in progress.viewed_lessons:
        insert_ignore(LessonProgress.__table__, {
            "enrollment_id": enrollment.id, "lesson_id": lesson.id, "seconds": 0, "first_viewed_at": utcnow()})
        if progress is not None:
            progress.viewed_lessons.add(lesson.id)
    record_activity(enrollment, lesson.id)


def complete_lesson(enrollment: Enrollment, lesson: LessonRef) -> None:
    view_lesson(enrollment, lesson)
    db.session.execute(
        update(LessonProgress)
        .where(LessonProgress.enrollment_id == enrollment.id, LessonProgress.lesson_id == lesson.id,
               LessonProgress.completed_at.is_(None))
        .values(completed_at=utcnow())
        .execution_options(synchronize_session=False)
    )


# ---------------------------------------------------------------- questions

def module_questions(module_id: int) -> list[Question]:
    return list(db.session.scalars(
        select(Question).where(Question.module_id == module_id, Question.kind == "check",
                               Question.is_removed.is_(False)).order_by(Question.position)))


def parse_answers(questions: list[Question], form: dict[str, list[str]], prefix: str = "q") -> dict[str, list[str]]:
    """The chosen option ids per question id from a submitted form.

    Raises LearningError('unanswered') when a question has no answer, and
    LearningError('tampered') for an option that does not belong to its question or a
    second option on a single-choice question.
    """
    answers: dict[str, list[str]] = {}
    missing = []
    for question in questions:
        chosen = [value for value in form.get(f"{prefix}{question.id}", []) if value]
        valid = set(question.option_ids())
        if any(value not in valid for value in chosen) or len(set(chosen)) != len(chosen):
            raise LearningError("tampered")
        if not question.multiple and len(chosen) > 1:
            raise LearningError("tampered")
        if not chosen:
            missing.append(question.id)
        answers[str(question.id)] = sorted(chosen)
    if missing:
        raise LearningError("unanswered", missing=missing, answers=answers)
    return answers


def is_correct(question: Question, chosen: list[str]) -> bool:
    return set(chosen) == question.correct_ids


def submit_module_check(enrollment: Enrollment, module: ModuleRef, progress: Progress,
                        form: dict[str, list[str]]) -> ModuleCheckResult:
    """Grade the module check (formative: any score completes it) and keep the latest answers."""
    if not progress.lessons_done_in(module):
        raise LearningError("lessons_first")
    questions = module_questions(module.id)
    answers = parse_answers(questions, form)
    correct = sum(1 for q in questions if is_correct(q, answers[str(q.id)]))
    record_activity(enrollment, None)
    result = db.session.scalar(select(ModuleCheckResult).where(
        ModuleCheckResult.enrollment_id == enrollment.id, ModuleCheckResult.module_id == module.id))
    if result is None:
        result = ModuleCheckResult(enrollment_id=enrollment.id, module_id=module.id,
                                   correct=correct, total=len(questions), answers=answers)
        try:
            with db.session.begin_nested():
                db.session.add(result)
        except IntegrityError:
            result = db.session.scalar(select(ModuleCheckResult).where(
                ModuleCheckResult.enrollment_id == enrollment.id, ModuleCheckResult.module_id == module.id))
    result.correct, result.total, result.answers, result.completed_at = correct, len(questions), answers, utcnow()
    db.session.flush()
    return result


# ---------------------------------------------------------------- final test

@dataclass
class TestStatus:
    modules_left: int
    minutes_left: int
    attempts_used: int
    attempts_left_in_round: int
    locked_until: datetime | None
    open_attempt: QuizAttempt | None
    passed_attempt: QuizAttempt | None
    last_attempt: QuizAttempt | None

    @property
    def can_start(self) -> bool:
        return (self.modules_left == 0 and self.minutes_left == 0 and self.locked_until is None
                and self.open_attempt is None and self.passed_attempt is None)


def _expire_overdue(enrollment_id: int, now: datetime) -> None:
    db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.enrollment_id == enrollment_id, QuizAttempt.status == "open",
               QuizAttempt.expires_at <= now)
        .values(status="expired", passed=False, score_percent=0, correct_count=0, graded_at=now)
        .execution_options(synchronize_session=False)
    )


def attempts_of(enrollment_id: int) -> list[QuizAttempt]:
    return list(db.session.scalars(
        select(QuizAttempt).where(QuizAttempt.enrollment_id == enrollment_id).order_by(QuizAttempt.number)))


def test_status(enrollment: Enrollment, modules: list[ModuleRef], progress: Progress,
                now: datetime | None = None) -> TestStatus:
    now = now or utcnow()
    _expire_overdue(enrollment.id, now)
    course = enrollment.course
    attempts = attempts_of(enrollment.id)
    failed = [a for a in attempts if a.status in ("graded", "expired") and not a.passed]
    locked_until = None
    if failed and len(failed) % course.attempt_limit == 0:
        last_failed_at = failed[-1].graded_at or failed[-1].started_at
        until = last_failed_at + timedelta(hours=course.cooldown_hours)
        if until > now:
            locked_until = until
    return TestStatus(
        modules_left=sum(1 for m in modules if not progress.module_done(m)),
        minutes_left=max(0, -(-(course.minimum_minutes * 60 - enrollment.seconds_total) // 60)),
        attempts_used=len(attempts),
        attempts_left_in_round=course.attempt_limit - (len(failed) % course.attempt_limit),
        locked_until=locked_until,
        open_attempt=next((a for a in attempts if a.status == "open"), None),
        passed_attempt=next((a for a in attempts if a.passed), None),
        last_attempt=attempts[-1] if attempts else None,
    )


def start_attempt(enrollment: Enrollment, status: TestStatus, rng: random.Random | None = None) -> QuizAttempt:
    if status.open_attempt is not None:
        return status.open_attempt
    if status.passed_attempt is not None:
        raise LearningError("already_passed")
    if status.modules_left:
        raise LearningError("modules_left", count=status.modules_left)
    if status.minutes_left:
        raise LearningError("time_left", minutes=status.minutes_left)
    if status.locked_until is not None:
        raise LearningError("cooldown", until=status.locked_until)
    rng = rng or random.SystemRandom()
    bank = list(db.session.execute(
        select(Question.id, Question.options).where(
            Question.course_id == enrollment.course_id, Question.kind == "final", Question.is_removed.is_(False))
    ))
    size = min(enrollment.course.final_test_size, len(bank))
    drawn = rng.sample(bank, size)
    layout = []
    for question_id, options in drawn:
        option_ids = [o["id"] for o in options]
        rng.shuffle(option_ids)
        layout.append({"question_id": question_id, "options": option_ids})
    now = utcnow()
    attempt = QuizAttempt(enrollment_id=enrollment.id, number=status.attempts_used + 1, status="open",
                          layout=layout, started_at=now, expires_at=now + ATTEMPT_DURATION)
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:  # a simultaneous start: use the attempt that won
        existing = db.session.scalar(select(QuizAttempt).where(
            QuizAttempt.enrollment_id == enrollment.id, QuizAttempt.status == "open"))
        if existing is None:
            raise LearningError("try_again") from None
        return existing
    record_activity(enrollment, None)
    return attempt


def get_attempt(enrollment: Enrollment, attempt_id: int) -> QuizAttempt | None:
    """The attempt, only if it belongs to this enrollment."""
    return db.session.scalar(select(QuizAttempt).where(
        QuizAttempt.id == attempt_id, QuizAttempt.enrollment_id == enrollment.id))


def attempt_questions(attempt: QuizAttempt) -> list[Question]:
    ids = [item["question_id"] for item in attempt.layout]
    by_id = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id]


def submit_attempt(enrollment: Enrollment, attempt: QuizAttempt, form: dict[str, list[str]],
                   now: datetime | None = None) -> QuizAttempt:
    """Grade an attempt exactly once, even when two submissions arrive at the same moment."""
    now = now or utcnow()
    if attempt.status != "open":
        raise LearningError("already_graded")
    if attempt.expires_at <= now:
        _expire_overdue(enrollment.id, now)
        raise LearningError("attempt_closed")
    questions = attempt_questions(attempt)
    answers = parse_answers(questions, form)
    wrong_modules = sorted({q.module_id for q in questions if not is_correct(q, answers[str(q.id)])})
    correct = sum(1 for q in questions if is_correct(q, answers[str(q.id)]))
    score = (100 * correct) // len(questions) if questions else 0
    passed = score >= enrollment.course.pass_mark
    graded = db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == "open", QuizAttempt.expires_at > now)
        .values(status="graded", answers=answers, graded_at=now, score_percent=score,
                correct_count=correct, passed=passed, review_module_ids=wrong_modules)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not graded:
        raise LearningError("already_graded")
    db.session.refresh(attempt)
    record_activity(enrollment, None, now)
    if passed:
        complete(enrollment, attempt)
    return attempt


def complete(enrollment: Enrollment, attempt: QuizAttempt) -> bool:
    """Mark the enrollment completed (once) and tell the listeners, in this transaction."""
    done = db.session.execute(
        update(Enrollment).where(Enrollment.id == enrollment.id, Enrollment.completed_at.is_(None))
        .values(completed_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        return False
    db.session.refresh(enrollment)
    course_completed.send(current_app._get_current_object(), enrollment=enrollment, attempt=attempt)
    return True


# ---------------------------------------------------------------- dashboard

@dataclass
class DashboardRow:
    enrollment: Enrollment
    percent: int
    lessons_done: int
    lessons_total: int


def dashboard(user_id: int) -> list[DashboardRow]:
    """The learner's courses with progress: three queries whatever the number of courses."""
    enrollments = list(db.session.scalars(
        select(Enrollment).where(Enrollment.user_id == user_id, Enrollment.withdrawn_at.is_(None))
        .order_by(Enrollment.completed_at.is_not(None), Enrollment.last_activity_at.desc().nulls_last(),
                  Enrollment.id.desc())))
    if not enrollments:
        return []
    course_ids = {e.course_id for e in enrollments}
    units = dict(db.session.execute(
        select(Lesson.course_id, func.count(Lesson.id))
        .join(Module, Module.id == Lesson.module_id)
        .where(Lesson.course_id.in_(course_ids), Lesson.is_removed.is_(False), Module.is_removed.is_(False))
        .group_by(Lesson.course_id)).all())
    modules = dict(db.session.execute(
        select(Module.course_id, func.count(Module.id))
        .where(Module.course_id.in_(course_ids), Module.is_removed.is_(False))
        .group_by(Module.course_id)).all())
    ids = [e.id for e in enrollments]
    done = dict(db.session.execute(
        select(LessonProgress.enrollment_id, func.count(LessonProgress.id))
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(LessonProgress.enrollment_id.in_(ids), LessonProgress.completed_at.is_not(None),
               Lesson.is_removed.is_(False))
        .group_by(LessonProgress.enrollment_id)).all())
    checks = dict(db.session.execute(
        select(ModuleCheckResult.enrollment_id, func.count(ModuleCheckResult.id))
        .join(Module, Module.id == ModuleCheckResult.module_id)
        .where(ModuleCheckResult.enrollment_id.in_(ids), Module.is_removed.is_(False))
        .group_by(ModuleCheckResult.enrollment_id)).all())
    rows = []
    for enrollment in enrollments:
        total = units.get(enrollment.course_id, 0) + modules.get(enrollment.course_id, 0)
        finished = done.get(enrollment.id, 0) + checks.get(enrollment.id, 0)
        percent = 100 if enrollment.completed_at else (int(100 * finished / total) if total else 0)
        rows.append(DashboardRow(enrollment, percent, done.get(enrollment.id, 0), units.get(enrollment.course_id, 0)))
    return rows



