"""Demo data is history: things that happened on past days, with the audit events they would have left.

Every date in the demo is worked out from one day, *today* (the day ``seed-demo`` runs, or a day a test
passes in), so that the story is consistent whenever it is seeded: nothing that has happened is dated
after today, and anything due before today is either done or shown as overdue."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session

from grants.conversations.models import Message
from grants.core.audit import AuditEvent, audit_type
from grants.core.dates import add_months
from grants.core.db import utcnow
from grants.extensions import db

_today: date | None = None
_seeding = False
_clock: datetime | None = None


@contextmanager
def seeding_on(day: date | None) -> Iterator[date]:
    """Tell the story as it stands on ``day`` (today if not given)."""
    global _today, _seeding
    previous = _today, _seeding
    _today, _seeding = day, True
    try:
        yield today()
    finally:
        _today, _seeding = previous


def today() -> date:
    return _today or utcnow().date()


def now() -> datetime:
    """The moment the story is told: now, or midday of the day being seeded for."""
    if _today is None or _today >= utcnow().date():
        return utcnow()
    return datetime.combine(_today, time(12), tzinfo=UTC)


def this_month() -> date:
    """The first day of today's month: the demo's timeline is laid out in whole months before it."""
    return today().replace(day=1)


def months_ago(months: int) -> date:
    return add_months(this_month(), -months)


def at(day: date, hour: int = 10) -> datetime:
    """A time on ``day`` (never later than an hour before the story is told)."""
    return min(datetime.combine(day, time(hour), tzinfo=UTC), now() - timedelta(hours=1))


def past_event(action: str, obj, when: datetime, actor, after: dict, before: dict | None = None) -> None:
    """The audit event of something that happened at ``when``."""
    db.session.add(
        AuditEvent(
            action=action,
            occurred_at=when,
            actor_id=actor.id if actor else None,
            object_type=audit_type(obj),
            object_id=str(obj.id),
            before=before,
            after=after,
        )
    )


@contextmanager
def happening_at(when: datetime) -> Iterator[None]:
    """What the service records while this runs (a project created on the day of its decision) is
    dated ``when`` in the audit trail, not the day the demo was seeded."""
    global _clock
    previous, _clock = _clock, when
    try:
        yield
        db.session.flush()
    finally:
        _clock = previous


def _date_new_events(session, _flush_context, _instances) -> None:
    if not _seeding:
        return
    for obj in session.new:
        if isinstance(obj, AuditEvent) and obj.occurred_at is None:
            obj.occurred_at = _clock or now()
        if isinstance(obj, Message) and obj.created_at is None:  # a sent message is never changed: dated as it is kept
            obj.created_at = _clock or now()


event.listen(Session, "before_flush", _date_new_events)
