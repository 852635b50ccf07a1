"""Load validated course data into the database, idempotently, without losing progress."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from lms.content.loader import CourseData, Problem, load_library
from lms.content.markdown import CALLOUTS, render_lesson
from lms.content.models import Course, CourseRevision, Lesson, Module, Question
from lms.core.models import utcnow
from lms.extensions import db


@dataclass
class SyncResult:
    slug: str
    status: str  # created | updated | unchanged | refused
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = []
        if self.added:
            parts.append(f"{len(self.added)} added")
        if self.changed:
            parts.append(f"{len(self.changed)} changed")
        if self.removed:
            parts.append(f"{len(self.removed)} removed")
        return ", ".join(parts) or "no structural changes"


def callout_labels(language: str) -> dict[str, str]:
    with force_locale(language):
        labels = {
            "remember": _("Remember"),
            "law": _("What the law says"),
            "example": _("Example"),
            "warning": _("Watch out"),
        }
        assert set(labels) == set(CALLOUTS)
        labels["table"] = _("Table")
    return labels


def media_url(slug: str) -> str:
    return f"/courses/{slug}/media"


def _course_fields(data: CourseData) -> dict:
    meta = data.meta
    return {
        "version": meta["version"],
        "audience": meta["audience"],
        "nominal_minutes": round(float(meta["hours"]) * 60),
        "minimum_minutes": meta["minimum_minutes"],
        "pass_mark": meta["pass_mark"],
        "attempt_limit": meta["attempt_limit"],
        "cooldown_hours": meta["cooldown_hours"],
        "final_test_size": meta["final_test_size"],
        "price_ore": meta["price_ore"],
        "free_languages": list(meta.get("free_languages", [])),
        "languages": list(meta["languages"]),
        "validity_months": meta.get("validity_months"),
        "title": dict(meta["title"]),
        "summary": dict(meta["summary"]),
        "legal_basis": dict(meta["legal_basis"]),
        "content_hash": data.content_hash,
    }


def _set(obj, values: dict, changed: list[str], label: str) -> None:
    differs = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            differs = True
    if differs:
        changed.append(label)


def sync_course(data: CourseData, *, allow_removals: bool = False) -> SyncResult:
    """Create or update one course from its files. Flushes; the caller commits.

    A module, lesson or question that disappeared from the files is only retired (kept for the
    progress that refers to it) when allow_removals is set; otherwise nothing is changed and the
    result says what would be removed.
    """
    course = db.session.scalar(select(Course).where(Course.slug == data.slug))
    if course is not None and course.content_hash == data.content_hash:
        return SyncResult(data.slug, "unchanged")
    result = SyncResult(data.slug, "created" if course is None else "updated")

    modules = {m.key: m for m in course.modules} if course else {}
    lessons = {}
    questions = {}
    if course is not None:
        lessons = {(m.key, lesson.key): lesson for m in course.modules for lesson in m.lessons}
        questions = {q.key: q for q in db.session.scalars(select(Question).where(Question.course_id == course.id))}

    new_modules = {m.id for m in data.modules}
    new_lessons = {(m.id, lesson.id) for m in data.modules for lesson in m.lessons}
    new_questions = {q.id for q in data.questions()}
    removed = (
        [f"module {key}" for key, m in modules.items() if key not in new_modules and not m.is_removed]
        + [f"lesson {mk}/{lk}" for (mk, lk), lesson in lessons.items()
           if (mk, lk) not in new_lessons and not lesson.is_removed]
        + [f"question {key}" for key, q in questions.items() if key not in new_questions and not q.is_removed]
    )
    if removed and not allow_removals:
        return SyncResult(data.slug, "refused", removed=removed)
    result.removed = removed

    if course is None:
        course = Course(slug=data.slug, is_published=True, **_course_fields(data))
        db.session.add(course)
        db.session.flush()
    else:
        _set(course, _course_fields(data), result.changed, "course settings")
    course.synced_at = utcnow()

    labels = {language: callout_labels(language) for language in data.languages}
    for module_data in data.modules:
        module = modules.get(module_data.id)
        values = {"position": module_data.position, "minutes": module_data.minutes,
                  "covers": list(module_data.covers), "title": dict(module_data.title), "is_removed": False}
        if module is None:
            module = Module(course_id=course.id, key=module_data.id, **values)
            db.session.add(module)
            db.session.flush()
            result.added.append(f"module {module_data.id}")
        else:
            _set(module, values, result.changed, f"module {module_data.id}")
        for lesson_data in module_data.lessons:
            html = {language: render_lesson(text, media_url(data.slug), labels[language])
                    for language, text in lesson_data.markdown.items()}
            values = {"position": lesson_data.position, "title": dict(lesson_data.title), "body_html": html,
                      "is_removed": False, "module_id": module.id, "course_id": course.id}
            lesson = lessons.get((module_data.id, lesson_data.id))
            if lesson is None:
                db.session.add(Lesson(key=lesson_data.id, **values))
                result.added.append(f"lesson {module_data.id}/{lesson_data.id}")
            else:
                _set(lesson, values, result.changed, f"lesson {module_data.id}/{lesson_data.id}")
        for question_data in (*module_data.check, *module_data.final):
            values = {
                "module_id": module.id, "kind": question_data.kind, "position": question_data.position,
                "text": dict(question_data.text), "explanation": dict(question_data.explanation),
                "options": [{"id": o.id, "correct": o.correct, "text": dict(o.text)} for o in question_data.options],
                "is_removed": False,
            }
            question = questions.get(question_data.id)
            if question is None:
                db.session.add(Question(course_id=course.id, key=question_data.id, **values))
                result.added.append(f"question {question_data.id}")
            else:
                _set(question, values, result.changed, f"question {question_data.id}")

    for key, module in modules.items():
        if key not in new_modules:
            module.is_removed = True
    for key, lesson in lessons.items():
        if key not in new_lessons:
            lesson.is_removed = True
    for key, question in questions.items():
        if key not in new_questions:
            question.is_removed = True

    db.session.add(CourseRevision(course_id=course.id, version=data.meta["version"],
                                  content_hash=data.content_hash, changes=result.summary()))
    db.session.flush()
    return result


def sync_library(root: Path, *, allow_removals: bool = False, progress=None) -> tuple[list[SyncResult], list[Problem]]:
    """Validate every course; when all are valid, load them. Nothing is loaded if any has a problem."""
    courses, problems = load_library(root)
    if problems:
        return [], problems
    results = []
    for data in courses:
        results.append(sync_course(data, allow_removals=allow_removals))
        if progress is not None:
            progress(data.slug)
    return results, []


def published_courses() -> list[Course]:
    return list(db.session.scalars(select(Course).where(Course.is_published.is_(True)).order_by(Course.id)))
