from datetime import datetime

from sqlalchemy.orm import lazyload, selectinload

from grants.accounts.models import User
from grants.core.audit import AuditEvent
from grants.extensions import db


def users_statement(query: str | None = None):
    statement = db.select(User).options(selectinload(User.role_grants)).order_by(User.name, User.id)
    if query:
        text = query.strip().lower()
        statement = statement.where(
            db.or_(User.email.contains(text, autoescape=True), db.func.lower(User.name).contains(text, autoescape=True))
        )
    return statement


def audit_statement(
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    *,
    event: str | None = None,
    person: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
):
    """Events newest first, each with the person who acted (loaded with the page, in one more query)."""
    statement = (
        db.select(AuditEvent)
        .options(selectinload(AuditEvent.actor).options(lazyload(User.role_grants), lazyload(User.organisation)))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    if action:
        statement = statement.where(AuditEvent.action.startswith(action, autoescape=True))
    if event:
        statement = statement.where(AuditEvent.action == event)
    if person:
        statement = statement.where(AuditEvent.actor_id == person)
    if start:
        statement = statement.where(AuditEvent.occurred_at >= start)
    if end:
        statement = statement.where(AuditEvent.occurred_at < end)
    if object_type:
        statement = statement.where(AuditEvent.object_type == object_type)
    if object_id:
        statement = statement.where(AuditEvent.object_id == object_id)
    return statement


def audit_event_names() -> list[str]:
    """Every action the trail holds, for the event filter's list (one query, on the action's index)."""
    return list(db.session.scalars(db.select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def audit_people() -> list[tuple[int, str, str]]:
    """(id, name, email) of everyone who appears in the trail as the one acting, by name (one query)."""
    acted = db.select(AuditEvent.actor_id).where(AuditEvent.actor_id.is_not(None)).distinct()
    rows = db.session.execute(
        db.select(User.id, User.name, User.email).where(User.id.in_(acted)).order_by(User.name, User.id)
    ).all()
    return [(row.id, row.name, row.email) for row in rows]


def user_audit_links(user, ids: list[str]) -> dict[str, str]:
    """People named in the audit trail, linked to their roles page for an administrator (one query)."""
    from flask import url_for

    from grants.core.audit_links import whole_ids
    from grants.core.permissions import Role

    if not user.has_role(Role.ADMIN):
        return {}
    found = db.session.scalars(db.select(User.id).where(User.id.in_(whole_ids(ids)))).all()
    return {str(user_id): url_for("admin.user_roles", user_id=user_id) for user_id in found}
