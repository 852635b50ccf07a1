from __future__ import annotations

import click
from flask.cli import AppGroup

from lms.extensions import db

reminders_cli = AppGroup("reminders", help="Reminders to invited employees.")


@reminders_cli.command("send")
def send() -> None:
    """Remind the invited who have not registered and those who started but did not finish.

    At most one reminder per person per LMS_REMINDER_DAYS days; safe to run again (for cron).
    """
    from lms.core.mail import send_pending
    from lms.organizations.operations import send_reminders

    count = send_reminders()
    db.session.commit()
    sent, failed = send_pending()
    click.echo(f"Queued {count} reminder(s); sent {sent} e-mail(s), {failed} to retry.")
