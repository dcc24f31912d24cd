"""Reminders through a real Redis, real Celery worker processes and a real SMTP server: each arrives
once, whether the sweep runs twice, twice at once, or the worker dies half-way through a batch."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

import pytest

from grants.core.db import utcnow
from grants.extensions import db
from grants.notifications.models import Notification
from grants.notifications.services import queue_email
from grants.notifications.tasks import MAX_ATTEMPTS
from grants.reminders.sweep import run_reminders
from tests.conftest import make_test_app
from tests.factories import ApplicationFactory, RoundFactory
from tests.fixtures.workers import start_worker

pytestmark = pytest.mark.worker


def drafts_in_a_closing_round(count: int) -> list[str]:
    """``count`` draft bids, each by its own applicant, in a round closing in three days."""
    round_ = RoundFactory(closes_at=utcnow() + timedelta(days=3))
    emails = [ApplicationFactory(round=round_).lead_applicant.email for _ in range(count)]
    db.session.commit()
    return emails


def wait_until(condition, timeout=60, what="the condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def flush_worker(sender_app, mailbox) -> list:
    """Send a marker email behind everything queued and wait for it: the worker takes jobs in order,
    so once the marker arrives, anything queued before it has been done."""
    with sender_app.app_context():
        queue_email("marker@example.org", "password_changed", {"name": "Marker"})
        db.session.commit()
    wait_until(lambda: any(m["To"] == "marker@example.org" for m in mailbox.messages), what="the marker email")
    return [m["To"] for m in mailbox.messages if m["To"] != "marker@example.org"]


def test_the_sweep_run_twice_and_twice_at_once_sends_each_reminder_once(
    broker_app, celery_worker, committed_db, mailbox
):
    emails = drafts_in_a_closing_round(6)
    barrier = threading.Barrier(2)
    counts, errors = [], []

    def sweep():
        try:
            with broker_app.app_context():
                barrier.wait(timeout=10)
                counts.append(run_reminders()["round_closing"])
                db.session.commit()
        except Exception as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(counts) == [0, 6], "one sweep queued them all, the other found them queued"

    celery = broker_app.extensions["celery"]
    with broker_app.app_context():
        again = [celery.tasks["reminders.run"].apply_async() for _ in range(2)]
    assert [result.get(timeout=60, disable_sync_subtasks=False)["round_closing"] for result in again] == [0, 0]

    delivered = flush_worker(broker_app, mailbox)
    assert sorted(delivered) == sorted(emails), "each reminder arrived exactly once"
    with broker_app.app_context():
        statuses = db.session.scalars(
            db.select(Notification.status).where(Notification.template == "reminder_round_closing")
        ).all()
    assert statuses == ["sent"] * 6


def test_a_worker_killed_half_way_through_a_batch_ends_with_every_email_delivered_once(
    app, database_url, redis_url, smtp_server, mailbox, committed_db, tmp_path
):
    queue = f"grants-kill-{uuid.uuid4().hex[:8]}"
    # A short visibility timeout so the job of the dead worker is handed out again within the test.
    settings = {
        "CELERY_VISIBILITY_TIMEOUT": 6,
        "CELERY_TASK_TIME_LIMIT": 5,
        "CELERY_TASK_SOFT_TIME_LIMIT": 4,
        "CELERY_RESTORE_CHECK_SECONDS": 1,
    }
    sender = make_test_app(
        database_url, REDIS_URL=redis_url, CELERY_TASK_ALWAYS_EAGER=False, CELERY_TASK_DEFAULT_QUEUE=queue
    )
    emails = drafts_in_a_closing_round(8)
    mailbox.recipient_delay = 0.3  # a slow mail server: the batch takes a few seconds
    common = {"database_url": database_url, "redis_url": redis_url, "queue": queue, "smtp_server": smtp_server}
    first = start_worker(log_path=tmp_path / "first.log", **common, **settings)
    replacement = None
    try:
        with sender.app_context():
            assert run_reminders()["round_closing"] == 8
            db.session.commit()  # one batch of 8 goes to the worker
        # The server has been asked to take a 4th message, so the 3rd was accepted and recorded.
        wait_until(lambda: mailbox.recipients_seen >= 4, timeout=60, what="the 4th message")
        first.kill()
        delivered_before = len(mailbox.messages)
        assert 0 < delivered_before < 8, "the worker died in the middle of the batch"

        replacement = start_worker(log_path=tmp_path / "replacement.log", **common, **settings)
        wait_until(lambda: len(mailbox.messages) >= 8, timeout=90, what="the rest of the batch")
        delivered = flush_worker(sender, mailbox)
        assert sorted(delivered) == sorted(emails), "every email delivered, none twice"
        assert "notifications.send_batch" in replacement.log(), "the replacement took over the dead worker's job"
        with sender.app_context():
            rows = db.session.execute(
                db.select(Notification.status, Notification.attempts).where(
                    Notification.template == "reminder_round_closing"
                )
            ).all()
        assert sorted(rows) == [("sent", 1)] * 8
    finally:
        first.stop()
        if replacement is not None:
            replacement.stop()


def test_a_batch_stopped_by_its_soft_limit_then_the_next_on_the_same_worker_send_every_row(
    app, database_url, redis_url, smtp_server, mailbox, committed_db, tmp_path
):
    import psycopg

    from tests.conftest import _libpq

    queue = f"grants-limit-{uuid.uuid4().hex[:8]}"
    # A job carries the time limits of the process that sends it: the sender's are the worker's.
    limits = {"CELERY_TASK_SOFT_TIME_LIMIT": 2, "CELERY_TASK_TIME_LIMIT": 30, "CELERY_VISIBILITY_TIMEOUT": 60}
    sender = make_test_app(
        database_url, REDIS_URL=redis_url, CELERY_TASK_ALWAYS_EAGER=False, CELERY_TASK_DEFAULT_QUEUE=queue, **limits
    )
    emails = drafts_in_a_closing_round(5)
    with sender.app_context():
        assert run_reminders()["round_closing"] == 5
        db.session.commit()  # one batch of 5 waits on the queue for a worker
    db.session.commit()  # this session's reads end: it holds nothing
    # Someone holds the people table: writing the first reminder (it is written when sent) waits, in
    # the middle of a query, until the batch's soft limit stops it there.
    blocker = psycopg.connect(_libpq(database_url))
    blocker.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
    worker = start_worker(
        database_url=database_url,
        redis_url=redis_url,
        queue=queue,
        smtp_server=smtp_server,
        log_path=tmp_path / "worker.log",
        pool="prefork",  # one child process, where the time limits are enforced
        **limits,
    )
    try:
        wait_until(lambda: "Soft time limit (2s) exceeded" in worker.log(), timeout=60, what="the soft limit")
        wait_until(lambda: "'handed_on': 5" in worker.log(), timeout=60, what=f"the rest handed on: {worker.log()}")
        blocker.rollback()  # the table is free again: the batch handed on runs on the same worker
        wait_until(lambda: len(mailbox.messages) >= 5, timeout=60, what=f"every reminder: {worker.log()}")
        assert sorted(flush_worker(sender, mailbox)) == sorted(emails), "each arrived once"
        assert "another command is already in progress" not in worker.log(), worker.log()
        assert "connection in transaction status" not in worker.log(), worker.log()
        with sender.app_context():
            statuses = db.session.scalars(
                db.select(Notification.status).where(Notification.template == "reminder_round_closing")
            ).all()
        assert statuses == ["sent"] * 5
    finally:
        blocker.close()
        worker.stop()


def test_while_the_mail_server_refuses_a_batch_it_is_retried_and_delivered_once_it_accepts(
    broker_app, celery_worker, committed_db, mailbox
):
    emails = drafts_in_a_closing_round(4)
    mailbox.refuse_times = 4  # the whole first attempt of the batch is turned away
    with broker_app.app_context():
        run_reminders()
        db.session.commit()
    with broker_app.app_context():

        def all_sent():
            db.session.expire_all()
            return (
                db.session.scalar(
                    db.select(db.func.count()).where(
                        Notification.template == "reminder_round_closing", Notification.status == "sent"
                    )
                )
                == 4
            )

        wait_until(all_sent, timeout=60, what="the retries")
        attempts = db.session.scalars(
            db.select(Notification.attempts).where(Notification.template == "reminder_round_closing")
        ).all()
    assert sorted(attempts) == [2, 2, 2, 2]
    assert sorted(flush_worker(broker_app, mailbox)) == sorted(emails)


def test_when_the_mail_server_never_accepts_the_email_ends_failed_after_the_limit(
    broker_app, celery_worker, committed_db, mailbox
):
    [email] = drafts_in_a_closing_round(1)
    mailbox.refuse_with = "451 Temporary failure, try again later"
    with broker_app.app_context():
        run_reminders()
        db.session.commit()
        row = db.session.scalar(db.select(Notification).where(Notification.recipient_email == email))

        def gave_up():
            db.session.expire_all()
            return db.session.get(Notification, row.id).status == "failed"

        wait_until(gave_up, timeout=90, what="the email to be given up")
        row = db.session.get(Notification, row.id)
        assert (row.attempts, row.sent_at) == (MAX_ATTEMPTS, None)
        assert "451" in row.last_error
    mailbox.refuse_with = None
    assert flush_worker(broker_app, mailbox) == []


def test_a_rolled_back_sweep_queues_and_sends_nothing(broker_app, celery_worker, committed_db, mailbox):
    drafts_in_a_closing_round(3)
    with broker_app.app_context():
        assert run_reminders()["round_closing"] == 3
        db.session.rollback()
    assert flush_worker(broker_app, mailbox) == []
    with broker_app.app_context():
        assert db.session.scalars(db.select(Notification.recipient_email)).all() == ["marker@example.org"]
