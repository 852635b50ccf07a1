"""Runtime state of learning, keyed by the stable ids of the course content."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.content.models import Course
from lms.core.models import UTCDateTime, utcnow
from lms.extensions import db

ENROLLMENT_SOURCES = ("purchase", "license", "free", "admin")


class Enrollment(db.Model):
    __tablename__ = "enrollments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="RESTRICT"), index=True)
    content_language: Mapped[str] = mapped_column(String(5))
    source: Mapped[str] = mapped_column(String(10))
    # What the source refers to (an order line, a license seat ...), set by the feature that enrolled.
    source_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, server_default=func.current_timestamp())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Seat time measured on the server.
    seconds_total: Mapped[int] = mapped_column(Integer, server_default="0")
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="SET NULL"), nullable=True)

    course: Mapped[Course] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        UniqueConstraint("user_id", "course_id"),
        CheckConstraint("source IN ('purchase', 'license', 'free', 'admin')", name="source"),
        CheckConstraint("content_language IN ('nb', 'en', 'uk')", name="language"),
        CheckConstraint("seconds_total >= 0", name="seconds_not_negative"),
    )

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None

    @property
    def minutes_total(self) -> int:
        return self.seconds_total // 60


class LessonProgress(db.Model):
    __tablename__ = "lesson_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    seconds: Mapped[int] = mapped_column(Integer, server_default="0")
    first_viewed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, server_default=func.current_timestamp())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (UniqueConstraint("enrollment_id", "lesson_id"),)


class ModuleCheckResult(db.Model):
    """The formative check after a module: the latest answers and score."""

    __tablename__ = "module_check_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    correct: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("enrollment_id", "module_id"),)


class QuizAttempt(db.Model):
    """One attempt at the final test: questions drawn and options shuffled when it starts."""

    __tablename__ = "quiz_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), server_default="open")
    # [{"question_id": 12, "options": ["c", "a", "b"]}, ...] in the order shown.
    layout: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    answers: Mapped[dict[str, list[str]] | None] = mapped_column(JSON, nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    score_percent: Mapped[int | None] = mapped_column(Integer, nullable=True)
    correct_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    passed: Mapped[bool | None] = mapped_column(nullable=True)
    # Module ids of the questions answered wrongly: what to review.
    review_module_ids: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)

    __table_args__ = (
        UniqueConstraint("enrollment_id", "number"),
        CheckConstraint("status IN ('open', 'graded', 'expired')", name="status"),
    )
