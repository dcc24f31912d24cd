"""Sending outbox rows. Idempotent: a row that has gone is never sent again.

A failed attempt is retried with exponential backoff and jitter, through Celery's retry and, as a
backstop, the ``send_due`` sweep; after ``MAX_ATTEMPTS`` the row is marked failed.
"""

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
REMOVED = "[Removed: this message contained a private link for its recipient.]"
FIRST_ATTEMPT_LOST_AFTER = timedelta(minutes=5)  # no first attempt by then: its job never arrived
RETRY_GRACE = timedelta(minutes=1)  # let Celery's own retry go first
EARLY_TOLERANCE = timedelta(seconds=1)
SWEEP_LIMIT = 500


def retry_delay(attempt: int) -> float:
    """Exponential backoff with full jitter: up to 30 s, 60 s, 120 s ... capped at an hour."""
    base = current_app.config["MAIL_RETRY_BASE_SECONDS"]
    return random.uniform(0, min(3600, base * 2 ** (attempt - 1)))


def _forget_private_content(notification: Notification) -> None:
    if notification.sensitive:
        notification.body_text = notification.body_html = REMOVED
        notification.context = {}


@shared_task(bind=True, name="notifications.send", max_retries=MAX_ATTEMPTS)
def send_notification(self, notification_id: int) -> str:
    now = utcnow()
    notification = db.session.scalar(
        db.select(Notification).where(Notification.id == notification_id).with_for_update()
    )
    if notification is None:
        return "missing"
    if notification.status != "pending":
        return notification.status
    if notification.next_attempt_at is not None and notification.next_attempt_at > now + EARLY_TOLERANCE:
        return "not_due"  # a duplicate message; the attempt that is due will come
    notification.attempts += 1
    try:
        notification.status = deliver(notification)
    except Exception as error:  # SMTP and network errors: keep the reason, try again later
        return _after_failure(self, notification, error, now)
    notification.sent_at = now
    notification.next_attempt_at = None
    notification.last_error = None
    _forget_private_content(notification)
    db.session.commit()
    return notification.status


def _after_failure(task, notification: Notification, error: Exception, now) -> str:
    notification.last_error = f"{type(error).__name__}: {error}"[:2000]
    if notification.attempts >= MAX_ATTEMPTS:
        notification.status = "failed"
        notification.next_attempt_at = None
        _forget_private_content(notification)
        db.session.commit()
        log.error("email %s failed after %s attempts", notification.id, notification.attempts)
        return "failed"
    delay = retry_delay(notification.attempts)
    notification.next_attempt_at = now + timedelta(seconds=delay)
    db.session.commit()
    if task.request.is_eager:
        # In-process there is no broker to retry later: the send_due sweep tries it again when due.
        log.warning("email %s not sent, will retry: %s", notification.id, notification.last_error)
        return "pending"
    raise task.retry(countdown=delay, exc=error)


@shared_task(name="notifications.send_due")
def send_due() -> int:
    """Send email whose job was lost (the broker was down when it was queued, or a retry vanished)."""
    now = utcnow()
    never_tried = db.and_(
        Notification.next_attempt_at.is_(None), Notification.created_at < now - FIRST_ATTEMPT_LOST_AFTER
    )
    retry_overdue = Notification.next_attempt_at < now - RETRY_GRACE
    ids = db.session.scalars(
        db.select(Notification.id)
        .where(Notification.status == "pending", db.or_(never_tried, retry_overdue))
        .order_by(Notification.id)
        .limit(SWEEP_LIMIT)
    ).all()
    for notification_id in ids:
        enqueue_after_commit(send_notification, notification_id)
    db.session.commit()  # ends this read before the sends start
    return len(ids)
