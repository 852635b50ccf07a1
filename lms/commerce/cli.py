from __future__ import annotations

import re
from datetime import timedelta

import click
from flask.cli import AppGroup

from lms.core.models import utcnow
from lms.extensions import db

stripe_cli = AppGroup("stripe", help="Payments through Stripe.")


def _duration(text: str) -> timedelta:
    match = re.fullmatch(r"(\d+)([dhm])", text.strip())
    if not match:
        raise click.BadParameter("use a number and d, h or m, for example 3d")
    amount, unit = int(match.group(1)), match.group(2)
    return timedelta(days=amount) if unit == "d" else timedelta(hours=amount) if unit == "h" else timedelta(minutes=amount)


@stripe_cli.command("reconcile")
@click.option("--since", default="3d", show_default=True, help="How far back to look (e.g. 3d, 12h).")
def reconcile(since: str) -> None:
    """Fulfill paid Checkout Sessions that the webhook missed."""
    from flask import current_app

    from lms.commerce import operations as ops

    window = _duration(since)
    if ops.test_payments():
        expired = ops.expire_stale_test_orders()
        db.session.commit()
        click.echo(f"No Stripe keys: test payments only. Expired {expired} stale test checkout(s).")
        return
    lines = ops.reconcile(utcnow() - window)
    db.session.commit()
    for line in lines:
        click.echo(line)
    click.echo(f"Checked {len(lines)} paid session(s) since {since} ago at {current_app.config.get('LMS_STRIPE_API_BASE') or 'Stripe'}.")
