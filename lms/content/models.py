"""Courses as loaded from courses/: structure keyed by the stable ids of the files."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.models import CreatedAtMixin, UTCDateTime, utcnow
from lms.extensions import db

AUDIENCES = ("leader", "safety_rep", "amu", "employee")
FALLBACK_LANGUAGE = "nb"


def pick(texts: dict[str, Any] | None, language: str) -> Any:
    """The text in the language, else Norwegian, else any."""
    if not texts:
        return ""
    if language in texts:
        return texts[language]
    if FALLBACK_LANGUAGE in texts:
        return texts[FALLBACK_LANGUAGE]
    return next(iter(texts.values()))


class Course(CreatedAtMixin, db.Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    version: Mapped[str] = mapped_column(String(40))
    audience: Mapped[str] = mapped_column(String(20))
    nominal_minutes: Mapped[int] = mapped_column(Integer)
    minimum_minutes: Mapped[int] = mapped_column(Integer)
    pass_mark: Mapped[int] = mapped_column(Integer)
    attempt_limit: Mapped[int] = mapped_column(Integer)
    cooldown_hours: Mapped[int] = mapped_column(Integer)
    final_test_size: Mapped[int] = mapped_column(Integer)
    price_ore: Mapped[int] = mapped_column(Integer)
    free_languages: Mapped[list[str]] = mapped_column(JSON)
    languages: Mapped[list[str]] = mapped_column(JSON)
    validity_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    summary: Mapped[dict[str, str]] = mapped_column(JSON)
    legal_basis: Mapped[dict[str, str]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    is_published: Mapped[bool] = mapped_column(Boolean, server_default=true())
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    modules: Mapped[list[Module]] = relationship(
        back_populates="course", order_by="Module.position", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint("audience IN ('leader', 'safety_rep', 'amu', 'employee')", name="audience"),
        CheckConstraint("price_ore >= 0", name="price_not_negative"),
    )

    def t(self, field: str, language: str) -> str:
        return pick(getattr(self, field), language)

    @property
    def hours(self) -> float:
        return self.nominal_minutes / 60

    def is_free_in(self, language: str) -> bool:
        return self.price_ore == 0 or language in (self.free_languages or [])

    @property
    def is_free(self) -> bool:
        return self.price_ore == 0

    def __repr__(self) -> str:
        return f"<Course {self.slug} {self.version}>"


class CourseRevision(db.Model):
    """One row each time sync loads changed content: the course's version history."""

    __tablename__ = "course_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(40))
    content_hash: Mapped[str] = mapped_column(String(64))
    changes: Mapped[str] = mapped_column(Text, server_default="")
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Module(db.Model):
    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer)
    covers: Mapped[list[str]] = mapped_column(JSON)
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    is_removed: Mapped[bool] = mapped_column(Boolean, server_default=false())

    course: Mapped[Course] = relationship(back_populates="modules")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", order_by="Lesson.position", cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("course_id", "key"),)

    def t(self, field: str, language: str) -> str:
        return pick(getattr(self, field), language)


class Lesson(db.Model):
    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    # Sanitized HTML per language, rendered once at sync time.
    body_html: Mapped[dict[str, str]] = mapped_column(JSON)
    is_removed: Mapped[bool] = mapped_column(Boolean, server_default=false())

    module: Mapped[Module] = relationship(back_populates="lessons")

    __table_args__ = (UniqueConstraint("module_id", "key"),)

    def t(self, field: str, language: str) -> str:
        return pick(getattr(self, field), language)


class Question(db.Model):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(10))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[dict[str, str]] = mapped_column(JSON)
    explanation: Mapped[dict[str, str]] = mapped_column(JSON)
    # [{"id": "a", "correct": true, "text": {"nb": ..., "en": ...}}, ...]
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    is_removed: Mapped[bool] = mapped_column(Boolean, server_default=false())

    __table_args__ = (
        UniqueConstraint("course_id", "key"),
        CheckConstraint("kind IN ('check', 'final')", name="kind"),
    )

    def t(self, field: str, language: str) -> str:
        return pick(getattr(self, field), language)

    @property
    def correct_ids(self) -> set[str]:
        return {o["id"] for o in self.options if o.get("correct")}

    @property
    def multiple(self) -> bool:
        return len(self.correct_ids) > 1

    def option_ids(self) -> list[str]:
        return [o["id"] for o in self.options]

    def option_text(self, option_id: str, language: str) -> str:
        option = next((o for o in self.options if o["id"] == option_id), None)
        return pick(option["text"], language) if option else ""
