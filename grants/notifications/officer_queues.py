"""The programme officer's home: email that failed, the most recent first, each one a click from
sending it again on the Email page. Sending it again takes it out. Two queries."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import func

from grants.core.queues import SHOWN, Queue, WorkItem
from grants.core.times import format_datetime
from grants.extensions import db
from grants.notifications.models import Notification, NotificationStatus
from grants.notifications.queries import outbox_statement

FAILED = NotificationStatus.FAILED


def failed_email(user) -> Queue:
    count = db.session.scalar(db.select(func.count()).select_from(Notification).where(Notification.status == FAILED))
    failed = db.session.execute(
        outbox_statement(FAILED)
        .with_only_columns(Notification.id, Notification.recipient_email, Notification.subject, Notification.created_at)
        .limit(SHOWN)
    ).all()
    items = [
        WorkItem(
            f"Send again: “{email.subject}” to {email.recipient_email}",
            url_for("notifications.show", notification_id=email.id),
            why=f"Queued {format_datetime(email.created_at)}",
        )
        for email in failed
    ]
    return Queue(
        "notifications.failed",
        "Failed email",
        count,
        items,
        more=("All failed email", url_for("notifications.outbox", status=FAILED.value)),
        empty="No email has failed.",
    )
