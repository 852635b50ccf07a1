from __future__ import annotations

from sqlalchemy import func, or_, select

from lms.accounts.models import User
from lms.core.pagination import Page, paginate
from lms.extensions import db


def search_users(query: str, page: int, per_page: int = 50) -> Page[User]:
    stmt = select(User).order_by(User.created_at.desc(), User.id.desc())
    query = query.strip()
    if query:
        pattern = "%" + query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
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
