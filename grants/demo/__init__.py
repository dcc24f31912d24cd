"""``flask --app wsgi seed-demo``: a believable programme for a newcomer to walk around.

Running it again changes nothing that is already there. Later areas add their part of the story in
their own ``seed_*`` functions, called from ``seed_demo``.
"""

from __future__ import annotations

from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext

from grants.accounts import services as account_services
from grants.accounts.models import User
from grants.core.permissions import Role
from grants.core.times import format_date
from grants.demo.conversations import seed_conversations
from grants.demo.data import (
    CHAIRS,
    DEMO_PASSWORD,
    DEMO_USERS,
    ORGANISATIONS,
    PLACES,
    PROJECT_LEAD,
    THEMES,
    demo_password_hash,
)
from grants.demo.database import apply_migrations, demo_seeded_at, empty_database, schema_is_current
from grants.demo.enablers import seed_enablers
from grants.demo.endings import seed_endings
from grants.demo.funding import seed_funding
from grants.demo.history import seeding_on
from grants.demo.interest import seed_expressions_of_interest
from grants.demo.learning import seed_learning
from grants.demo.monitoring import seed_monitoring
from grants.demo.programme import seed_programme
from grants.demo.progress import seed_progress
from grants.directory.models import Organisation, Place, Theme
from grants.directory.reference import load_reference_data
from grants.extensions import db


def _get_or_create(model, lookup: dict, **values):
    instance = db.session.scalar(db.select(model).filter_by(**lookup))
    if instance is None:
        instance = model(**lookup, **values)
        db.session.add(instance)
        db.session.flush()
    return instance


def seed_places() -> dict[str, Place]:
    load_reference_data()  # every local authority area and the default themes, as a first deployment has them
    return {
        code: _get_or_create(Place, {"ons_code": code}, name=name, region=region) for code, name, region, _ in PLACES
    }


def seed_themes() -> dict[str, Theme]:
    return {
        slug: _get_or_create(Theme, {"slug": slug}, name=name, description=description)
        for slug, name, description in THEMES
    }


def seed_organisations(places: dict[str, Place]) -> dict[str, Organisation]:
    organisations = {}
    for row in ORGANISATIONS:
        values = {key: value for key, value in row.items() if key not in {"org_id", "place"}}
        organisations[row["org_id"]] = _get_or_create(
            Organisation, {"org_id": row["org_id"]}, place=places[row["place"]], **values
        )
    return organisations


def seed_users(organisations: dict[str, Organisation]) -> list[tuple[User, bool]]:
    seeded = []
    for email, name, roles, org_id in DEMO_USERS:
        user = account_services.user_by_email(email)
        created = user is None
        if email == PROJECT_LEAD:  # made by the programme, from the lead of a bid it funds
            if user is not None:
                seeded.append((user, False))
            continue
        if created:
            user = account_services.create_user(email=email, name=name, roles=roles, password=None)
            user.set_password_hash(demo_password_hash())
            user.organisation = organisations.get(org_id) if org_id else None
        seeded.append((user, created))
    return seeded


def seed_demo(today: date | None = None) -> list[tuple[User, bool]]:
    """The demo as it stands on ``today`` (the day it runs, unless a day is given): every date in it
    is worked out from that day."""
    with seeding_on(today):
        places = seed_places()
        themes = seed_themes()
        organisations = seed_organisations(places)
        users = seed_users(organisations)
        by_email = {user.email: user for user, _ in users}
        if seed_programme(themes, places, by_email):
            lead = account_services.user_by_email(PROJECT_LEAD)
            if lead is not None:
                users.append((lead, True))
                by_email[lead.email] = lead
        seed_expressions_of_interest(themes, places)
        seed_enablers(themes, by_email.get("enabler@example.org"))
        seed_monitoring(by_email.get("officer@example.org"))
        seed_learning(by_email.get("officer@example.org"))
        seed_funding(by_email.get("officer@example.org"), by_email.get("finance@example.org"))
        seed_endings(
            by_email.get("officer@example.org"),
            by_email.get("finance@example.org"),
            [by_email[email] for email in CHAIRS if email in by_email],
        )
        seed_conversations(by_email)
        seed_progress()  # last: it reports on everything above
        db.session.flush()  # while the story's clock dates what the service records
    order = [email for email, *_ in DEMO_USERS]
    return sorted(users, key=lambda row: order.index(row[0].email) if row[0].email in order else len(order))


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Seed even in production (the demo accounts share a published password).")
@click.option("--upgrade", "migrate", is_flag=True, help="Apply any migrations the database has not had first.")
@click.option(
    "--fresh",
    is_flag=True,
    help="Empty the database (every table dropped), apply the migrations and seed a new demo dated today.",
)
@with_appcontext
def seed_demo_command(force, migrate, fresh):
    """Seed the demo programme unless it is already there: organisations, places, themes, a user for
    every role and a programme in every state."""
    production = current_app.config["ENV_NAME"] == "production"
    if production and fresh:
        raise click.ClickException("seed-demo --fresh empties the database; it never runs in production.")
    if production and not force:
        raise click.ClickException(
            "seed-demo creates accounts with a published password; it will not run in production without --force."
        )
    if fresh:
        click.echo("Emptying the database for a fresh demo...")
        empty_database()
    migrated = not schema_is_current()
    if migrated:
        if not (migrate or fresh):
            raise click.ClickException(
                "The database is missing migrations: run `flask --app wsgi db upgrade` first (or seed-demo --upgrade)."
            )
        click.echo("Applying the database migrations...")
        apply_migrations()
    seeded_at = demo_seeded_at()
    if seeded_at is not None and not migrated:
        click.echo(
            f"Demo data already present (seeded {format_date(seeded_at)}; its dates run from that day). "
            "Nothing to do: `make run FRESH=1` starts a fresh demo dated today."
        )
        users = [(user, False) for user in _demo_accounts()]
    else:
        if seeded_at is None:
            click.echo("Seeding the demo programme (about 15 seconds)...")
        else:  # a new migration may come with a new part of the story: seeding again adds only what is missing
            click.echo("Seeding again after the migrations: adding any part of the demo not there yet...")
        users = seed_demo()
        db.session.commit()
        click.echo("Demo data is ready.")
    click.echo("Sign in at /sign-in with any of these accounts:")
    click.echo(f"  password for every demo account: {DEMO_PASSWORD}")
    for user, created in users:
        roles = ", ".join(Role(role).label for role in sorted(user.roles))
        click.echo(f"  {user.email:<34} {roles}{'' if created else '  (already there)'}")


def _demo_accounts() -> list[User]:
    order = [email for email, *_ in DEMO_USERS]
    users = db.session.scalars(db.select(User).where(User.email.in_(order))).all()
    return sorted(users, key=lambda user: order.index(user.email))
