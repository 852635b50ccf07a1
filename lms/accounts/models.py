from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.models import CreatedAtMixin, UTCDateTime
from lms.extensions import db


class User(UserMixin, CreatedAtMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased and trimmed; unique.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    # The name exactly as it will stand on certificates.
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    preferred_language: Mapped[str] = mapped_column(String(5), server_default="nb")
    is_admin: Mapped[bool] = mapped_column(Boolean, server_default=false())
    is_deactivated: Mapped[bool] = mapped_column(Boolean, server_default=false())
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # A license or discount code typed at registration, applied when the account is confirmed.
    signup_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Two-factor authentication (TOTP): the secret, when it was turned on, and the last time step
    # used (a code is accepted once).
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    totp_last_step: Mapped[int] = mapped_column(Integer, server_default="0")

    sessions: Mapped[list[UserSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (CheckConstraint("preferred_language IN ('nb', 'en', 'uk')", name="language"),)

    # Set by the user loader: the token of the session this request runs in.
    session_token = None  # type: str | None

    @property
    def is_active(self) -> bool:  # Flask-Login
        return not self.is_deactivated

    def get_id(self) -> str:  # Flask-Login stores the session token, never the user id
        if not self.session_token:
            raise RuntimeError("user has no server-side session")
        return self.session_token

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserSession(db.Model):
    """A signed-in browser. The cookie holds a random token; only its hash is stored here."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.current_timestamp())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.current_timestamp())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    user_agent: Mapped[str] = mapped_column(String(300), server_default="")
    ip_address: Mapped[str] = mapped_column(String(64), server_default="")

    user: Mapped[User] = relationship(back_populates="sessions")


class AccountToken(CreatedAtMixin, db.Model):
    """Single-use, expiring token sent by e-mail (password reset, e-mail confirmation)."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    new_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    user: Mapped[User] = relationship()

    __table_args__ = (
        CheckConstraint("purpose IN ('reset_password', 'confirm_account', 'change_email')", name="purpose"),
    )


class RecoveryCode(db.Model):
    """One-time codes for logging in when the authenticator is lost; only hashes are stored."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
