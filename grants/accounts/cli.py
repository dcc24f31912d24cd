"""``flask --app wsgi users ...``: staff accounts are made here, not through the website."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from grants.accounts import services, two_factor
from grants.accounts.models import User
from grants.core.permissions import ALL_ROLES
from grants.extensions import db

users_cli = AppGroup("users", help="Create people's accounts and manage their roles.")
ROLE_CHOICE = click.Choice([role.value for role in ALL_ROLES])


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", "roles", multiple=True, required=True, type=ROLE_CHOICE, help="Repeat for several roles.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="GRANTS_NEW_USER_PASSWORD",
    help="Prompted for if not given (or set GRANTS_NEW_USER_PASSWORD).",
)
def create(email, name, roles, password):
    """Create an account with one or more roles."""
    try:
        user = services.create_user(email=email, name=name, roles=roles, password=password)
    except services.AccountError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Created {user.email} ({', '.join(sorted(r.value for r in user.roles))}).")


@users_cli.command("roles")
@click.option("--email", required=True)
@click.option("--add", "add", multiple=True, type=ROLE_CHOICE)
@click.option("--remove", "remove", multiple=True, type=ROLE_CHOICE)
def roles(email, add, remove):
    """Add or remove roles."""
    user = services.user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account has the email address {email}.")
    services.set_roles(user, (set(user.roles) | set(add)) - set(remove), actor=None)
    db.session.commit()
    click.echo(f"{user.email}: {', '.join(sorted(r.value for r in user.roles)) or 'no roles'}.")


@users_cli.command("reset-two-factor")
@click.option("--email", required=True)
def reset_two_factor(email):
    """Turn off someone's two-factor sign-in (they set it up again at their next sign-in): for an
    administrator who has lost their phone and recovery codes, when no other administrator can."""
    user = services.user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account has the email address {email}.")
    try:
        two_factor.disable(user, actor=None)
    except two_factor.TwoFactorError as error:
        raise click.ClickException(f"{user.email}: {error.message}.") from None
    db.session.commit()
    click.echo(f"{user.email}: two-factor sign-in reset; they will set it up again when they next sign in.")


@users_cli.command("list")
def list_users():
    """Everyone with an account, by email."""
    for user in db.session.scalars(db.select(User).order_by(User.email)):
        state = "" if user.is_active else " (inactive)"
        two_step = "two-factor on" if user.two_factor_enabled else "two-factor off"
        roles = ", ".join(sorted(r.value for r in user.roles))
        click.echo(f"{user.email}\t{user.name}\t{roles}\t{two_step}{state}")
