from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "locales"

mail_cli = AppGroup("mail", help="The e-mail outbox.")
i18n_cli = AppGroup("i18n", help="Translation catalogs: extract, update, compile, check.")


@mail_cli.command("send")
@click.option("--limit", default=200, show_default=True, help="At most this many messages.")
def mail_send(limit: int) -> None:
    """Send the e-mails that are due (run from cron or a systemd timer)."""
    from lms.core.mail import release_stuck, send_pending

    released = release_stuck()
    sent, failed = send_pending(limit)
    click.echo(f"Sent {sent} e-mail(s); {failed} failed and will be retried; "
               f"{released} stuck message(s) released.")


@click.command("demo")
@with_appcontext
def demo() -> None:
    """Load the demo data (never in production). Safe to run again."""
    if current_app.config["LMS_ENV"] == "production":
        raise click.ClickException("refusing to load demo data in production (LMS_ENV=production)")
    from lms.core.demo import load_demo

    for line in load_demo():
        click.echo(line)


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


@i18n_cli.command("extract")
def i18n_extract() -> None:
    """Extract messages into locales/messages.pot and merge them into every catalog."""
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "-k", "pgettext_lazy:1c,2", "--no-location", "--sort-output",
             "--add-comments=Translators:", "-o", str(LOCALES / "messages.pot"), "lms")
    for language in current_app.config["LANGUAGES"]:
        po = LOCALES / language / "LC_MESSAGES" / "messages.po"
        if po.exists():
            _pybabel("update", "-i", str(LOCALES / "messages.pot"), "-d", str(LOCALES), "-l", language,
                     "--no-fuzzy-matching", "--ignore-obsolete")
        else:
            _pybabel("init", "-i", str(LOCALES / "messages.pot"), "-d", str(LOCALES), "-l", language)
    from lms.core.catalogs import fill_english

    fill_english(LOCALES / "en" / "LC_MESSAGES" / "messages.po")
    click.echo("Catalogs updated; translate the new entries in nb and uk.")


@i18n_cli.command("compile")
def i18n_compile() -> None:
    """Compile the .po catalogs into .mo files."""
    _pybabel("compile", "-d", str(LOCALES), "--statistics")


@i18n_cli.command("check")
def i18n_check() -> None:
    """Fail when a catalog has an untranslated or fuzzy entry or a placeholder mismatch."""
    from lms.core.catalogs import catalog_problems

    problems = catalog_problems(LOCALES, current_app.config["LANGUAGES"])
    for problem in problems:
        click.echo(problem)
    if problems:
        raise SystemExit(1)
    click.echo("All catalogs are complete.")

