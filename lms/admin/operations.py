"""Platform administration: statistics, users, courses, licenses, the audit log."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select

from lms.accounts.models import User, UserSession
from lms.admin import audit
from lms.admin.models import AuditEvent
from lms.content.models import Course, CourseRevision, Module
from lms.core.i18n import OSLO
from lms.core.models import utcnow
from lms.core.pagination import Page, like_pattern, paginate
from lms.extensions import db
from lms.learning.models import Enrollment, ModuleCheckResult, QuizAttempt


# ---------------------------------------------------------------- users

def search_users(query: str, page: int, per_page: int = 50) -> Page[User]:
    stmt = select(User).order_by(User.created_at.desc(), User.id.desc())
    query = query.strip()
    if query:
        pattern = like_pattern(query)
        stmt = stmt.where(or_(func.lower(User.email).like(pattern, escape="\\"),
                              func.lower(User.full_name).like(pattern, escape="\\")))
    return paginate(stmt, page, per_page)


def user_counts() -> dict[str, int]:
    row = db.session.execute(
        select(
            func.count(User.id),
            func.count(User.email_verified_at),
            func.count(User.id).filter(User.is_admin.is_(True)),
        )
    ).one()
    return {"total": row[0], "confirmed": row[1], "admins": row[2]}


def user_enrollments(user_id: int) -> list[Enrollment]:
    return list(db.session.scalars(select(Enrollment).where(Enrollment.user_id == user_id).order_by(Enrollment.id)))


def set_deactivated(user: User, deactivated: bool) -> None:
    before = user.is_deactivated
    user.is_deactivated = deactivated
    if deactivated:
        db.session.execute(UserSession.__table__.delete().where(UserSession.user_id == user.id))
    audit.record("user.deactivate" if deactivated else "user.reactivate", user, summary=user.email,
                 before={"is_deactivated": before}, after={"is_deactivated": deactivated})


# ---------------------------------------------------------------- courses

def courses_with_versions() -> list[tuple[Course, list[CourseRevision]]]:
    courses = list(db.session.scalars(select(Course).order_by(Course.id)))
    revisions = list(db.session.scalars(select(CourseRevision).order_by(CourseRevision.synced_at.desc())))
    by_course: dict[int, list[CourseRevision]] = {}
    for revision in revisions:
        by_course.setdefault(revision.course_id, []).append(revision)
    return [(course, by_course.get(course.id, [])[:10]) for course in courses]


def set_published(course: Course, published: bool) -> None:
    before = course.is_published
    course.is_published = published
    audit.record("course.publish" if published else "course.unpublish", course, summary=course.slug,
                 before={"is_published": before}, after={"is_published": published})


# ---------------------------------------------------------------- statistics

@dataclass
class Series:
    label: str
    points: list[tuple[str, int]] = field(default_factory=list)

    @property
    def maximum(self) -> int:
        return max((value for _, value in self.points), default=0)


def _week_start(moment: datetime) -> date:
    day = moment.astimezone(OSLO).date()
    return day - timedelta(days=day.weekday())


def weekly_activity(weeks: int = 12, now: datetime | None = None) -> tuple[list[date], dict[int, dict[str, list[int]]]]:
    """Enrollments and completions per ISO week and course, for the last `weeks` weeks."""
    now = now or utcnow()
    first = _week_start(now) - timedelta(weeks=weeks - 1)
    start = datetime.combine(first, datetime.min.time(), OSLO)
    labels = [first + timedelta(weeks=i) for i in range(weeks)]
    result: dict[int, dict[str, list[int]]] = {}
    rows = db.session.execute(
        select(Enrollment.course_id, Enrollment.created_at, Enrollment.completed_at)
        .where(or_(Enrollment.created_at >= start, Enrollment.completed_at >= start))).all()
    for course_id, created_at, completed_at in rows:
        counts = result.setdefault(course_id, {"enrolled": [0] * weeks, "completed": [0] * weeks})
        for key, moment in (("enrolled", created_at), ("completed", completed_at)):
            if moment is not None and moment >= start:
                index = (_week_start(moment) - first).days // 7
                if 0 <= index < weeks:
                    counts[key][index] += 1
    return labels, result


@dataclass
class CourseFigures:
    course: Course
    enrolled: int
    completed: int
    median_minutes: int | None
    attempts: int
    passed: int
    funnel: list[tuple[Module, int]]

    @property
    def completion_rate(self) -> int:
        return round(100 * self.completed / self.enrolled) if self.enrolled else 0

    @property
    def pass_rate(self) -> int:
        return round(100 * self.passed / self.attempts) if self.attempts else 0


def course_figures() -> list[CourseFigures]:
    courses = list(db.session.scalars(select(Course).order_by(Course.id)))
    counts = {cid: (total, done) for cid, total, done in db.session.execute(
        select(Enrollment.course_id, func.count(Enrollment.id), func.count(Enrollment.completed_at))
        .where(Enrollment.withdrawn_at.is_(None)).group_by(Enrollment.course_id)).all()}
    minutes: dict[int, list[int]] = {}
    for course_id, seconds in db.session.execute(
            select(Enrollment.course_id, Enrollment.seconds_total).where(Enrollment.completed_at.is_not(None))):
        minutes.setdefault(course_id, []).append(seconds // 60)
    attempts = {cid: (total, passed) for cid, total, passed in db.session.execute(
        select(Enrollment.course_id, func.count(QuizAttempt.id), func.count(QuizAttempt.id).filter(QuizAttempt.passed.is_(True)))
        .join(Enrollment, Enrollment.id == QuizAttempt.enrollment_id)
        .where(QuizAttempt.status.in_(("graded", "expired"))).group_by(Enrollment.course_id)).all()}
    reached = dict(db.session.execute(
        select(ModuleCheckResult.module_id, func.count(ModuleCheckResult.id)).group_by(ModuleCheckResult.module_id)).all())
    modules: dict[int, list[Module]] = {}
    for module in db.session.scalars(select(Module).where(Module.is_removed.is_(False)).order_by(Module.position)):
        modules.setdefault(module.course_id, []).append(module)
    figures = []
    for course in courses:
        total, done = counts.get(course.id, (0, 0))
        graded, passed = attempts.get(course.id, (0, 0))
        values = minutes.get(course.id)
        figures.append(CourseFigures(
            course=course, enrolled=total, completed=done,
            median_minutes=int(statistics.median(values)) if values else None, attempts=graded, passed=passed,
            funnel=[(m, reached.get(m.id, 0)) for m in modules.get(course.id, [])]))
    return figures


def monthly_revenue(months: int = 12, now: datetime | None = None) -> list[tuple[date, int]]:
    """Net revenue (excl. VAT) of paid and invoiced orders per month, refunds left out."""
    from lms.commerce.models import Order

    now = (now or utcnow()).astimezone(OSLO)
    first_month = date(now.year, now.month, 1)
    for _ in range(months - 1):
        first_month = (first_month - timedelta(days=1)).replace(day=1)
    start = datetime.combine(first_month, datetime.min.time(), OSLO)
    totals: dict[date, int] = {}
    for paid_at, net in db.session.execute(
            select(Order.paid_at, Order.net_ore).where(Order.status.in_(("paid", "invoiced")), Order.paid_at >= start)):
        local = paid_at.astimezone(OSLO)
        key = date(local.year, local.month, 1)
        totals[key] = totals.get(key, 0) + net
    result, month = [], first_month
    for _ in range(months):
        result.append((month, totals.get(month, 0)))
        month = (month + timedelta(days=32)).replace(day=1)
    return result


# ---------------------------------------------------------------- audit log

AUDIT_ACTIONS_PER_PAGE = 50


def audit_page(*, action: str = "", actor: str = "", since: date | None = None, page: int = 1) -> Page[AuditEvent]:
    stmt = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if actor:
        pattern = like_pattern(actor)
        stmt = stmt.where(func.lower(AuditEvent.actor_email).like(pattern, escape="\\"))
    if since:
        stmt = stmt.where(AuditEvent.at >= datetime.combine(since, datetime.min.time(), OSLO))
    return paginate(stmt, page, AUDIT_ACTIONS_PER_PAGE)


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
