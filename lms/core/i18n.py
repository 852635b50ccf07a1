"""Language selection and locale-aware formatting helpers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from zoneinfo import ZoneInfo

from babel import dates
from babel.numbers import format_currency
from flask import current_app, request, session
from flask_babel import get_locale
from flask_babel import lazy_pgettext as pgettext_lazy
from flask_login import current_user

LANGUAGE_NAMES = {"nb": "Norsk (bokmål)", "en": "English", "uk": "Українська"}
LANGUAGE_SHORT = {"nb": "Norsk", "en": "English", "uk": "Українська"}
# Language names inside a sentence, in the interface language ("gratis på ukrainsk").
LANGUAGE_IN_TEXT = {
    "nb": pgettext_lazy("language name in a sentence", "Norwegian"),
    "en": pgettext_lazy("language name in a sentence", "English"),
    "uk": pgettext_lazy("language name in a sentence", "Ukrainian"),
}


def select_locale() -> str:
    """Signed-in user's preference, then an explicit choice, then Accept-Language, then nb."""
    languages = current_app.config["LANGUAGES"]
    try:
        user = current_user._get_current_object()
    except Exception:  # no request or no user loader
        user = None
    if user is not None and getattr(user, "is_authenticated", False):
        if user.preferred_language in languages:
            return user.preferred_language
    chosen = session.get("lang") if request else None
    if chosen in languages:
        return chosen
    if request:
        best = request.accept_languages.best_match(_accept_aliases(languages))
        if best:
            return _ALIASES.get(best, best)
    return current_app.config["BABEL_DEFAULT_LOCALE"]


# Browsers send "no" or "nn" for Norwegian; both are served in bokmål.
_ALIASES = {"no": "nb", "nn": "nb", "nb-NO": "nb", "en-GB": "en", "en-US": "en", "uk-UA": "uk"}


def _accept_aliases(languages: tuple[str, ...]) -> list[str]:
    return list(languages) + list(_ALIASES)


def current_language() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def format_money(ore: int, language: str | None = None) -> str:
    """Format an amount in øre as NOK in the active (or given) locale."""
    locale = language or current_language()
    # English has no pattern of its own for NOK; "NOK 2,490.00" is how it is written in Norway.
    pattern = "¤\xa0#,##0.00" if locale == "en" else None
    return format_currency(Decimal(ore) / 100, "NOK", format=pattern, locale=_babel_locale(locale))


def _babel_locale(language: str) -> str:
    return {"nb": "nb_NO", "en": "en_GB", "uk": "uk_UA"}.get(language, language)


OSLO = ZoneInfo("Europe/Oslo")


def localdate(value: datetime | None, fmt: str = "long", language: str | None = None) -> str:
    """A date in Europe/Oslo in the active (or given) locale; English is written day-month."""
    if not value:
        return ""
    locale = _babel_locale(language or current_language())
    return dates.format_date(value.astimezone(OSLO).date(), fmt, locale=locale)


def localdatetime(value: datetime | None, fmt: str = "medium", language: str | None = None) -> str:
    if not value:
        return ""
    locale = _babel_locale(language or current_language())
    return dates.format_datetime(value, fmt, tzinfo=OSLO, locale=locale)


def localday(value: date | str | None, fmt: str = "long", language: str | None = None) -> str:
    """A calendar date (or an ISO date string) in the active (or given) locale."""
    if not value:
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return dates.format_date(day, fmt, locale=_babel_locale(language or current_language()))
