from __future__ import annotations

import secrets

import click
from flask.cli import AppGroup

from lms.accounts import operations as ops
from lms.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administrator", show_default=True, help="Full name.")
@click.option("--password", default=None, help="Password (prompted when left out).")
def create_admin(email: str, name: str, password: str | None) -> None:
    """Create a platform administrator, or make an existing user one."""
    existing = ops.get_user_by_email(email)
    if existing is not None:
        ops.make_admin(email)
        db.session.commit()
        click.echo(f"{existing.email} already had an account; it is now a platform administrator.")
        return
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True,
                                default=secrets.token_urlsafe(12), show_default=False)
    problem = ops.password_problem(password, email)
    if problem:
        raise click.ClickException(f"the password is not acceptable ({problem.replace('_', ' ')})")
    user = ops.create_user(email, name, password, is_admin=True)
    db.session.commit()
    click.echo(f"Created platform administrator {user.email} (id {user.id}).")
