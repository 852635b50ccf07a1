import pytest

from lms import create_app
from lms.config import DEV_SECRET_KEY, ConfigError, load_config

GOOD_PG = "postgresql+psycopg://lms@db.internal/lms"
GOOD_SECRET = "x" * 48


def prod(monkeypatch, **env):
    monkeypatch.setenv("LMS_ENV", "production")
    for key, value in env.items():
        monkeypatch.setenv(f"LMS_{key}", value)


def test_environment_variables_are_read(monkeypatch, tmp_path):
    monkeypatch.setenv("LMS_DATABASE_URL", "sqlite:////tmp/x.db")
    monkeypatch.setenv("LMS_MAIL_HOST", "smtp.example.no")
    monkeypatch.setenv("LMS_MAIL_PORT", "587")
    monkeypatch.setenv("LMS_REDIS_URL", "redis://127.0.0.1:6379/3")
    config = load_config(str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == "sqlite:////tmp/x.db"
    assert config["LMS_MAIL_HOST"] == "smtp.example.no"
    assert config["LMS_MAIL_PORT"] == 587
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"


def test_development_defaults_use_sqlite_memory_limits_and_console_mail(monkeypatch, tmp_path):
    for name in ("LMS_ENV", "LMS_DATABASE_URL", "LMS_REDIS_URL", "LMS_MAIL_BACKEND", "LMS_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    config = load_config(str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert config["LMS_MAIL_BACKEND"] == "console"
    assert config["SECRET_KEY"] == DEV_SECRET_KEY


def test_bad_number_in_environment_names_the_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("LMS_MAIL_PORT", "twenty-five")
    with pytest.raises(ConfigError, match="LMS_MAIL_PORT"):
        load_config(str(tmp_path))


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": GOOD_PG}, "LMS_SECRET_KEY is missing"),
        ({"DATABASE_URL": GOOD_PG, "SECRET_KEY": DEV_SECRET_KEY}, "LMS_SECRET_KEY is the development default"),
        ({"DATABASE_URL": GOOD_PG, "SECRET_KEY": "short"}, "shorter than 32"),
        ({"SECRET_KEY": GOOD_SECRET}, "SQLite"),
        ({"DATABASE_URL": GOOD_PG, "SECRET_KEY": GOOD_SECRET, "DEBUG": "1"}, "LMS_DEBUG"),
    ],
)
def test_production_refuses_unsafe_settings(monkeypatch, env, message):
    monkeypatch.delenv("LMS_SECRET_KEY", raising=False)
    monkeypatch.delenv("LMS_DATABASE_URL", raising=False)
    prod(monkeypatch, **env)
    with pytest.raises(ConfigError, match=message):
        create_app()


def test_production_refuses_to_start_without_payment_keys(monkeypatch):
    monkeypatch.delenv("LMS_STRIPE_SECRET_KEY", raising=False)
    prod(monkeypatch, DATABASE_URL=GOOD_PG, SECRET_KEY=GOOD_SECRET)
    with pytest.raises(ConfigError, match="LMS_STRIPE_SECRET_KEY"):
        create_app()


def test_production_starts_with_safe_settings(monkeypatch):
    prod(monkeypatch, DATABASE_URL=GOOD_PG, SECRET_KEY=GOOD_SECRET, STRIPE_SECRET_KEY="sk_live_x",
         STRIPE_WEBHOOK_SECRET="whsec_x")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["LMS_MAIL_BACKEND"] == "smtp"
    assert "dev" not in app.blueprints


def test_factory_never_touches_the_database(monkeypatch, tmp_path):
    # A database that cannot exist: creating the app must still work.
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    assert app.name == "lms"
