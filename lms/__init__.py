"""HMS course platform: the application factory."""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask

from lms.config import check_production, load_config


_SQLITE_CONFIGURED = False


def _configure_sqlite_once() -> None:
    global _SQLITE_CONFIGURED
    if not _SQLITE_CONFIGURED:
        from lms.core.db import configure_sqlite

        configure_sqlite()
        _SQLITE_CONFIGURED = True


def create_app(config_overrides: dict[str, Any] | None = None) -> Flask:
    """Build the application. Never touches the database."""
    app = Flask(__name__, instance_relative_config=False,
                instance_path=os.environ.get("LMS_INSTANCE_PATH") or os.path.join(os.getcwd(), "instance"))
    app.config.update(load_config(app.instance_path))
    if config_overrides:
        app.config.update(config_overrides)
    check_production(app.config)
    if str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite:///"):
        os.makedirs(app.instance_path, exist_ok=True)
    from lms.core.observability import configure_logging

    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("lms").setLevel(logging.WARNING if app.config["TESTING"] else logging.INFO)
    configure_logging(app.config["LMS_JSON_LOGS"])

    from lms import extensions as ext
    from lms.core import errors, jinja, observability, security, transaction

    _configure_sqlite_once()

    ext.db.init_app(app)
    ext.migrate.init_app(app, ext.db, directory=os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations"))
    ext.csrf.init_app(app)
    ext.limiter.init_app(app)
    ext.babel.init_app(app, locale_selector=_select_locale, timezone_selector=lambda: "Europe/Oslo")
    _init_login(app)
    observability.init_app(app)
    security.init_app(app)
    transaction.init_app(app)
    errors.init_app(app)
    jinja.init_app(app)
    _import_models()
    _register_blueprints(app)
    _register_cli(app)
    return app


def _select_locale() -> str:
    from lms.core.i18n import select_locale

    return select_locale()


def _init_login(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from lms.extensions import login_manager

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Log in to see that page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # the server-side session token does this job


def _import_models() -> None:
    """Every feature's models, so the metadata (and Alembic) sees all tables."""
    import lms.accounts.models  # noqa: F401
    import lms.admin.models  # noqa: F401
    import lms.api.models  # noqa: F401
    import lms.certificates.models  # noqa: F401
    import lms.certificates.operations  # noqa: F401  (subscribes to course completions)
    import lms.commerce.models  # noqa: F401
    import lms.organizations.models  # noqa: F401
    import lms.organizations.operations  # noqa: F401  (turns paid seats into licenses)
    import lms.content.models  # noqa: F401
    import lms.core.models  # noqa: F401
    import lms.learning.models  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from lms.accounts.views import bp as accounts_bp
    from lms.admin.views import bp as admin_bp
    from lms.api.views import bp as api_bp
    from lms.api.views import tokens_bp as api_tokens_bp
    from lms.catalog.views import bp as catalog_bp
    from lms.certificates.views import bp as certificates_bp
    from lms.commerce import admin_views  # noqa: F401  (adds the code administration routes)
    from lms.commerce.views import bp as commerce_bp
    from lms.core.views import bp as core_bp
    from lms.core.views import dev_bp
    from lms.learning.views import bp as learning_bp
    from lms.organizations.views import bp as organizations_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(learning_bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(commerce_bp)
    app.register_blueprint(organizations_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(api_tokens_bp)
    if app.config["LMS_ENV"] == "development":
        app.register_blueprint(dev_bp)


def _register_cli(app: Flask) -> None:
    from lms.accounts.cli import users_cli
    from lms.certificates.cli import certificates_cli
    from lms.commerce.cli import stripe_cli
    from lms.content.cli import courses_cli
    from lms.organizations.cli import reminders_cli
    from lms.core.cli import demo, i18n_cli, mail_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(courses_cli)
    app.cli.add_command(certificates_cli)
    app.cli.add_command(stripe_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(i18n_cli)
    app.cli.add_command(demo)
