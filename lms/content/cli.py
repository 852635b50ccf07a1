from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from lms.content.loader import load_library
from lms.content.operations import sync_course
from lms.extensions import db

courses_cli = AppGroup("courses", help="Course content in courses/: check and load.")


def _root(path: str | None) -> Path:
    return Path(path or current_app.config["LMS_COURSES_DIR"])


@courses_cli.command("check")
@click.option("--path", default=None, help="The courses folder (default: LMS_COURSES_DIR).")
def check(path: str | None) -> None:
    """Validate every course and report all problems at once."""
    from lms.content.policy import library_problems

    courses, problems = load_library(_root(path))
    for course in courses:
        problems.extend(library_problems(course))
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) found.", err=True)
        raise SystemExit(1)
    click.echo(f"{len(courses)} course(s) checked: no problems.")


@courses_cli.command("sync")
@click.option("--path", default=None, help="The courses folder (default: LMS_COURSES_DIR).")
@click.option("--allow-removals", is_flag=True,
              help="Retire modules, lessons and questions that are no longer in the files.")
def sync(path: str | None, allow_removals: bool) -> None:
    """Load the courses into the database (idempotent; progress is kept)."""
    courses, problems = load_library(_root(path))
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(problems)} problem(s): nothing was loaded. Run 'courses check'.")
    refused = []
    with click.progressbar(courses, label="Loading courses", item_show_func=lambda c: c.slug if c else "") as bar:
        results = [sync_course(course, allow_removals=allow_removals) for course in bar]
    for result in results:
        click.echo(f"{result.slug}: {result.status} ({result.summary()})")
        if result.status == "refused":
            refused.append(result)
            for item in result.removed:
                click.echo(f"  would remove {item}", err=True)
    if refused:
        db.session.rollback()
        raise click.ClickException(
            "content was removed from the files; nothing was loaded. Progress refers to the removed "
            "items: run again with --allow-removals to retire them (learners keep their progress).")
    db.session.commit()
