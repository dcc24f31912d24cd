"""Demo data is history: things that happened on past days, with the audit events they would have left."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from grants.core.audit import AuditEvent, audit_type
from grants.core.db import utcnow
from grants.extensions import db


def at(day: date, hour: int = 10) -> datetime:
    """A time on ``day`` (never in the future)."""
    return min(datetime.combine(day, time(hour), tzinfo=UTC), utcnow() - timedelta(hours=1))


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
