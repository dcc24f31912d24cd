"""The audit trail: an append-only table and the one helper every state change calls."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import DDL, JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from grants.core.db import UTCDateTime, utcnow
from grants.extensions import Model, db


class AuditEvent(Model):
    """Who did what to which object, when and from where. Rows are never changed or deleted."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    action: Mapped[str] = mapped_column(String(80), nullable=False)
    object_type: Mapped[str | None] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(60))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    request_path: Mapped[str | None] = mapped_column(String(500))

    actor = relationship("User", lazy="raise")

    __table_args__ = (
        Index("ix_audit_events_object", "object_type", "object_id"),
        Index("ix_audit_events_actor_id", "actor_id"),
        Index("ix_audit_events_occurred_at", "occurred_at"),
        Index("ix_audit_events_action", "action"),
    )


# Append-only is a database rule too, so that no code path (or console session) can rewrite history.
APPEND_ONLY_SQL = {
    "postgresql": [
        """
        CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'audit events are append-only';
        END;
        $$ LANGUAGE plpgsql
        """,
        """
        CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
        """,
    ],
    "sqlite": [
        """
        CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END
        """,
        """
        CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END
        """,
    ],
}
for _dialect, _statements in APPEND_ONLY_SQL.items():
    for _statement in _statements:
        event.listen(AuditEvent.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect))  # type: ignore[no-untyped-call]  # DDL() is unannotated


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _flush_context: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise RuntimeError("audit events are append-only")


def audit_type(obj: Any) -> str:
    """``ReviewAssignment`` → ``review_assignment``; a model may name itself with ``__audit_type__``."""
    explicit = getattr(obj, "__audit_type__", None)
    if explicit:
        return str(explicit)
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(obj).__name__).lower()


def unproxied(obj: Any) -> Any:
    """The object behind a proxy such as Flask-Login's ``current_user``."""
    getter = getattr(obj, "_get_current_object", None)
    return getter() if callable(getter) else obj


def record(
    action: str,
    obj: Any = None,
    *,
    actor: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    anonymous: bool = False,
) -> AuditEvent:
    """Add an audit event to the current transaction; the caller's commit keeps it with the change.

    ``actor`` defaults to the signed-in person. ``obj`` may be a model instance (it is flushed so it has
    an id) or ``None`` with ``object_type``/``object_id`` given directly.
    """
    obj, actor = unproxied(obj), unproxied(actor)
    if obj is not None:
        if getattr(obj, "id", None) is None:
            db.session.flush()
        object_type = object_type or audit_type(obj)
        object_id = obj.id
    if anonymous:  # someone acting through an emailed link, whoever is signed in on this browser
        actor = None
    elif actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user
    event_row = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        before=before,
        after=after,
        ip_address=request.remote_addr if has_request_context() else None,
        request_path=request.path[:500] if has_request_context() else None,
    )
    db.session.add(event_row)
    return event_row
