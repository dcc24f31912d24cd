"""Sending outbox rows. Idempotent: a row that has gone is never sent again."""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from celery import shared_task
from flask import current_app

from grants.core.db import utcnow
from grants.core.jobs import enqueue_after_commit
from grants.extensions import db
from grants.notifications.mailer import deliver
from grants.notifications.models import Notification

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
REMOVED = "[Removed after sending: this message contained a private link.]"


def retry_delay(attempt: int) -> float:
    """Exponential backoff with full jitter: up to 30 s, 60 s, 120 s ... capped at an hour."""
    base = current_app.config["MAIL_RETRY_BASE_SECONDS"]
    return random.uniform(0, min(3600, base * 2 ** (attempt - 1)))


@shared_task(bind=True, name="notifications.send", max_retries=MAX_ATTEMPTS)
def send_notification(self, notification_id: int) -> str:
    notification = db.session.scalar(
        db.select(Notification).where(Notification.id == notification_id).with_for_update()
    )
    if notification is None:
        return "missing"
    if notification.status != "pending":
        return notification.status
    notification.attempts += 1
    try:
        notification.status = deliver(notification)
    except Exception as error:  # SMTP and network errors: keep the reason, try again later
        notification.last_error = f"{type(error).__name__}: {error}"[:2000]
        if notification.attempts >= MAX_ATTEMPTS:
            notification.status = "failed"
        db.session.commit()
        if notification.status == "failed":
            log.error("email %s failed after %s attempts", notification_id, notification.attempts)
            return "failed"
        if self.request.is_eager:
            # In-process there is no broker to retry later: the row stays pending for a resend.
            log.warning("email %s not sent: %s", notification_id, notification.last_error)
            return "pending"
        raise self.retry(countdown=retry_delay(notification.attempts), exc=error) from None
    notification.sent_at = utcnow()
    notification.last_error = None
    if notification.sensitive and notification.status == "sent":
        notification.body_text = notification.body_html = REMOVED
        notification.context = {}
    db.session.commit()
    return notification.status


UNSENT_AFTER = timedelta(minutes=5)
SWEEP_LIMIT = 500


@shared_task(name="notifications.send_unsent")
def send_unsent() -> int:
    """Send email whose job never reached a worker (the broker was down when it was queued)."""
    cutoff = utcnow() - UNSENT_AFTER
    ids = db.session.scalars(
        db.select(Notification.id)
        .where(Notification.status == "pending", Notification.attempts == 0, Notification.created_at < cutoff)
        .order_by(Notification.id)
        .limit(SWEEP_LIMIT)
    ).all()
    for notification_id in ids:
        enqueue_after_commit(send_notification, notification_id)
    db.session.commit()  # ends this read before the sends start
    return len(ids)
