"""Settings: defaults, LMS_* environment variables and production checks."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

DEV_SECRET_KEY = "dev-only-insecure-secret-key"
LANGUAGES = ("nb", "en", "uk")
DEFAULT_LANGUAGE = "nb"


class ConfigError(RuntimeError):
    """The configuration is not fit for the environment it runs in."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"LMS_{name}")
    return value if value not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"LMS_{name} must be a whole number, not {value!r}") from exc


def _tiers(text: str | None) -> tuple[tuple[int, int], ...]:
    tiers = []
    for part in (text or "").split(","):
        if not part.strip():
            continue
        try:
            minimum, percent = (int(x) for x in part.split(":"))
        except ValueError as exc:
            raise ConfigError(f"LMS_VOLUME_TIERS: {part!r} is not 'quantity:percent'") from exc
        if not (1 <= minimum <= 1000 and 0 <= percent < 100):
            raise ConfigError(f"LMS_VOLUME_TIERS: {part!r} is out of range")
        tiers.append((minimum, percent))
    return tuple(sorted(tiers))


def load_config(instance_path: str) -> dict[str, Any]:
    """Build the configuration mapping from defaults and the environment."""
    env = _env("ENV", "development")
    production = env == "production"
    sqlite_default = "sqlite:///" + os.path.join(instance_path, "lms.db")
    redis_url = _env("REDIS_URL")
    return {
        "LMS_ENV": env,
        # One JSON object per log line (with the request id): on by default in production.
        "LMS_JSON_LOGS": _env_bool("JSON_LOGS", production),
        "DEBUG": _env_bool("DEBUG", False),
        "TESTING": False,
        "SECRET_KEY": _env("SECRET_KEY", None if production else DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL", sqlite_default),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SQLALCHEMY_RECORD_QUERIES": False,
        # Sessions: the cookie only carries a random token; the server holds the session.
        "SESSION_COOKIE_NAME": "lms_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_env_int("SESSION_HOURS", 12)),
        "LMS_SESSION_IDLE_MINUTES": _env_int("SESSION_IDLE_MINUTES", 120),
        # Platform administrators must use two-factor authentication (always in production).
        "LMS_REQUIRE_ADMIN_2FA": production or _env_bool("REQUIRE_ADMIN_2FA", False),
        "LMS_TWO_FACTOR_LIMIT": _env("TWO_FACTOR_LIMIT", "10 per 5 minutes"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": production,
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": production,
        "MAX_CONTENT_LENGTH": _env_int("MAX_CONTENT_LENGTH", 5 * 1024 * 1024),
        # Languages
        "LANGUAGES": LANGUAGES,
        "BABEL_DEFAULT_LOCALE": DEFAULT_LANGUAGE,
        "BABEL_DEFAULT_TIMEZONE": "Europe/Oslo",
        "BABEL_TRANSLATION_DIRECTORIES": os.path.join(
            os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "locales"
        ),
        # Rate limits: memory in development, Redis when LMS_REDIS_URL is set.
        "RATELIMIT_ENABLED": _env_bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "LMS_REDIS_URL": redis_url,
        "LMS_LOGIN_LIMIT": _env("LOGIN_LIMIT", "10 per minute;50 per hour"),
        "LMS_REGISTER_LIMIT": _env("REGISTER_LIMIT", "10 per hour"),
        "LMS_RESET_LIMIT": _env("RESET_LIMIT", "5 per 15 minutes"),
        "LMS_CODE_LIMIT": _env("CODE_LIMIT", "20 per minute;200 per day"),
        "LMS_VERIFY_LIMIT": _env("VERIFY_LIMIT", "30 per minute"),
        "LMS_API_LIMIT": _env("API_LIMIT", "120 per minute"),
        # Tokens sent by e-mail
        "LMS_RESET_TOKEN_HOURS": _env_int("RESET_TOKEN_HOURS", 2),
        "LMS_CONFIRM_TOKEN_HOURS": _env_int("CONFIRM_TOKEN_HOURS", 48),
        # E-mail: "console" stores and logs messages (development); "smtp" sends them.
        "LMS_MAIL_BACKEND": _env("MAIL_BACKEND", "smtp" if production else "console"),
        "LMS_MAIL_HOST": _env("MAIL_HOST", "localhost"),
        "LMS_MAIL_PORT": _env_int("MAIL_PORT", 25),
        "LMS_MAIL_USERNAME": _env("MAIL_USERNAME"),
        "LMS_MAIL_PASSWORD": _env("MAIL_PASSWORD"),
        "LMS_MAIL_STARTTLS": _env_bool("MAIL_STARTTLS", False),
        "LMS_MAIL_SSL": _env_bool("MAIL_SSL", False),
        "LMS_MAIL_TIMEOUT": _env_int("MAIL_TIMEOUT", 10),
        "LMS_MAIL_FROM": _env("MAIL_FROM", "HMS-kurs <kurs@hms-kurs.example>"),
        "LMS_MAIL_MAX_ATTEMPTS": _env_int("MAIL_MAX_ATTEMPTS", 8),
        "LMS_MAIL_SEND_AFTER_COMMIT": _env_bool("MAIL_SEND_AFTER_COMMIT", True),
        # Public address used in e-mails and on certificates when there is no request.
        "LMS_BASE_URL": _env("BASE_URL", "http://127.0.0.1:5000"),
        "LMS_SITE_NAME": _env("SITE_NAME", "HMS-kurs"),
        "LMS_ISSUER_NAME": _env("ISSUER_NAME", "HMS-kurs AS"),
        "LMS_ISSUER_ORGNR": _env("ISSUER_ORGNR", "923609016"),
        # Payments. Without a secret key (outside production) a built-in test payment page is used.
        "LMS_STRIPE_SECRET_KEY": _env("STRIPE_SECRET_KEY"),
        "LMS_STRIPE_WEBHOOK_SECRET": _env("STRIPE_WEBHOOK_SECRET"),
        "LMS_STRIPE_API_BASE": _env("STRIPE_API_BASE"),
        "LMS_VAT_PERCENT": _env_int("VAT_PERCENT", 25),
        # Volume prices for seats: "minimum quantity:percent off", comma separated.
        "LMS_VOLUME_TIERS": _tiers(_env("VOLUME_TIERS", "10:10,50:20,200:30")),
        "LMS_COURSES_DIR": _env(
            "COURSES_DIR",
            os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "courses"),
        ),
    }


def check_production(config: dict[str, Any]) -> None:
    """Refuse to run in production with settings that are unsafe there."""
    if config.get("LMS_ENV") != "production":
        return
    problems = []
    secret = config.get("SECRET_KEY")
    if not secret:
        problems.append("LMS_SECRET_KEY is missing: set it to a long random value")
    elif secret == DEV_SECRET_KEY or len(secret) < 32:
        problems.append("LMS_SECRET_KEY is the development default or shorter than 32 characters")
    uri = str(config.get("SQLALCHEMY_DATABASE_URI") or "")
    if uri.startswith("sqlite"):
        problems.append("LMS_DATABASE_URL points to SQLite: use PostgreSQL in production")
    if config.get("DEBUG"):
        problems.append("LMS_DEBUG is on: debug mode must be off in production")
    if not config.get("LMS_STRIPE_SECRET_KEY") or not config.get("LMS_STRIPE_WEBHOOK_SECRET"):
        problems.append("LMS_STRIPE_SECRET_KEY and LMS_STRIPE_WEBHOOK_SECRET are required: payments need Stripe")
    if problems:
        raise ConfigError("Refusing to start in production: " + "; ".join(problems))
