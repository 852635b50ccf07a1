"""Organization rules: companies, managers, licenses and seats, invitations, the training record."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
from lms.certificates.models import Certificate
from lms.commerce.signals import classify_code, seats_paid
from lms.content.models import Course
from lms.core.mail import queue_mail
from lms.core.models import utcnow
from lms.core.pagination import like_pattern
from lms.extensions import db
from lms.learning.models import Enrollment
from lms.organizations.models import Invitation, License, Membership, Organization, SeatAssignment

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U: nothing to misread
CODE_GROUPS, CODE_GROUP_LENGTH = 4, 4            # 16 characters: about 78 bits
CODE_FORMAT = re.compile(r"^[A-Z0-9]{2,10}(-[A-Z0-9]{2,10}){0,5}$")
MAX_INVITATIONS = 500


class OrganizationError(Exception):
    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details


# ---------------------------------------------------------------- organization numbers

def normalize_orgnr(text: str) -> str:
    return re.sub(r"[\s.]", "", text or "")


def valid_orgnr(text: str) -> bool:
    """Nine digits whose last is the MOD11 check digit (weights 3 2 7 6 5 4 3 2)."""
    digits = normalize_orgnr(text)
    if not re.fullmatch(r"\d{9}", digits):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], (3, 2, 7, 6, 5, 4, 3, 2), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[8])


# ---------------------------------------------------------------- organizations and managers

def register_organization(user: User, *, name: str, orgnr: str, address: str, invoice_email: str,
                          employee_count: int) -> Organization:
    orgnr = normalize_orgnr(orgnr)
    if not valid_orgnr(orgnr):
        raise OrganizationError("bad_orgnr")
    if db.session.scalar(select(Organization.id).where(Organization.orgnr == orgnr)) is not None:
        raise OrganizationError("orgnr_taken")
    organization = Organization(name=" ".join(name.split()), orgnr=orgnr, address=address.strip(),
                                invoice_email=invoice_email.strip().lower(), employee_count=employee_count)
    db.session.add(organization)
    db.session.flush()
    db.session.add(Membership(organization_id=organization.id, user_id=user.id, role="manager"))
    db.session.flush()
    return organization


def update_organization(organization: Organization, *, name: str, address: str, invoice_email: str,
                        employee_count: int) -> None:
    organization.name = " ".join(name.split())
    organization.address = address.strip()
    organization.invoice_email = invoice_email.strip().lower()
    organization.employee_count = employee_count


def role_of(user_id: int, organization_id: int) -> str | None:
    return db.session.scalar(select(Membership.role).where(
        Membership.user_id == user_id, Membership.organization_id == organization_id))


def managed_by(user_id: int) -> list[Organization]:
    return list(db.session.scalars(
        select(Organization).join(Membership, Membership.organization_id == Organization.id)
        .where(Membership.user_id == user_id, Membership.role == "manager").order_by(Organization.name)))


def managers_of(organization_id: int) -> list[User]:
    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == organization_id, Membership.role == "manager").order_by(User.full_name)))


def _ensure_membership(organization_id: int, user_id: int, role: str) -> None:
    existing = db.session.scalar(select(Membership).where(
        Membership.organization_id == organization_id, Membership.user_id == user_id))
    if existing is None:
        try:
            with db.session.begin_nested():
                db.session.add(Membership(organization_id=organization_id, user_id=user_id, role=role))
        except IntegrityError:
            existing = db.session.scalar(select(Membership).where(
                Membership.organization_id == organization_id, Membership.user_id == user_id))
    if existing is not None and role == "manager" and existing.role != "manager":
        existing.role = "manager"


# ---------------------------------------------------------------- licenses and seats

def new_license_code() -> str:
    while True:
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUPS * CODE_GROUP_LENGTH))
        code = "-".join(raw[i:i + CODE_GROUP_LENGTH] for i in range(0, len(raw), CODE_GROUP_LENGTH))
        if db.session.scalar(select(License.id).where(License.code == code)) is None:
            return code


def normalize_code(text: str | None) -> str:
    """Upper case, spaces removed; groups of four are hyphenated when typed without hyphens."""
    code = "".join((text or "").split()).upper()
    if re.fullmatch(r"[A-Z0-9]{16}", code):
        code = "-".join(code[i:i + 4] for i in range(0, 16, 4))
    return code


def add_seats(organization: Organization, course: Course, seats: int, *, source: str,
              valid_until: datetime | None = None) -> License:
    """Create a license, or top up the organization's open license for the course."""
    current = db.session.scalar(
        select(License).where(License.organization_id == organization.id, License.course_id == course.id,
                              or_(License.valid_until.is_(None), License.valid_until > utcnow()))
        .order_by(License.id.desc()).limit(1))
    if current is not None:
        db.session.execute(update(License).where(License.id == current.id)
                           .values(seats_total=License.seats_total + seats).execution_options(synchronize_session=False))
        if valid_until is not None and (current.valid_until is None or valid_until > current.valid_until):
            current.valid_until = valid_until
        db.session.refresh(current)
        return current
    license_ = License(organization_id=organization.id, course_id=course.id, code=new_license_code(),
                       seats_total=seats, seats_used=0, source=source,
                       valid_until=valid_until or utcnow() + timedelta(days=365 * current_app.config.get("LMS_LICENSE_YEARS", 1)))
    db.session.add(license_)
    db.session.flush()
    return license_


def _on_seats_paid(sender, order, line, **_extra) -> None:
    organization = db.session.get(Organization, order.organization_id)
    course = db.session.get(Course, line.course_id)
    license_ = add_seats(organization, course, line.quantity,
                         source="invoice" if order.payment_method == "invoice" else "purchase")
    for manager in managers_of(organization.id):
        queue_mail(manager.email, "seats_ready", manager.preferred_language, user=manager,
                   organization=organization, license=license_, seats=line.quantity,
                   course_title=course.t("title", manager.preferred_language),
                   dashboard_url=_external("organizations.dashboard", org_id=organization.id))


seats_paid.connect(_on_seats_paid, weak=False)


def _classify(sender, code: str, **_extra) -> str | None:
    return "license" if find_license(code) is not None else None


classify_code.connect(_classify, weak=False)


def find_license(text: str) -> License | None:
    code = normalize_code(text)
    if not CODE_FORMAT.match(code):
        return None
    return db.session.scalar(select(License).where(License.code == code))


def redeem(user: User, text: str, *, language: str | None = None) -> SeatAssignment:
    """Take one seat of a license for the user and enroll them: one conditional UPDATE.

    Refusals: malformed, unknown, expired, used_up, already_redeemed.
    """
    code = normalize_code(text)
    if not CODE_FORMAT.match(code) or len(code) > 40:
        raise OrganizationError("malformed")
    license_ = db.session.scalar(select(License).where(License.code == code))
    if license_ is None:
        raise OrganizationError("unknown")
    if license_.valid_until is not None and license_.valid_until <= utcnow():
        raise OrganizationError("expired")
    if db.session.scalar(select(SeatAssignment.id).where(SeatAssignment.license_id == license_.id,
                                                         SeatAssignment.user_id == user.id)) is not None:
        raise OrganizationError("already_redeemed")
    try:
        with db.session.begin_nested():
            taken = db.session.execute(
                update(License).where(License.id == license_.id, License.seats_used < License.seats_total,
                                      or_(License.valid_until.is_(None), License.valid_until > utcnow()))
                .values(seats_used=License.seats_used + 1).execution_options(synchronize_session=False)).rowcount
            if not taken:
                raise OrganizationError("used_up")
            seat = SeatAssignment(license_id=license_.id, user_id=user.id)
            db.session.add(seat)
            db.session.flush()
    except IntegrityError:  # the same user redeemed in a simultaneous request
        raise OrganizationError("already_redeemed") from None
    from lms.learning.operations import enroll

    course = license_.course
    allowed = course.languages
    chosen = language if language in allowed else (user.preferred_language if user.preferred_language in allowed else allowed[0])
    enrollment = enroll(user, course, "license", language=chosen, source_ref=f"seat:{seat.id}")
    seat.enrollment_id = enrollment.id
    _ensure_membership(license_.organization_id, user.id, "employee")
    db.session.execute(update(Invitation).where(
        Invitation.organization_id == license_.organization_id, func.lower(Invitation.email) == user.email,
        Invitation.accepted_at.is_(None)).values(accepted_at=utcnow()).execution_options(synchronize_session=False))
    db.session.flush()
    return seat


def release_seat(organization: Organization, seat_id: int) -> None:
    """Give a seat back: only while its holder has not started the course."""
    seat = db.session.scalar(select(SeatAssignment).join(License, License.id == SeatAssignment.license_id)
                             .where(SeatAssignment.id == seat_id, License.organization_id == organization.id))
    if seat is None:
        raise OrganizationError("no_such_seat")
    enrollment = db.session.get(Enrollment, seat.enrollment_id) if seat.enrollment_id else None
    if enrollment is not None and (enrollment.started_at is not None or enrollment.completed_at is not None):
        raise OrganizationError("seat_in_use")
    if enrollment is not None:
        enrollment.withdrawn_at = utcnow()
    db.session.execute(update(License).where(License.id == seat.license_id, License.seats_used > 0)
                       .values(seats_used=License.seats_used - 1).execution_options(synchronize_session=False))
    db.session.delete(seat)
    db.session.flush()


def licenses_of(organization_id: int) -> list[License]:
    return list(db.session.scalars(select(License).where(License.organization_id == organization_id)
                                   .order_by(License.created_at.desc(), License.id.desc())))


# ---------------------------------------------------------------- invitations

EMAIL = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\"]+$")


@dataclass
class Invitee:
    email: str
    name: str = ""


def parse_invitees(text: str = "", csv_bytes: bytes | None = None) -> tuple[list[Invitee], list[str]]:
    """Addresses pasted (separated by commas, semicolons or lines) or a CSV of name, e-mail.

    Returns the invitees and the entries that are not e-mail addresses.
    """
    invitees: dict[str, Invitee] = {}
    bad: list[str] = []
    for part in re.split(r"[\s,;]+", text or ""):
        part = part.strip().strip("<>").lower()
        if not part:
            continue
        if EMAIL.match(part) and len(part) <= 254:
            invitees.setdefault(part, Invitee(part))
        else:
            bad.append(part[:80])
    if csv_bytes:
        try:
            content = csv_bytes.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise OrganizationError("csv_encoding") from None
        dialect = csv.excel
        try:
            dialect = csv.Sniffer().sniff(content[:2048], delimiters=",;\t")
        except csv.Error:
            pass
        try:
            rows = list(csv.reader(content.splitlines(), dialect))
        except csv.Error:
            raise OrganizationError("csv_format") from None
        for row in rows:
            cells = [c.strip() for c in row if c.strip()]
            if not cells:
                continue
            emails = [c.lower() for c in cells if EMAIL.match(c) and len(c) <= 254]
            if not emails:
                if not any(h in " ".join(cells).lower() for h in ("e-post", "email", "e-mail", "navn", "name")):
                    bad.append(", ".join(cells)[:80])
                continue
            names = [c for c in cells if c.lower() != emails[0]]
            invitees.setdefault(emails[0], Invitee(emails[0], " ".join(names)[:200]))
    if len(invitees) > MAX_INVITATIONS:
        raise OrganizationError("too_many", maximum=MAX_INVITATIONS)
    return list(invitees.values()), bad


def invite(organization: Organization, license_: License, invitees: list[Invitee], inviter: User,
           language: str) -> tuple[int, int]:
    """Invite each address to take a seat. Returns (sent, already invited)."""
    sent = skipped = 0
    for invitee in invitees:
        existing = db.session.scalar(select(Invitation).where(
            Invitation.organization_id == organization.id, Invitation.email == invitee.email,
            Invitation.kind == "employee", Invitation.license_id == license_.id))
        if existing is not None:
            skipped += 1
            continue
        invitation = Invitation(organization_id=organization.id, license_id=license_.id, kind="employee",
                                email=invitee.email, name=invitee.name, language=language, invited_by_id=inviter.id)
        db.session.add(invitation)
        db.session.flush()
        _send_invitation(invitation, organization, license_)
        sent += 1
    return sent, skipped


def _send_invitation(invitation: Invitation, organization: Organization, license_: License | None,
                     template: str = "invitation") -> None:
    user = db.session.scalar(select(User).where(User.email == invitation.email))
    language = user.preferred_language if user is not None else invitation.language
    if invitation.kind == "manager":
        token = secrets.token_urlsafe(24)
        invitation.token_hash = hashlib.sha256(token.encode()).hexdigest()
        link = _external("organizations.accept_manager", token=token)
        queue_mail(invitation.email, "manager_invitation", language, organization=organization, link=link,
                   name=invitation.name)
        return
    assert license_ is not None
    link = (_external("organizations.redeem_page", code=license_.code) if user is not None
            else _external("accounts.register", code=license_.code))
    queue_mail(invitation.email, template, language, organization=organization, name=invitation.name,
               course_title=license_.course.t("title", language), code=license_.code, link=link)


def resend(organization: Organization, invitation_id: int) -> Invitation:
    invitation = db.session.scalar(select(Invitation).where(
        Invitation.id == invitation_id, Invitation.organization_id == organization.id))
    if invitation is None:
        raise OrganizationError("no_such_invitation")
    license_ = db.session.get(License, invitation.license_id) if invitation.license_id else None
    _send_invitation(invitation, organization, license_)
    invitation.last_sent_at = utcnow()
    return invitation


def invite_manager(organization: Organization, email: str, inviter: User, language: str) -> Invitation:
    email = email.strip().lower()
    invitation = db.session.scalar(select(Invitation).where(
        Invitation.organization_id == organization.id, Invitation.email == email, Invitation.kind == "manager"))
    if invitation is None:
        invitation = Invitation(organization_id=organization.id, kind="manager", email=email, language=language,
                                invited_by_id=inviter.id)
        db.session.add(invitation)
        db.session.flush()
    _send_invitation(invitation, organization, None)
    invitation.last_sent_at = utcnow()
    return invitation


def accept_manager(user: User, token: str) -> Organization:
    if not token or len(token) > 100:
        raise OrganizationError("bad_token")
    invitation = db.session.scalar(select(Invitation).where(
        Invitation.token_hash == hashlib.sha256(token.encode()).hexdigest(), Invitation.kind == "manager"))
    if invitation is None or invitation.accepted_at is not None:
        raise OrganizationError("bad_token")
    if invitation.email != user.email:
        raise OrganizationError("wrong_account", email=invitation.email)
    invitation.accepted_at = utcnow()
    _ensure_membership(invitation.organization_id, user.id, "manager")
    return db.session.get(Organization, invitation.organization_id)


def invitation_rows(organization_id: int) -> list[dict]:
    """Each invitation with its status: invited / registered / started / completed."""
    rows = db.session.execute(
        select(Invitation, User.id, Enrollment.started_at, Enrollment.completed_at)
        .outerjoin(User, User.email == Invitation.email)
        .outerjoin(License, License.id == Invitation.license_id)
        .outerjoin(SeatAssignment, and_(SeatAssignment.license_id == Invitation.license_id,
                                        SeatAssignment.user_id == User.id))
        .outerjoin(Enrollment, Enrollment.id == SeatAssignment.enrollment_id)
        .where(Invitation.organization_id == organization_id, Invitation.kind == "employee")
        .order_by(Invitation.invited_at.desc(), Invitation.id.desc())
    ).all()
    result = []
    for invitation, user_id, started_at, completed_at in rows:
        status = ("completed" if completed_at else "started" if started_at else
                  "registered" if user_id else "invited")
        result.append({"invitation": invitation, "status": status})
    return result


def send_reminders(organization_id: int | None = None, now: datetime | None = None) -> int:
    """Remind those invited but not registered and those started but not finished.

    At most one reminder per person per LMS_REMINDER_DAYS; safe to run twice (a conditional UPDATE
    claims each reminder before it is sent).
    """
    now = now or utcnow()
    days = current_app.config.get("LMS_REMINDER_DAYS", 7)
    cutoff = now - timedelta(days=days)
    stmt = (select(Invitation, User.id, Enrollment.started_at, Enrollment.completed_at)
            .outerjoin(User, User.email == Invitation.email)
            .outerjoin(SeatAssignment, and_(SeatAssignment.license_id == Invitation.license_id,
                                            SeatAssignment.user_id == User.id))
            .outerjoin(Enrollment, Enrollment.id == SeatAssignment.enrollment_id)
            .where(Invitation.kind == "employee", Invitation.last_sent_at <= cutoff))
    if organization_id is not None:
        stmt = stmt.where(Invitation.organization_id == organization_id)
    sent = 0
    for invitation, user_id, started_at, completed_at in db.session.execute(stmt).all():
        waiting = user_id is None or (started_at is not None and completed_at is None)
        if not waiting:
            continue
        claimed = db.session.execute(
            update(Invitation).where(Invitation.id == invitation.id, Invitation.last_sent_at <= cutoff)
            .values(last_sent_at=now, reminders_sent=Invitation.reminders_sent + 1)
            .execution_options(synchronize_session=False)).rowcount
        if not claimed:
            continue
        organization = db.session.get(Organization, invitation.organization_id)
        license_ = db.session.get(License, invitation.license_id)
        _send_invitation(invitation, organization, license_,
                         template="reminder_started" if user_id else "reminder_invited")
        sent += 1
    return sent


def _external(endpoint: str, **values) -> str:
    try:
        return url_for(endpoint, _external=True, **values)
    except RuntimeError:
        with current_app.test_request_context(base_url=current_app.config["LMS_BASE_URL"]):
            return url_for(endpoint, _external=True, **values)


# ---------------------------------------------------------------- the training record

SORTS = {
    "name": (User.full_name, User.id),
    "course": (Course.slug, User.full_name),
    "status": (Enrollment.completed_at, Enrollment.started_at, User.full_name),
    "completed": (Enrollment.completed_at, User.full_name),
}
STATUSES = ("not_started", "started", "completed")


def _record_query(organization_id: int, *, status: str | None = None, query: str = "", course_id: int | None = None):
    stmt = (
        select(SeatAssignment.id.label("seat_id"), User.full_name, User.email, Course.slug, Course.title,
               Course.audience, Enrollment.id.label("enrollment_id"), Enrollment.started_at,
               Enrollment.completed_at, Enrollment.seconds_total, Certificate.serial, Certificate.valid_until,
               Certificate.revoked_at, License.code)
        .select_from(SeatAssignment)
        .join(License, License.id == SeatAssignment.license_id)
        .join(User, User.id == SeatAssignment.user_id)
        .join(Course, Course.id == License.course_id)
        .outerjoin(Enrollment, Enrollment.id == SeatAssignment.enrollment_id)
        .outerjoin(Certificate, and_(Certificate.enrollment_id == Enrollment.id, Certificate.superseded_at.is_(None)))
        .where(License.organization_id == organization_id)
    )
    if course_id:
        stmt = stmt.where(License.course_id == course_id)
    if status == "completed":
        stmt = stmt.where(Enrollment.completed_at.is_not(None))
    elif status == "started":
        stmt = stmt.where(Enrollment.started_at.is_not(None), Enrollment.completed_at.is_(None))
    elif status == "not_started":
        stmt = stmt.where(Enrollment.started_at.is_(None))
    if query:
        pattern = like_pattern(query)
        stmt = stmt.where(or_(func.lower(User.full_name).like(pattern, escape="\\"),
                              func.lower(User.email).like(pattern, escape="\\")))
    return stmt


def record_page(organization_id: int, *, status: str | None, query: str, course_id: int | None, sort: str,
                descending: bool, page: int, per_page: int = 50):
    from lms.core.pagination import Page

    stmt = _record_query(organization_id, status=status, query=query, course_id=course_id)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    order = SORTS.get(sort, SORTS["name"])
    order_by = [c.desc().nulls_last() if descending else c.asc().nulls_first() for c in order]
    rows = db.session.execute(stmt.order_by(*order_by).limit(per_page).offset((page - 1) * per_page)).all()
    progress = _progress(rows)
    return Page(items=[(row, progress.get(row.enrollment_id, 0)) for row in rows], page=page,
                per_page=per_page, total=total)


def _progress(rows) -> dict[int, int]:
    """Percent done per enrollment for the rows shown: two grouped queries."""
    from lms.content.models import Lesson, Module
    from lms.learning.models import LessonProgress, ModuleCheckResult

    ids = [r.enrollment_id for r in rows if r.enrollment_id]
    if not ids:
        return {}
    units = dict(db.session.execute(
        select(Enrollment.id, func.count(Lesson.id))
        .join(Lesson, and_(Lesson.course_id == Enrollment.course_id, Lesson.is_removed.is_(False)))
        .where(Enrollment.id.in_(ids)).group_by(Enrollment.id)).all())
    modules = dict(db.session.execute(
        select(Enrollment.id, func.count(Module.id))
        .join(Module, and_(Module.course_id == Enrollment.course_id, Module.is_removed.is_(False)))
        .where(Enrollment.id.in_(ids)).group_by(Enrollment.id)).all())
    done = dict(db.session.execute(
        select(LessonProgress.enrollment_id, func.count(LessonProgress.id))
        .where(LessonProgress.enrollment_id.in_(ids), LessonProgress.completed_at.is_not(None))
        .group_by(LessonProgress.enrollment_id)).all())
    checks = dict(db.session.execute(
        select(ModuleCheckResult.enrollment_id, func.count(ModuleCheckResult.id))
        .where(ModuleCheckResult.enrollment_id.in_(ids)).group_by(ModuleCheckResult.enrollment_id)).all())
    result = {}
    for row in rows:
        if not row.enrollment_id:
            continue
        if row.completed_at:
            result[row.enrollment_id] = 100
            continue
        total = units.get(row.enrollment_id, 0) + modules.get(row.enrollment_id, 0)
        finished = done.get(row.enrollment_id, 0) + checks.get(row.enrollment_id, 0)
        result[row.enrollment_id] = min(99, int(100 * finished / total)) if total else 0
    return result


def record_summary(organization_id: int) -> dict[str, int]:
    row = db.session.execute(
        select(func.count(SeatAssignment.id),
               func.count(Enrollment.started_at),
               func.count(Enrollment.completed_at))
        .select_from(SeatAssignment).join(License, License.id == SeatAssignment.license_id)
        .outerjoin(Enrollment, Enrollment.id == SeatAssignment.enrollment_id)
        .where(License.organization_id == organization_id)).one()
    return {"seats_taken": row[0], "started": row[1], "completed": row[2]}


def export_rows(organization_id: int, language: str) -> Iterator[list[str]]:
    """The training record, row by row (streamed in batches): usable as internkontroll documentation."""
    from lms.catalog.views import AUDIENCE_ROLE
    from lms.core.i18n import localday, localdate

    from flask_babel import force_locale
    from flask_babel import gettext as _

    with force_locale(language):
        yield [_("Name"), _("E-mail address"), _("Course"), _("Role"), _("Status"), _("Started"),
               _("Completed"), _("Learning time (minutes)"), _("Certificate"), _("Valid until")]
        stmt = _record_query(organization_id).order_by(User.full_name, User.id).execution_options(yield_per=500)
        for row in db.session.execute(stmt):
            status = (_("Completed") if row.completed_at else _("Started") if row.started_at else _("Not started"))
            certificate = row.serial if row.serial and row.revoked_at is None else ""
            yield [row.full_name, row.email, row.title.get(language) or row.title.get("nb", ""),
                   str(AUDIENCE_ROLE.get(row.audience, row.audience)), status,
                   localdate(row.started_at, "short", language) if row.started_at else "",
                   localdate(row.completed_at, "short", language) if row.completed_at else "",
                   str((row.seconds_total or 0) // 60), certificate,
                   localday(row.valid_until, "short", language) if certificate and row.valid_until else ""]


def neutralize(cell: str) -> str:
    """A cell a spreadsheet could read as a formula gets a leading apostrophe."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def csv_stream(organization_id: int, language: str) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")  # Excel opens UTF-8 CSV files with a byte-order mark correctly
    for index, row in enumerate(export_rows(organization_id, language)):
        writer.writerow([neutralize(c) for c in row])
        if index % 200 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_file(organization_id: int, language: str) -> io.BytesIO:
    """The training record as an Excel workbook, written row by row (openpyxl write-only mode)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Opplæring")
    for index, row in enumerate(export_rows(organization_id, language)):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=neutralize(value))
            cell.data_type = "s"  # always text: never a formula
            if index == 0:
                cell.font = Font(bold=True)
            cells.append(cell)
        sheet.append(cells)
    handle = io.BytesIO()
    workbook.save(handle)
    handle.seek(0)
    return handle


def certificates_of(organization_id: int) -> Iterator[Certificate]:
    stmt = (select(Certificate).join(SeatAssignment, SeatAssignment.enrollment_id == Certificate.enrollment_id)
            .join(License, License.id == SeatAssignment.license_id)
            .where(License.organization_id == organization_id, Certificate.superseded_at.is_(None),
                   Certificate.revoked_at.is_(None))
            .order_by(Certificate.id).execution_options(yield_per=100))
    for certificate in db.session.scalars(stmt):
        yield certificate


# ---------------------------------------------------------------- role coverage

@dataclass
class RoleCoverage:
    role: str           # leader | safety_rep | amu
    required: str       # always | required | on_request | agreement | not_required
    trained: int

    @property
    def missing(self) -> bool:
        return self.required in ("always", "required") and self.trained == 0


def role_coverage(organization: Organization) -> list[RoleCoverage]:
    """Which roles the law requires trained for this size of company, and how many are."""
    trained = dict(db.session.execute(
        select(Course.audience, func.count(func.distinct(SeatAssignment.user_id)))
        .select_from(SeatAssignment).join(License, License.id == SeatAssignment.license_id)
        .join(Course, Course.id == License.course_id)
        .join(Enrollment, Enrollment.id == SeatAssignment.enrollment_id)
        .where(License.organization_id == organization.id, Enrollment.completed_at.is_not(None))
        .group_by(Course.audience)).all())
    employees = organization.employee_count
    safety_rep = "required" if employees >= 5 else "agreement"
    amu = "required" if employees >= 30 else ("on_request" if employees >= 10 else "not_required")
    return [RoleCoverage("leader", "always", trained.get("leader", 0)),
            RoleCoverage("safety_rep", safety_rep, trained.get("safety_rep", 0)),
            RoleCoverage("amu", amu, trained.get("amu", 0))]

