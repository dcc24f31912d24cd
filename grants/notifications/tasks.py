"""Sending outbox rows. Idempotent: a row that has gone is never sent again.

A failed attempt is retried with exponential backoff and jitter, through Celery's retry and, as a
backstop, the ``send_due`` sweep; after ``MAX_ATTEMPTS`` the row is marked failed. A permanent refusal
(the mail server answers 5xx to the recipient or the message) fails it at once.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from flask import current_app

from config import MAIL_MAX_ATTEMPTS
from grants.core.db import utcnow
from grants.core.jobs import discard_connection, enqueue_after_commit, recover_session
from grants.extensions import db
from grants.notifications.mailer import Postbox, refusal
from grants.notifications.models import Notification, NotificationStatus
from grants.notifications.services import render_when_sent, written_when_sent

log = logging.getLogger(__name__)
MAX_ATTEMPTS = MAIL_MAX_ATTEMPTS
REMOVED = "[Removed: this message contained a private link for its recipient.]"
# No first attempt by then: its job never arrived (the broker was down, the process was stopped).
FIRST_ATTEMPT_LOST_AFTER = timedelta(minutes=1)
RETRY_GRACE = timedelta(minutes=1)  # let Celery's own retry go first
EARLY_TOLERANCE = timedelta(seconds=1)
SWEEP_LIMIT = 5000
BATCH_SIZE = 100


def retry_delay(attempt: int) -> float:
    """Exponential backoff with full jitter: up to 30 s, 60 s, 120 s ... (``config.longest_retry_wait``
    is the most it can be: checked at start-up to stay below the broker's visibility timeout)."""
    base = current_app.config["MAIL_RETRY_BASE_SECONDS"]
    return random.uniform(0, base * 2 ** (attempt - 1))


class MissingNotification(RuntimeError):
    """A job for an outbox row that is not there: it was sent before the change that wrote the row
    committed, or the row was removed. Never a success."""


def _forget_private_content(notification: Notification) -> None:
    if notification.sensitive:
        notification.body_text = notification.body_html = REMOVED
        notification.context = {}


def attempt(notification_id: int, postbox: Postbox) -> tuple[str, float | None]:
    """Try to send one outbox row: (what happened, seconds until it should be tried again or None).

    The row is locked while it is sent, and skipped if another worker holds it; a row that has gone
    (sent, failed or cancelled) is never sent again. The commit straight after the mail server accepts
    the message is what makes a second attempt a no-op.
    """
    now = utcnow()
    notification = db.session.scalar(
        db.select(Notification).where(Notification.id == notification_id).with_for_update(skip_locked=True)
    )
    if notification is None:
        db.session.rollback()
        exists = db.session.scalar(db.select(Notification.id).where(Notification.id == notification_id))
        if not exists:
            return "missing", None
        # Another job holds it: it sends it, or (its connection was lost half-way) a retry will.
        return "busy", retry_delay(1)
    if notification.status != NotificationStatus.PENDING:
        db.session.rollback()
        return notification.status, None
    if notification.next_attempt_at is not None and notification.next_attempt_at > now + EARLY_TOLERANCE:
        db.session.rollback()
        return "not_due", None  # a duplicate message; the attempt that is due will come
    notification.attempts += 1
    try:
        if written_when_sent(notification) and not render_when_sent(notification):
            notification.attempts -= 1
            notification.status = NotificationStatus.CANCELLED
            db.session.commit()
            return NotificationStatus.CANCELLED, None
        notification.status = postbox.deliver(notification)
    except SoftTimeLimitExceeded:
        # The job must end now, perhaps in the middle of a query: the connection is not reused, and
        # this row (not marked sent) is tried again by the next job.
        discard_connection()
        raise
    except Exception as error:  # SMTP and network errors: keep the reason, try again later
        return _after_failure(notification, error, now)
    notification.sent_at = now
    notification.next_attempt_at = None
    notification.last_error = None
    _forget_private_content(notification)
    db.session.commit()
    return notification.status, None


def _after_failure(notification: Notification, error: Exception, now) -> tuple[str, float | None]:
    reason, permanent = refusal(error)
    notification.last_error = reason[:2000]
    if permanent or notification.attempts >= MAX_ATTEMPTS:
        notification.status = NotificationStatus.FAILED
        notification.next_attempt_at = None
        if notification.body_text is None:  # a reminder that could not be written
            notification.body_text = notification.body_html = f"[Not written: {notification.last_error}]"
        _forget_private_content(notification)
        db.session.commit()
        log.error("email %s failed after %s attempts: %s", notification.id, notification.attempts, reason)
        return NotificationStatus.FAILED, None
    delay = retry_delay(notification.attempts)
    notification.next_attempt_at = now + timedelta(seconds=delay)
    db.session.commit()
    log.warning("email %s not sent, will retry in %.1fs: %s", notification.id, delay, notification.last_error)
    return NotificationStatus.PENDING, delay


def _missing(notification_id: int) -> None:
    log.error(
        "email %s: no such outbox row. Its job ran before the change that queued it committed, or the row was "
        "removed; the email was not sent.",
        notification_id,
    )


@shared_task(bind=True, name="notifications.send", max_retries=MAX_ATTEMPTS)
def send_notification(self, notification_id: int) -> str:
    with Postbox() as postbox:
        status, delay = attempt(notification_id, postbox)
    if status == "missing":
        _missing(notification_id)
        raise MissingNotification(f"email {notification_id} is not in the outbox")
    if delay is None:
        return status
    if self.request.is_eager:
        return status  # in-process there is no broker to retry later: the send_due sweep tries it when due
    raise self.retry(countdown=delay)


@shared_task(bind=True, name="notifications.send_batch")
def send_batch(self, notification_ids: list[int]) -> dict[str, int]:
    """Send a batch of outbox rows over one SMTP connection. A row that fails is retried on its own,
    with backoff; a batch run twice (a worker died half-way) sends only what had not gone."""
    outcome: dict[str, int] = {}
    with Postbox() as postbox:
        for position, notification_id in enumerate(notification_ids):
            try:
                status, delay = attempt(notification_id, postbox)
            except SoftTimeLimitExceeded:
                # Out of time: hand what is left to a new job rather than be stopped half-way through a
                # send. ``attempt`` has discarded the connection if the limit struck inside it.
                discard_connection()
                send_batch.apply_async((notification_ids[position:],))
                outcome["handed_on"] = len(notification_ids) - position
                return outcome
            except Exception:  # one bad row must not stop the others; it is tried again like any other
                recover_session()
                log.exception("email %s could not be attempted; it will be tried again", notification_id)
                status, delay = "error", retry_delay(1)
            if status == "missing":
                _missing(notification_id)
            outcome[status] = outcome.get(status, 0) + 1
            if delay is not None and not self.request.is_eager:
                send_notification.apply_async((notification_id,), countdown=delay)
            if postbox.unreachable and position + 1 < len(notification_ids):
                # The mail server cannot be reached: try the rest later, not each in turn now.
                rest = notification_ids[position + 1 :]
                if not self.request.is_eager:
                    send_batch.apply_async((rest,), countdown=retry_delay(1))
                outcome["deferred"] = len(rest)
                return outcome
    return outcome


def enqueue_batches(notification_ids: list[int]) -> None:
    """Send these rows once the current transaction commits, ``BATCH_SIZE`` to a job."""
    for start in range(0, len(notification_ids), BATCH_SIZE):
        enqueue_after_commit(send_batch, notification_ids[start : start + BATCH_SIZE])


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
        .where(Notification.status == NotificationStatus.PENDING, db.or_(never_tried, retry_overdue))
        .order_by(Notification.id)
        .limit(SWEEP_LIMIT)
    ).all()
    enqueue_batches(list(ids))
    db.session.commit()  # ends this read before the sends start
    return len(ids)


def send_pending_now(limit: int = 10_000) -> dict[str, int]:
    """Send, in this process, every waiting email that is due (the ``jobs send-outbox`` command)."""
    now = utcnow()
    ids = db.session.scalars(
        db.select(Notification.id)
        .where(
            Notification.status == NotificationStatus.PENDING,
            db.or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
        )
        .order_by(Notification.id)
        .limit(limit)
    ).all()
    db.session.commit()
    outcome: dict[str, int] = {}
    with Postbox() as postbox:
        for notification_id in ids:
            status, _ = attempt(notification_id, postbox)
            outcome[status] = outcome.get(status, 0) + 1
    return outcome
