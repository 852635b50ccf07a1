"""Template globals and filters shared by every feature."""

from __future__ import annotations

from flask import Flask, current_app, request

from lms.core.forms import LanguageForm
from lms.core.i18n import LANGUAGE_IN_TEXT, LANGUAGE_SHORT, current_language, format_money, localdate, localdatetime, localday
from lms.core.urls import current_path


def init_app(app: Flask) -> None:
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["localdate"] = localdate
    app.jinja_env.filters["localdatetime"] = localdatetime
    app.jinja_env.filters["isodate"] = localday
    app.jinja_env.filters["zip_list"] = lambda first, second: list(zip(first, second, strict=False))
    app.jinja_env.globals["kroner"] = lambda ore: format_money(ore).replace(",00", "")
    app.jinja_env.globals["language_names"] = LANGUAGE_SHORT
    app.jinja_env.filters["language_name"] = lambda code: str(LANGUAGE_IN_TEXT.get(code, code))
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.context_processor(_context)


def _context() -> dict:
    return {
        "current_language": current_language(),
        "language_form": LanguageForm,
        "current_path": current_path() if request else "/",
        "site_name": current_app.config["LMS_SITE_NAME"],
    }
