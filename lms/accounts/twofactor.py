"""Two-factor authentication with TOTP (RFC 6238) and one-time recovery codes."""

from __future__ import annotations

import hashlib
import secrets
import time

import pyotp
from flask import current_app
from sqlalchemy import delete, func, select, update

from lms.accounts.models import RecoveryCode, User
from lms.core.models import utcnow
from lms.extensions import db

RECOVERY_CODES = 10
ISSUER = "HMS-kurs"


class TwoFactorError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=current_app.config.get("LMS_SITE_NAME", ISSUER))


def qr_svg_data_uri(uri: str) -> str:
    import segno

    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#1b1f24")


def _matching_step(secret: str, code: str, at: float | None = None) -> int | None:
    """The time step a 6-digit code belongs to (the current one or one either side), or None."""
    code = "".join(code.split())
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now = at if at is not None else time.time()
    for offset in (0, -1, 1):
        moment = now + offset * totp.interval
        if secrets.compare_digest(totp.at(moment), code):
            return int(moment // totp.interval)
    return None


def _hash(code: str) -> str:
    return hashlib.sha256("".join(code.split()).replace("-", "").upper().encode()).hexdigest()


def enable(user: User, secret: str, code: str) -> list[str]:
    """Turn two-factor on once the user proves the authenticator works; returns recovery codes (shown once)."""
    step = _matching_step(secret, code)
    if step is None:
        raise TwoFactorError("wrong_code")
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    return new_recovery_codes(user)


def new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    alphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(alphabet) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw)))
    db.session.flush()
    return codes


def verify(user: User, code: str) -> str:
    """Accept a current TOTP code (each time step once) or an unused recovery code.

    Returns "totp" or "recovery"; raises TwoFactorError("wrong_code").
    """
    if not user.totp_secret:
        raise TwoFactorError("not_enabled")
    step = _matching_step(user.totp_secret, code)
    if step is not None:
        taken = db.session.execute(
            update(User).where(User.id == user.id, User.totp_last_step < step).values(totp_last_step=step)
            .execution_options(synchronize_session=False)).rowcount
        if taken:
            return "totp"
        raise TwoFactorError("wrong_code")  # the same code again: a replay
    used = db.session.execute(
        update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code),
                                   RecoveryCode.used_at.is_(None)).values(used_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if used:
        return "recovery"
    raise TwoFactorError("wrong_code")


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def disable(user: User, code: str) -> None:
    verify(user, code)
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = 0
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def required_for(user: User) -> bool:
    """Platform administrators (when the setting says so, always in production) and managers of an
    organization that requires it must use two-factor authentication."""
    if user.is_admin and current_app.config.get("LMS_REQUIRE_ADMIN_2FA"):
        return True
    from lms.organizations.models import Membership, Organization

    return db.session.scalar(
        select(func.count(Membership.id)).join(Organization, Organization.id == Membership.organization_id)
        .where(Membership.user_id == user.id, Membership.role == "manager",
               Organization.require_two_factor.is_(True))) > 0
