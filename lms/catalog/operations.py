"""What the catalog shows: published courses, filtered by audience and language."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from lms.content.models import AUDIENCES, Course, Module
from lms.extensions import db


def catalog(audience: str | None, language: str | None) -> list[Course]:
    stmt = select(Course).where(Course.is_published.is_(True)).order_by(Course.id)
    if audience in AUDIENCES:
        stmt = stmt.where(Course.audience == audience)
    courses = list(db.session.scalars(stmt))
    if language:
        courses = [c for c in courses if language in c.languages]
    return courses


def course_modules(course: Course) -> list[Module]:
    return list(db.session.scalars(
        select(Module).where(Module.course_id == course.id, Module.is_removed.is_(False))
        .order_by(Module.position)))


def price_with_vat(price_ore: int) -> int:
    percent = current_app.config.get("LMS_VAT_PERCENT", 25)
    return price_ore + (price_ore * percent + 50) // 100
