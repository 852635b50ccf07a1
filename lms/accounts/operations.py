"""Account rules: registration, authentication, server-side sessions, tokens, profile."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, url_for
from sqlalchemy import delete, func, select, update

from lms.accounts.models import AccountToken, User, UserSession
from lms.core.mail import queue_mail
from lms.core.models import utcnow
from lms.extensions import db

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
SESSION_TOUCH_INTERVAL = timedelta(minutes=1)


class AccountError(Exception):
    """A rule refused the action; ``code`` names which, views map it to a message."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# ---------------------------------------------------------------- passwords

def _hasher() -> PasswordHasher:
    hasher = current_app.extensions.get("lms_password_hasher")
    if hasher is None:
        config = current_app.config
        # OWASP: argon2id, 19 MiB memory, 2 iterations, 1 lane.
        hasher = PasswordHasher(
            time_cost=config.get("LMS_ARGON2_TIME_COST", 2),
            memory_cost=config.get("LMS_ARGON2_MEMORY_KIB", 19456),
            parallelism=1,
        )
        current_app.extensions["lms_password_hasher"] = hasher
    return hasher


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(user: User, password: str) -> bool:
    hasher = _hasher()
    try:
        hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


def _dummy_verify(password: str) -> None:
    """Spend the time a real check would, so response time does not reveal unknown e-mails."""
    dummy = current_app.extensions.get("lms_dummy_hash")
    if dummy is None:
        dummy = current_app.extensions["lms_dummy_hash"] = _hasher().hash(secrets.token_hex(16))
    try:
        _hasher().verify(dummy, password)
    except VerificationError:
        pass


def normalize_email(email: str) -> str:
    return email.strip().lower()


def get_user(user_id: int | None) -> User | None:
    return db.session.get(User, user_id) if isinstance(user_id, int) else None


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


# ---------------------------------------------------------------- tokens sent by e-mail

def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _issue_token(user: User, purpose: str, hours: int, new_email: str | None = None) -> str:
    # Earlier unused tokens for the same purpose stop working.
    db.session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == purpose,
               AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(AccountToken(
        user_id=user.id, purpose=purpose, token_hash=_hash_token(token),
        new_email=new_email, expires_at=utcnow() + timedelta(hours=hours),
    ))
    db.session.flush()
    return token


def find_token(token: str, purpose: str) -> AccountToken | None:
    """A usable token: right purpose, not used, not expired."""
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(
        select(AccountToken).where(AccountToken.token_hash == _hash_token(token),
                                   AccountToken.purpose == purpose)
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    return row


def _consume_token(token: str, purpose: str) -> AccountToken:
    """Mark a token used with one conditional UPDATE, so two clicks cannot both use it."""
    row = find_token(token, purpose)
    if row is None:
        raise AccountError("invalid_token")
    taken = db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        raise AccountError("invalid_token")
    db.session.refresh(row)
    return row


def _link(endpoint: str, **values: str) -> str:
    return url_for(endpoint, _external=True, **values)


# ---------------------------------------------------------------- registration

@dataclass
class Registration:
    email: str
    full_name: str
    password: str
    language: str
    code: str | None = None


def register(data: Registration) -> User | None:
    """Create an unconfirmed account and mail a confirmation link.

    When the address already has an account nothing is created; its owner is told by e-mail
    instead, so the page shown is the same either way (no user enumeration). Returns the new
    user, or None when the address was taken.
    """
    email = normalize_email(data.email)
    existing = get_user_by_email(email)
    if existing is not None:
        queue_mail(existing.email, "account_exists", existing.preferred_language,
                   user=existing, login_url=_link("accounts.login"),
                   reset_url=_link("accounts.forgot_password"))
        return None
    user = User(
        email=email,
        full_name=" ".join(data.full_name.split()),
        password_hash=hash_password(data.password),
        preferred_language=data.language,
        signup_code=(data.code or "").strip().upper() or None,
        is_admin=False,
        is_deactivated=False,
    )
    db.session.add(user)
    db.session.flush()
    send_confirmation(user)
    return user


def send_confirmation(user: User) -> None:
    token = _issue_token(user, "confirm_account", current_app.config["LMS_CONFIRM_TOKEN_HOURS"])
    queue_mail(user.email, "confirm_account", user.preferred_language, user=user,
               confirm_url=_link("accounts.confirm_account", token=token),
               hours=current_app.config["LMS_CONFIRM_TOKEN_HOURS"])


def confirm_account(token: str) -> User:
    row = _consume_token(token, "confirm_account")
    user = row.user
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


# ---------------------------------------------------------------- log in and sessions

def authenticate(email: str, password: str) -> User:
    """The user for these credentials, or AccountError('bad_credentials' | 'unconfirmed')."""
    user = get_user_by_email(email) if len(email) <= 320 else None
    if user is None:
        _dummy_verify(password)
        raise AccountError("bad_credentials")
    if not verify_password(user, password) or user.is_deactivated:
        raise AccountError("bad_credentials")
    if user.email_verified_at is None:
        send_confirmation(user)
        raise AccountError("unconfirmed")
    return user


def start_session(user: User, user_agent: str = "", ip_address: str = "") -> str:
    """Create a server-side session and return its token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(UserSession(
        user_id=user.id, token_hash=_hash_token(token), created_at=now, last_seen_at=now,
        expires_at=now + current_app.config["PERMANENT_SESSION_LIFETIME"],
        user_agent=user_agent[:300], ip_address=ip_address[:64],
    ))
    user.last_login_at = now
    user.session_token = token
    db.session.flush()
    return token


def load_session_user(token: str) -> User | None:
    """The user of a live session: not expired, not idle too long, account active."""
    if not token or len(token) > 100:
        return None
    row = db.session.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == _hash_token(token))
    ).first()
    if row is None:
        return None
    user_session, user = row
    now = utcnow()
    idle = timedelta(minutes=current_app.config["LMS_SESSION_IDLE_MINUTES"])
    if user_session.expires_at <= now or user_session.last_seen_at + idle <= now or user.is_deactivated:
        db.session.delete(user_session)
        return None
    if now - user_session.last_seen_at >= SESSION_TOUCH_INTERVAL:
        user_session.last_seen_at = now
    user.session_token = token
    return user


def end_session(token: str | None) -> None:
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == _hash_token(token)))


def end_other_sessions(user: User, keep_token: str | None) -> int:
    stmt = delete(UserSession).where(UserSession.user_id == user.id)
    if keep_token:
        stmt = stmt.where(UserSession.token_hash != _hash_token(keep_token))
    return db.session.execute(stmt).rowcount


def list_sessions(user: User) -> list[UserSession]:
    return list(db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id)
        .order_by(UserSession.last_seen_at.desc())
    ))


def session_is_current(user_session: UserSession, token: str | None) -> bool:
    return bool(token) and user_session.token_hash == _hash_token(token or "")


# ---------------------------------------------------------------- password reset and change

def request_password_reset(email: str) -> None:
    """Mail a reset link when the address has an account; silent otherwise."""
    user = get_user_by_email(email) if len(email) <= 320 else None
    if user is None or user.is_deactivated:
        return
    hours = current_app.config["LMS_RESET_TOKEN_HOURS"]
    token = _issue_token(user, "reset_password", hours)
    queue_mail(user.email, "reset_password", user.preferred_language, user=user,
               reset_url=_link("accounts.reset_password", token=token), hours=hours)


def reset_password(token: str, new_password: str) -> User:
    row = _consume_token(token, "reset_password")
    user = row.user
    user.password_hash = hash_password(new_password)
    # Following the link proves the address is the user's.
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    end_other_sessions(user, None)
    queue_mail(user.email, "password_changed", user.preferred_language, user=user,
               reset_url=_link("accounts.forgot_password"))
    return user


def change_password(user: User, current_password: str, new_password: str) -> int:
    """Change the password and end every other session; returns how many were ended."""
    if not verify_password(user, current_password):
        raise AccountError("wrong_password")
    user.password_hash = hash_password(new_password)
    ended = end_other_sessions(user, user.session_token)
    queue_mail(user.email, "password_changed", user.preferred_language, user=user,
               reset_url=_link("accounts.forgot_password"))
    return ended


# ---------------------------------------------------------------- e-mail change

def request_email_change(user: User, new_email: str, password: str) -> None:
    """Mail a confirmation link to the new address. Nothing changes until it is followed."""
    if not verify_password(user, password):
        raise AccountError("wrong_password")
    new_email = normalize_email(new_email)
    if new_email == user.email:
        raise AccountError("same_email")
    taken = get_user_by_email(new_email)
    if taken is not None:
        # Tell the owner of that address, not the requester (no enumeration).
        queue_mail(taken.email, "email_change_taken", taken.preferred_language, user=taken)
        return
    hours = current_app.config["LMS_CONFIRM_TOKEN_HOURS"]
    token = _issue_token(user, "change_email", hours, new_email=new_email)
    queue_mail(new_email, "confirm_email_change", user.preferred_language, user=user,
               new_email=new_email, confirm_url=_link("accounts.confirm_email_change", token=token),
               hours=hours)


def confirm_email_change(token: str) -> User:
    row = _consume_token(token, "change_email")
    user = row.user
    new_email = row.new_email or ""
    if get_user_by_email(new_email) is not None:
        raise AccountError("email_taken")
    old_email = user.email
    user.email = new_email
    user.email_verified_at = utcnow()
    queue_mail(old_email, "email_changed", user.preferred_language, user=user, new_email=new_email)
    return user


# ---------------------------------------------------------------- profile and roles

def update_profile(user: User, full_name: str, language: str) -> None:
    user.full_name = " ".join(full_name.split())
    user.preferred_language = language


def set_preferred_language(user: User, language: str) -> None:
    user.preferred_language = language


def create_user(email: str, full_name: str, password: str, *, language: str = "nb",
                is_admin: bool = False, verified: bool = True) -> User:
    """Create a confirmed account directly (CLI, demo data, administrators)."""
    if get_user_by_email(email) is not None:
        raise AccountError("email_taken")
    user = User(
        email=normalize_email(email), full_name=" ".join(full_name.split()),
        password_hash=hash_password(password), preferred_language=language,
        is_admin=is_admin, is_deactivated=False,
        email_verified_at=utcnow() if verified else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


def make_admin(email: str) -> User:
    user = get_user_by_email(email)
    if user is None:
        raise AccountError("no_such_user")
    user.is_admin = True
    return user


def password_problem(password: str, email: str = "") -> str | None:
    """A code for why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "too_short"
    if len(password) > MAX_PASSWORD_LENGTH:
        return "too_long"
    lowered = password.lower()
    if email and normalize_email(email) and lowered == normalize_email(email):
        return "like_email"
    if email and "@" in email and lowered == normalize_email(email).split("@")[0]:
        return "like_email"
    if len(set(password)) < 4:
        return "too_simple"
    return None


# ---------------------------------------------------------------- personal data

def personal_data(user: User) -> dict:
    """Everything the platform stores about the user, as plain data (the right of access)."""
    from lms.certificates.models import Certificate
    from lms.commerce.models import Order
    from lms.content.models import Course
    from lms.learning.models import Enrollment, LessonProgress, ModuleCheckResult, QuizAttempt
    from lms.organizations.models import Invitation, Membership, Organization

    def iso(value):
        return value.isoformat() if value is not None else None

    enrollments = []
    for enrollment, course in db.session.execute(
            select(Enrollment, Course).join(Course, Course.id == Enrollment.course_id).where(Enrollment.user_id == user.id)):
        attempts = db.session.scalars(select(QuizAttempt).where(QuizAttempt.enrollment_id == enrollment.id))
        enrollments.append({
            "course": course.slug, "content_language": enrollment.content_language, "source": enrollment.source,
            "enrolled_at": iso(enrollment.created_at), "started_at": iso(enrollment.started_at),
            "completed_at": iso(enrollment.completed_at), "withdrawn_at": iso(enrollment.withdrawn_at),
            "learning_seconds": enrollment.seconds_total,
            "lessons_completed": db.session.scalar(select(func.count(LessonProgress.id)).where(
                LessonProgress.enrollment_id == enrollment.id, LessonProgress.completed_at.is_not(None))),
            "module_checks": db.session.scalar(select(func.count(ModuleCheckResult.id)).where(
                ModuleCheckResult.enrollment_id == enrollment.id)),
            "final_test_attempts": [{"number": a.number, "status": a.status, "started_at": iso(a.started_at),
                                     "score_percent": a.score_percent, "passed": a.passed} for a in attempts],
        })
    return {
        "exported_at": iso(utcnow()),
        "account": {"email": user.email, "full_name": user.full_name, "preferred_language": user.preferred_language,
                    "created_at": iso(user.created_at), "email_verified_at": iso(user.email_verified_at),
                    "last_login_at": iso(user.last_login_at), "is_admin": user.is_admin},
        "sessions": [{"created_at": iso(s.created_at), "last_seen_at": iso(s.last_seen_at), "user_agent": s.user_agent,
                      "ip_address": s.ip_address} for s in list_sessions(user)],
        "enrollments": enrollments,
        "certificates": [{"serial": c.serial, "issued_at": iso(c.issued_at), "snapshot": c.snapshot,
                          "revoked_at": iso(c.revoked_at)} for c in db.session.scalars(
                              select(Certificate).where(Certificate.user_id == user.id))],
        "orders": [{"number": o.number, "status": o.status, "created_at": iso(o.created_at), "paid_at": iso(o.paid_at),
                    "total_ore": o.total_ore, "vat_ore": o.vat_ore, "discount_code": o.discount_code_text}
                   for o in db.session.scalars(select(Order).where(Order.user_id == user.id))],
        "organizations": [{"name": org.name, "orgnr": org.orgnr, "role": m.role} for m, org in db.session.execute(
            select(Membership, Organization).join(Organization, Organization.id == Membership.organization_id)
            .where(Membership.user_id == user.id))],
        "invitations_received": [{"organization_id": i.organization_id, "invited_at": iso(i.invited_at)}
                                 for i in db.session.scalars(select(Invitation).where(Invitation.email == user.email))],
    }


def delete_account(user: User, password: str) -> None:
    """Erase or anonymize the user's personal data. Issued certificates stay verifiable.

    Kept: certificates (the employer's duty to document training), and orders without the buyer's
    name and address (bookkeeping). Refused while the user is the only manager of an organization.
    """
    from lms.commerce.models import Order
    from lms.organizations.models import Invitation, Membership

    if not verify_password(user, password):
        raise AccountError("wrong_password")
    for organization_id in db.session.scalars(select(Membership.organization_id).where(
            Membership.user_id == user.id, Membership.role == "manager")):
        managers = db.session.scalar(select(func.count(Membership.id)).where(
            Membership.organization_id == organization_id, Membership.role == "manager"))
        if managers <= 1:
            raise AccountError("last_manager")
    anonymous = f"deleted-{user.id}@deleted.invalid"
    db.session.execute(delete(Invitation).where(Invitation.email == user.email))
    db.session.execute(delete(Membership).where(Membership.user_id == user.id))
    db.session.execute(delete(AccountToken).where(AccountToken.user_id == user.id))
    db.session.execute(update(Order).where(Order.user_id == user.id)
                       .values(buyer_email=anonymous, buyer_name="").execution_options(synchronize_session=False))
    end_other_sessions(user, None)
    user.email = anonymous
    user.full_name = "—"
    user.password_hash = hash_password(secrets.token_urlsafe(32))
    user.is_deactivated = True
    user.signup_code = None
    user.email_verified_at = None
