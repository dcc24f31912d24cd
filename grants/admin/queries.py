from sqlalchemy.orm import selectinload

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


def audit_statement(action: str | None = None, object_type: str | None = None, object_id: str | None = None):
    statement = (
        db.select(AuditEvent)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    if action:
        statement = statement.where(AuditEvent.action.startswith(action, autoescape=True))
    if object_type:
        statement = statement.where(AuditEvent.object_type == object_type)
    if object_id:
        statement = statement.where(AuditEvent.object_id == object_id)
    return statement
