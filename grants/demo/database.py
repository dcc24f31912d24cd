"""The demo's database, as ``make run`` prepares it: the schema brought up to date, the demo looked for
before it is seeded (a second ``make run`` finds it and starts at once), and a fresh start on request.
"""

from __future__ import annotations

import warnings
from datetime import datetime

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import upgrade

from grants.accounts.models import User
from grants.demo.data import DEMO_USERS
from grants.extensions import db
from grants.progress.models import CompilationStatus, ProgressCompilation
from grants.rounds.models import Round

DEMO_ROUNDS = ("LVP", "LV1", "LV2", "LV3", "LVS", "LV4E")


def _migration_heads() -> set[str]:
    config = current_app.extensions["migrate"].migrate.get_config()
    return set(ScriptDirectory.from_config(config).get_heads())


def _database_revisions() -> set[str]:
    with db.engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def schema_is_current() -> bool:
    """Whether every migration has been applied to the database."""
    return _database_revisions() == _migration_heads()


def apply_migrations() -> None:
    """Apply the migrations the database has not had yet (``flask db upgrade``)."""
    upgrade()


def empty_database() -> None:
    """Drop every table, the migrations' own included: the database is as a new one."""
    db.session.remove()
    tables = sa.MetaData()
    with warnings.catch_warnings():  # indexes on expressions are not reflected: dropping their table drops them
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        tables.reflect(bind=db.engine)
    tables.drop_all(bind=db.engine)


def demo_seeded_at() -> datetime | None:
    """When the demo in the database was seeded, or None if it is not all there: every demo account,
    every demo round, and the progress report compiled last of all (seeding is one transaction)."""
    emails = [email for email, *_ in DEMO_USERS]
    accounts = db.session.scalar(db.select(sa.func.count(User.id)).where(User.email.in_(emails)))
    rounds = db.session.scalar(db.select(sa.func.count(Round.id)).where(Round.code.in_(DEMO_ROUNDS)))
    if accounts != len(emails) or rounds != len(DEMO_ROUNDS):
        return None
    return db.session.scalar(
        db.select(sa.func.min(ProgressCompilation.requested_at)).where(
            ProgressCompilation.status == CompilationStatus.DONE
        )
    )
