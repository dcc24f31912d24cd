"""The periodic jobs, run in-process when there is no broker: each run claimed once in the database,
however many processes look; and, served for real on one SQLite file by two processes, a reminder that
falls due is sent once without anyone running a command."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import timedelta

from celery import shared_task
from celery.schedules import crontab

from config import ROOT
from grants.core.db import utcnow
from grants.core.schedule import PERIODIC, ScheduledRun, claim_due, run_due, serving
from grants.extensions import db
from tests.conftest import make_test_app
from tests.fixtures.smtp import _free_port

TICKS: list[int] = []


@shared_task(name="tests.tick")
def tick() -> int:
    TICKS.append(1)
    return len(TICKS)


@shared_task(name="tests.fail")
def fail() -> None:
    raise RuntimeError("the job broke")


EVERY_MINUTE = {"task": "tests.tick", "schedule": 60.0}
AT_NIGHT = {"task": "tests.tick", "schedule": crontab(minute=30, hour=3)}


def runs() -> dict[str, int]:
    db.session.expire_all()
    return {row.name: row.runs for row in db.session.scalars(db.select(ScheduledRun))}


def test_a_job_at_an_interval_runs_at_once_then_when_due_and_one_at_set_times_waits(app, db):
    celery = app.extensions["celery"]
    now = utcnow()
    periodic = {"every-minute": EVERY_MINUTE, "at-night": AT_NIGHT}
    assert claim_due(celery, periodic, now) == ["every-minute"], "first seen: the interval job catches up"
    assert runs() == {"every-minute": 1, "at-night": 0}
    assert claim_due(celery, periodic, now + timedelta(seconds=30)) == []
    assert claim_due(celery, periodic, now + timedelta(seconds=61)) == ["every-minute"]
    assert runs() == {"every-minute": 2, "at-night": 0}


def test_a_claim_made_elsewhere_first_is_not_made_again(app, db):
    celery = app.extensions["celery"]
    now = utcnow()
    claim_due(celery, {"every-minute": EVERY_MINUTE}, now - timedelta(minutes=5))
    # Another process claims it between this process's read and its update.
    seen = db.session.get(ScheduledRun, "every-minute")
    db.session.execute(db.update(ScheduledRun).values(runs=ScheduledRun.runs + 1, last_run_at=now))
    db.session.commit()
    db.session.expire(seen)
    assert claim_due(celery, {"every-minute": EVERY_MINUTE}, now + timedelta(seconds=1)) == []


def test_two_processes_looking_at_the_same_moment_run_each_job_once(app, committed_db):
    periodic = {"every-minute": EVERY_MINUTE, "reminders": {"task": "tests.tick", "schedule": 300.0}}
    celery = app.extensions["celery"]
    for round_number in range(4):
        now = utcnow() + timedelta(minutes=10 * round_number)
        barrier = threading.Barrier(2)
        claimed, errors = [], []

        def look(now=now, barrier=barrier, claimed=claimed, errors=errors):
            try:
                with app.app_context():
                    barrier.wait(timeout=10)
                    claimed.extend(claim_due(celery, periodic, now))
                    db.session.remove()
            except Exception as error:  # reported below
                errors.append(error)

        threads = [threading.Thread(target=look) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not errors, errors
        assert sorted(claimed) == ["every-minute", "reminders"], f"round {round_number}: each claimed once"
    assert runs() == {"every-minute": 4, "reminders": 4}


def test_run_due_runs_what_it_claimed_and_a_failing_job_does_not_stop_the_others(app, committed_db, caplog):
    TICKS.clear()
    periodic = {"fails": {"task": "tests.fail", "schedule": 60.0}, "ticks": EVERY_MINUTE}
    assert sorted(run_due(app, periodic)) == ["fails", "ticks"]
    assert TICKS == [1]
    assert any("periodic job fails (tests.fail) failed" in record.getMessage() for record in caplog.records)
    assert run_due(app, periodic) == [], "not due again yet"
    assert TICKS == [1]


def test_the_schedule_starts_only_in_a_process_that_serves(app):
    import click

    assert serving(), "no command line: gunicorn, or a server of its own"
    for name, expected in (("run", True), ("seed-demo", False), ("upgrade", False), ("worker", False)):
        with click.Context(click.Command(name)):
            assert serving() is expected, name


def test_the_periodic_jobs_are_those_beat_schedules():
    assert {entry["task"] for entry in PERIODIC.values()} == {
        "notifications.send_due",
        "rounds.close_due",
        "progress.weekly_digest",
        "projects.start_closings",
        "reminders.run",
        "core.forget_form_submissions",
        "documents.sweep_orphans",
    }
    assert PERIODIC["send-due-email"]["schedule"] == 60.0, "a stranded email waits a minute at most"


# --- Served for real -------------------------------------------------------------------------------


def _serve(port: int, database_url: str, mailbox, log_path):
    env = {
        **os.environ,
        "GRANTS_ENV": "development",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "schedule-test-secret",
        "BASE_URL": f"http://127.0.0.1:{port}",
        "MAIL_SERVER": mailbox.host,
        "MAIL_PORT": str(mailbox.port),
        "EMBEDDED_SCHEDULE_TICK_SECONDS": "0.3",
    }
    for key in ("REDIS_URL", "CELERY_TASK_ALWAYS_EAGER", "EMBEDDED_SCHEDULE", "MAIL_BACKEND", "CELERY_QUEUE"):
        env.pop(key, None)
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(port), "--no-reload"]
    with log_path.open("wb") as log_file:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)


def test_two_processes_on_one_sqlite_file_send_a_due_reminder_once_without_a_command(app, mailbox, tmp_path):
    from flask_migrate import upgrade

    from tests.factories import ApplicationFactory, RoundFactory

    database_url = f"sqlite:///{tmp_path / 'grants.sqlite'}"
    embedded = make_test_app(database_url)
    with embedded.app_context():
        upgrade()
        draft = ApplicationFactory(round=RoundFactory(closes_at=utcnow() + timedelta(days=3)))
        applicant = draft.lead_applicant.email
        db.session.commit()
        db.session.remove()
        db.engine.dispose()

    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    processes = [_serve(_free_port(), database_url, mailbox, log) for log in logs]
    try:
        deadline = time.monotonic() + 60
        while not any(message["To"] == applicant for message in mailbox.messages):
            assert time.monotonic() < deadline, "no reminder arrived:\n" + "\n".join(p.read_text() for p in logs)
            assert all(process.poll() is None for process in processes), "\n".join(p.read_text() for p in logs)
            time.sleep(0.1)
        time.sleep(3)  # ten more looks by each process
        reminders = [m for m in mailbox.messages if m["To"] == applicant]
        assert len(reminders) == 1 and "closes" in reminders[0]["Subject"]
        text = [log.read_text() for log in logs]
        assert all("Running the periodic jobs in this process" in log for log in text), text
        assert sum(log.count("periodic job send-reminders (reminders.run) done") for log in text) == 1, text
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
    with embedded.app_context():
        assert runs()["send-reminders"] == 1
        db.session.remove()
        db.engine.dispose()
