from grants.extensions import db
from grants.notifications.models import Notification


def outbox_statement(status: str | None = None):
    statement = db.select(Notification).order_by(Notification.created_at.desc(), Notification.id.desc())
    if status:
        statement = statement.where(Notification.status == status)
    return statement
