"""Jobs sent through Redis are run by a real Celery worker process, which sends email over SMTP."""

import pytest

from grants.extensions import db
from grants.notifications.models import Notification
from grants.notifications.services import queue_email

pytestmark = pytest.mark.worker


def queue_and_commit(broker_app, email):
    with broker_app.app_context():
        notification = queue_email(email, "password_changed", {"name": "Aisha"})
        db.session.commit()
        return notification.id


def status_of(app, notification_id, wait_for, timeout=60):
    import time

    deadline = time.monotonic() + timeout
    with app.app_context():
        while True:
            db.session.expire_all()
            row = db.session.get(Notification, notification_id)
            if row.status in wait_for or time.monotonic() > deadline:
                return row.status, row.attempts, row.last_error
            time.sleep(0.1)


def test_a_task_sent_through_redis_is_run_by_the_worker(broker_app, celery_worker, committed_db, mailbox):
    notification_id = queue_and_commit(broker_app, "lead@example.org")
    [message] = mailbox.wait_for(1)
    assert message["To"] == "lead@example.org"
    assert status_of(broker_app, notification_id, {"sent"}) == ("sent", 1, None)
    assert "notifications.send[" in celery_worker.log()


def test_the_worker_retries_until_the_mail_server_accepts(broker_app, celery_worker, committed_db, mailbox):
    mailbox.refuse_times = 2
    notification_id = queue_and_commit(broker_app, "lead@example.org")
    status, attempts, last_error = status_of(broker_app, notification_id, {"sent", "failed"})
    assert (status, attempts, last_error) == ("sent", 3, None)
    assert len(mailbox.wait_for(1)) == 1


def test_every_scheduled_job_is_a_registered_task_and_beat_schedules_them_all(app):
    from celery import current_app as current_celery

    from grants.core.schedule import PERIODIC

    previous = current_celery._get_current_object()
    import workers  # builds the worker's own app

    previous.set_current()  # and the tests' app stays the one tasks run in
    previous.set_default()

    registered = app.extensions["celery"].tasks
    assert PERIODIC, "there are no periodic jobs"
    for name, entry in PERIODIC.items():
        assert entry["task"] in registered, f"{name} schedules an unknown task {entry['task']}"
    assert workers.celery.conf.beat_schedule == PERIODIC


def test_beat_starts_against_redis(app, database_url, redis_url, worker_queue, tmp_path):
    import os
    import subprocess
    import sys
    import time

    from config import ROOT

    env = {
        **os.environ,
        "GRANTS_ENV": "testing",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_QUEUE": worker_queue,
    }
    log_path = tmp_path / "beat.log"
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "workers",
        "beat",
        "--loglevel=DEBUG",
        "--schedule",
        str(tmp_path / "beat-schedule"),
        "--pidfile",
        str(tmp_path / "beat.pid"),
    ]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "notifications.send_due" not in log_path.read_text():
            assert process.poll() is None, log_path.read_text()
            time.sleep(0.2)
        log = log_path.read_text()
        assert "beat: Starting..." in log and "notifications.send_due" in log, log
        assert redis_url.split("://")[1].split("/")[0] in log
    finally:
        process.terminate()
        process.wait(timeout=30)
