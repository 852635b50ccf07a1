"""API rules: organization tokens, cursors, and the read-only queries behind /api/v1."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import and_, func, or_, select, update

from lms.accounts.models import User
from lms.certificates import operations as certificates
from lms.certificates.models import Certificate
from lms.content.models import Course
from lms.core.models import utcnow
from lms.extensions import db
from lms.learning.models import Enrollment
from lms.organizations.models import License, SeatAssignment
from lms.api.models import ApiToken

TOKEN_PREFIX = "hms_"
SHOWN_PREFIX_LENGTH = 8          # "hms_" and four random characters: enough to tell tokens apart
MAX_TOKEN_LENGTH = 100
TOUCH_INTERVAL = timedelta(minutes=1)

DEFAULT_LIMIT, MAX_LIMIT = 50, 200
# A cursor is the last id of a page written in base 64 (positional, most significant digit first).
# Every string of these characters decodes to some position, so a cursor is either well formed or
# rejected by this pattern alone; callers treat it as opaque.
CURSOR_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"
CURSOR_PATTERN = r"^[0-9A-Za-z_-]{1,6}$"   # 64**6 positions: more than any id
MAX_ID = 2**31 - 1               # ids are INTEGER columns: a position past the last id gives an empty page
_CURSOR = re.compile(CURSOR_PATTERN)
_LIMIT = re.compile(r"^[0-9]{1,9}$")
# RFC 3339 date-time: a date, "T", a time and a mandatory offset ("Z" or +hh:mm). No leap seconds.
DATE_TIME_PATTERN = (r"^([0-9]{4})-(0[1-9]|1[0-2])-([0-9]{2})T([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])"
                     r"(\.[0-9]+)?(Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$")
_DATE_TIME = re.compile(DATE_TIME_PATTERN)


class ApiError(Exception):
    def __init__(self, code: str, message: str = ""):
        super().__init__(code)
        self.code = code
        self.message = message


# ---------------------------------------------------------------- tokens

def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(organization_id: int, name: str, creator_id: int | None) -> tuple[ApiToken, str]:
    """A new token: the returned secret is shown once; only its hash is kept."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(organization_id=organization_id, name=" ".join(name.split())[:100],
                     token_prefix=raw[:SHOWN_PREFIX_LENGTH], token_hash=hash_token(raw), created_by_id=creator_id)
    db.session.add(token)
    db.session.flush()
    return token, raw


def tokens_of(organization_id: int) -> list[ApiToken]:
    """Active tokens first, newest first."""
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.organization_id == organization_id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_token(organization_id: int, token_id: int) -> ApiToken:
    token = db.session.scalar(select(ApiToken).where(ApiToken.id == token_id,
                                                     ApiToken.organization_id == organization_id))
    if token is None:
        raise ApiError("no_such_token")
    if token.revoked_at is not None:
        raise ApiError("already_revoked")
    token.revoked_at = utcnow()
    db.session.flush()
    return token


def authenticate(raw: str | None) -> ApiToken | None:
    """The active token with this secret, or None. Notes the use at most once a minute."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH or not raw.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw),
                                                     ApiToken.revoked_at.is_(None)))
    if token is None:
        return None
    now = utcnow()
    if token.last_used_at is None or token.last_used_at <= now - TOUCH_INTERVAL:
        # Conditional: of simultaneous requests only one writes.
        db.session.execute(
            update(ApiToken).where(ApiToken.id == token.id, or_(ApiToken.last_used_at.is_(None),
                                                                ApiToken.last_used_at <= now - TOUCH_INTERVAL))
            .values(last_used_at=now).execution_options(synchronize_session=False))
    return token


# ---------------------------------------------------------------- parameters

def encode_cursor(last_id: int) -> str:
    digits = []
    while True:
        last_id, digit = divmod(last_id, 64)
        digits.append(CURSOR_ALPHABET[digit])
        if not last_id:
            return "".join(reversed(digits))


def decode_cursor(text: str | None) -> int:
    """The id after which the page starts (0: the first page)."""
    if text is None:
        return 0
    if not _CURSOR.fullmatch(text):
        raise ApiError("invalid_cursor", "cursor is not a cursor returned by this API")
    value = 0
    for char in text:
        value = value * 64 + CURSOR_ALPHABET.index(char)
    return min(value, MAX_ID)


def parse_limit(text: str | None) -> int:
    if text is None:
        return DEFAULT_LIMIT
    if not _LIMIT.fullmatch(text) or not 1 <= int(text) <= MAX_LIMIT:
        raise ApiError("invalid_limit", f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return int(text)


def parse_timestamp(text: str | None) -> datetime | None:
    """An RFC 3339 date-time with an offset, as UTC; malformed text raises ApiError."""
    if text is None:
        return None
    match = _DATE_TIME.fullmatch(text)
    try:
        if not match:
            raise ValueError("format")
        year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
        microsecond = int((match.group(7) or ".0")[1:7].ljust(6, "0"))
        offset_text = match.group(8)
        offset = UTC if offset_text == "Z" else timezone(
            (-1 if offset_text[0] == "-" else 1) * timedelta(hours=int(offset_text[1:3]), minutes=int(offset_text[4:6])))
        moment = datetime(year, month, day, hour, minute, second, microsecond, tzinfo=offset)
    except ValueError:
        raise ApiError("invalid_timestamp", "updated_since must be an ISO 8601 (RFC 3339) date and time with a "
                                            "time zone, like 2026-01-01T00:00:00Z") from None
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # the first or last day of the calendar, shifted past its edge
        return datetime.min.replace(tzinfo=UTC) if year == 1 else datetime.max.replace(tzinfo=UTC)


def iso(moment: datetime | None) -> str | None:
    """UTC, whole seconds, with "Z": 2026-01-01T08:30:00Z."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# ---------------------------------------------------------------- pages

@dataclass
class Page:
    data: list[dict[str, Any]]
    next_cursor: str | None

    def as_json(self) -> dict[str, Any]:
        return {"data": self.data, "next_cursor": self.next_cursor}


def _page(rows: list, limit: int, last_id) -> tuple[list, str | None]:
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(last_id(rows[-1]))
    return rows, None


def _seat_enrollments(organization_id: int):
    """Ids of enrollments that came with a seat of the organization's licenses."""
    return (select(SeatAssignment.enrollment_id).join(License, License.id == SeatAssignment.license_id)
            .where(License.organization_id == organization_id, SeatAssignment.enrollment_id.is_not(None)))


def _title(titles: dict[str, str] | None) -> str:
    titles = titles or {}
    return titles.get("nb") or next(iter(titles.values()), "")


def employees(organization_id: int, *, after: int = 0, limit: int = DEFAULT_LIMIT) -> Page:
    """People holding a seat of the organization's licenses, by user id."""
    completed = func.count(func.distinct(Enrollment.id)).filter(Enrollment.completed_at.is_not(None))
    rows = db.session.execute(
        select(User.id, User.full_name, User.email, func.count(func.distinct(License.course_id)).label("courses"),
               completed.label("completed"))
        .select_from(SeatAssignment)
        .join(License, License.id == SeatAssignment.license_id)
        .join(User, User.id == SeatAssignment.user_id)
        .outerjoin(Enrollment, Enrollment.id == SeatAssignment.enrollment_id)
        .where(License.organization_id == organization_id, User.id > after)
        .group_by(User.id, User.full_name, User.email)
        .order_by(User.id).limit(limit + 1)).all()
    rows, cursor = _page(rows, limit, lambda row: row.id)
    return Page([{"id": row.id, "name": row.full_name, "email": row.email, "courses_count": row.courses,
                  "completed_count": row.completed} for row in rows], cursor)


def enrollment_status(started_at: datetime | None, completed_at: datetime | None) -> str:
    return "completed" if completed_at else "started" if started_at else "not_started"


def enrollments(organization_id: int, *, after: int = 0, limit: int = DEFAULT_LIMIT,
                updated_since: datetime | None = None) -> Page:
    """Enrollments that came with the organization's seats, by enrollment id."""
    stmt = (
        select(Enrollment.id, Enrollment.user_id, User.full_name, User.email, Course.slug, Course.title,
               Enrollment.created_at, Enrollment.started_at, Enrollment.completed_at, Enrollment.last_activity_at,
               Enrollment.seconds_total, Certificate.serial, Certificate.revoked_at)
        .join(User, User.id == Enrollment.user_id)
        .join(Course, Course.id == Enrollment.course_id)
        .outerjoin(Certificate, and_(Certificate.enrollment_id == Enrollment.id, Certificate.superseded_at.is_(None)))
        .where(Enrollment.id.in_(_seat_enrollments(organization_id)), Enrollment.id > after)
    )
    if updated_since is not None:
        # "The latest of" these moments is at or after updated_since when any one of them is.
        stmt = stmt.where(or_(Enrollment.created_at >= updated_since, Enrollment.started_at >= updated_since,
                              Enrollment.completed_at >= updated_since, Enrollment.last_activity_at >= updated_since))
    rows = db.session.execute(stmt.order_by(Enrollment.id).limit(limit + 1)).all()
    rows, cursor = _page(rows, limit, lambda row: row.id)
    data = []
    for row in rows:
        moments = [m for m in (row.created_at, row.started_at, row.completed_at, row.last_activity_at) if m]
        data.append({
            "id": row.id,
            "employee_id": row.user_id,
            "employee_name": row.full_name,
            "employee_email": row.email,
            "course": row.slug,
            "course_title": _title(row.title),
            "status": enrollment_status(row.started_at, row.completed_at),
            "enrolled_at": iso(row.created_at),
            "started_at": iso(row.started_at),
            "completed_at": iso(row.completed_at),
            "updated_at": iso(max(moments)),
            "learning_minutes": (row.seconds_total or 0) // 60,
            "certificate_serial": row.serial if row.serial and row.revoked_at is None else None,
        })
    return Page(data, cursor)


def _certificate_json(certificate: Certificate) -> dict[str, Any]:
    snapshot = certificate.snapshot or {}
    return {
        "serial": certificate.serial,
        "employee_id": certificate.user_id,
        "employee_name": snapshot.get("participant_name", ""),
        "course": snapshot.get("course_slug", ""),
        "course_title": _title(snapshot.get("course_title")),
        "completed_on": snapshot.get("completed_on"),
        "valid_until": certificate.valid_until.isoformat() if certificate.valid_until else None,
        "status": certificate.status,
        "verification_url": certificates.verify_url(certificate),
    }


def organization_certificates(organization_id: int, *, after: int = 0, limit: int = DEFAULT_LIMIT) -> Page:
    """Current (not replaced) certificates earned on the organization's seats, by certificate id."""
    rows = list(db.session.scalars(
        select(Certificate).where(Certificate.enrollment_id.in_(_seat_enrollments(organization_id)),
                                  Certificate.superseded_at.is_(None), Certificate.id > after)
        .order_by(Certificate.id).limit(limit + 1)))
    rows, cursor = _page(rows, limit, lambda certificate: certificate.id)
    return Page([_certificate_json(certificate) for certificate in rows], cursor)


def verification(code: str) -> dict[str, Any] | None:
    """What anyone may know about a certificate from its verification code."""
    certificate = certificates.find_by_code(code)
    if certificate is None:
        return None
    snapshot = certificate.snapshot or {}
    return {
        "status": certificate.status,
        "serial": certificate.serial,
        "participant_name": snapshot.get("participant_name", ""),
        "course_title": _title(snapshot.get("course_title")),
        "completed_on": snapshot.get("completed_on"),
        "valid_until": certificate.valid_until.isoformat() if certificate.valid_until else None,
        "issuer": snapshot.get("issuer_name", ""),
    }
