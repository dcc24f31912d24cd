"""Run the reminder rules: one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` per query, then send what
was new in batches once the sweep commits."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite

from grants.core.db import utcnow
from grants.extensions import db
from grants.notifications.models import Notification
from grants.notifications.tasks import enqueue_batches
from grants.reminders.rules import COLUMNS, EXTRA_COLUMNS, RULES, Moment, extra_values, tranche_eligible

log = logging.getLogger(__name__)


def insert_reminders(statement, now: datetime) -> list[int]:
    """Write the rows ``statement`` selects into the outbox, skipping those already there; the new ids."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = Notification.__table__
    # Rows go in the order of their keys, so two sweeps at once wait for each other, never deadlock.
    statement = statement.order_by(statement.selected_columns[COLUMNS.index("dedupe_key")])
    statement = statement.add_columns(*extra_values(now))
    command = (
        insert(table)
        .from_select([*COLUMNS, *EXTRA_COLUMNS], statement)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(table.c.id)
    )
    return list(db.session.execute(command).scalars())


def run_reminders(now: datetime | None = None, kinds: set[str] | None = None) -> dict[str, int]:
    """Queue every reminder that is due and not yet queued; returns how many of each kind were new.
    The caller commits; the emails are sent after that commit."""
    moment = Moment.at(now or utcnow())
    counts: dict[str, int] = {}
    for rule in RULES:
        if kinds is not None and rule.kind not in kinds:
            continue
        ids: list[int] = []
        for statement in rule.selects(moment):
            ids += insert_reminders(statement, moment.now)
        counts[rule.kind] = len(ids)
        enqueue_batches(sorted(ids))
    log.info("reminders queued: %s", counts)
    return counts


def tell_officers_tranche_eligible(tranche_id: int, now: datetime | None = None) -> int:
    """The moment a tranche becomes eligible, the same reminder the sweep would send (and only once)."""
    moment = Moment.at(now or utcnow())
    ids: list[int] = []
    for statement in tranche_eligible(moment, tranche_id=tranche_id):
        ids += insert_reminders(statement, moment.now)
    enqueue_batches(sorted(ids))
    return len(ids)
