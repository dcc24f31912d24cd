"""The periodic jobs, and the schedule that runs them in-process when there is no broker.

``PERIODIC`` is the one list of periodic jobs. In production Celery beat schedules it (``workers``: run
exactly one ``celery -A workers beat``). Without a broker (``REDIS_URL`` unset: the embedded default,
or a single-machine deployment) each serving process runs the same list itself, in a background
thread: ``start_embedded_schedule``.

Several processes may share one database (gunicorn's workers, or two ``flask run`` on one SQLite
file), so each run of a job is claimed in the database first: ``scheduled_runs`` keeps, per job, how
many times it has run and when it last started. A process runs a job only if its ``UPDATE ... WHERE
runs = <what it read>`` changed the row, so one run of a job happens in one process, however many
are looking. Every job is also safe to run twice (a sweep finds nothing left to do).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import UTC, datetime
from typing import Any, cast

import click
from celery.schedules import crontab, maybe_schedule
from flask import Flask
from sqlalchemy import Integer, String
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Mapped, mapped_column

from grants.core.db import UTCDateTime, insert_or_ignore, utcnow
from grants.extensions import Model, db

log = logging.getLogger(__name__)

PERIODIC: dict[str, dict[str, Any]] = {
    # Email whose job was lost, and retries that are due.
    "send-due-email": {"task": "notifications.send_due", "schedule": 60.0},
    "close-due-rounds": {"task": "rounds.close_due", "schedule": 60.0},
    # Mondays at 7am UTC (7am in winter, 8am in summer in London): compile the progress report and
    # email it to the steering group.
    "weekly-progress-digest": {
        "task": "progress.weekly_digest",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
    },
    # Projects past their end date move to close-out (before the reminders that follow from it).
    "start-closeouts": {"task": "projects.start_closings", "schedule": crontab(minute=5)},
    "send-reminders": {"task": "reminders.run", "schedule": 300.0},
    # Forget the keys of forms sent more than two days ago (``grants.core.once``).
    "forget-form-submissions": {"task": "core.forget_form_submissions", "schedule": crontab(minute=30, hour=3)},
    # Remove uploaded files left behind by a process killed before its commit (a day's grace).
    "sweep-orphaned-uploads": {"task": "documents.sweep_orphans", "schedule": crontab(minute=45, hour=3)},
}


class ScheduledRun(Model):
    """How often a periodic job has run, and when it last started, for every process to see."""

    __tablename__ = "scheduled_runs"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    runs: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_run_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_run_by: Mapped[str | None] = mapped_column(String(200))


def _this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def next_run(timing: Any, last_run_at: datetime) -> datetime:
    """When a job that last ran at ``last_run_at`` is due next, by its Celery schedule."""
    if isinstance(timing, crontab):
        start, delta, _ = timing.remaining_delta(last_run_at, tz=UTC)
        return cast(datetime, start + delta)
    return cast(datetime, last_run_at + timing.run_every)


def claim_due(celery_app: Any, periodic: dict[str, dict[str, Any]], now: datetime | None = None) -> list[str]:
    """Claim, for this process, every job of ``periodic`` that is due, and commit the claims. A job
    this database has not seen before is due at once if it runs at an interval (a service started
    after a while away catches up), and at its next time if it runs at set times."""
    now = now or utcnow()
    seen = {row.name: row for row in db.session.scalars(db.select(ScheduledRun))}
    claimed = []
    for name, entry in periodic.items():
        timing = maybe_schedule(entry["schedule"], app=celery_app)
        row = seen.get(name)
        if row is None:
            at_interval = not isinstance(timing, crontab)
            inserted = db.session.execute(
                insert_or_ignore(db.session, ScheduledRun, ["name"])
                .values(name=name, runs=int(at_interval), last_run_at=now, last_run_by=_this_process())
                .returning(ScheduledRun.name)
            ).first()
            if inserted and at_interval:
                claimed.append(name)
        elif next_run(timing, row.last_run_at) <= now:
            changed = cast(
                "CursorResult[Any]",
                db.session.execute(
                    db.update(ScheduledRun)
                    .where(ScheduledRun.name == name, ScheduledRun.runs == row.runs)
                    .values(runs=row.runs + 1, last_run_at=now, last_run_by=_this_process())
                    .execution_options(synchronize_session=False)
                ),
            ).rowcount
            if changed:
                claimed.append(name)
        db.session.commit()  # each claim stands alone: a slow job must not hold the others' rows
    return claimed


def run_due(app: Flask, periodic: dict[str, dict[str, Any]] | None = None) -> list[str]:
    """Claim and run, here and now, every periodic job that is due. Returns the names run."""
    periodic = PERIODIC if periodic is None else periodic
    celery_app = app.extensions["celery"]
    with app.app_context():
        try:
            claimed = claim_due(celery_app, periodic)
        finally:
            db.session.remove()
    for name in claimed:
        task_name = periodic[name]["task"]
        started = time.monotonic()
        try:
            result = celery_app.tasks[task_name].apply()
            if result.failed():
                log.error("periodic job %s (%s) failed:\n%s", name, task_name, result.traceback)
                continue
        except Exception:  # a job that fails must not stop the schedule
            log.exception("periodic job %s (%s) failed", name, task_name)
            continue
        log.info("periodic job %s (%s) done in %.1f s: %r", name, task_name, time.monotonic() - started, result.result)
    return claimed


class EmbeddedSchedule(threading.Thread):
    """A daemon thread that looks for due jobs every ``tick`` seconds and runs them one after another."""

    def __init__(self, app: Flask, tick: float, periodic: dict[str, dict[str, Any]] | None = None) -> None:
        super().__init__(name="grants-schedule", daemon=True)
        self.app, self.tick, self.periodic = app, tick, periodic
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                run_due(self.app, self.periodic)
            except Exception:  # the database was busy or away: look again at the next tick
                log.exception("the embedded schedule could not look for due jobs")
            self.stopping.wait(self.tick)

    def stop(self) -> None:
        self.stopping.set()


_started: dict[int, EmbeddedSchedule] = {}  # process id -> its one schedule
_lock = threading.Lock()


def serving() -> bool:
    """True unless this process is a command line task other than ``flask run`` (``flask db upgrade``,
    ``seed-demo``, a Celery worker): only a process that serves the site runs the schedule."""
    context = click.get_current_context(silent=True)
    return context is None or context.command.name == "run"


def start_embedded_schedule(app: Flask) -> EmbeddedSchedule | None:
    """Start this process's schedule, unless it already has one. Returns it (None if one was running)."""
    with _lock:
        if os.getpid() in _started:
            return None
        schedule = EmbeddedSchedule(app, app.config["EMBEDDED_SCHEDULE_TICK_SECONDS"])
        _started[os.getpid()] = schedule
    schedule.start()
    log.info(
        "Running the periodic jobs in this process (no REDIS_URL): %s. EMBEDDED_SCHEDULE=false turns this off.",
        ", ".join(PERIODIC),
    )
    return schedule


def init_app(app: Flask) -> None:
    if app.config["EMBEDDED_SCHEDULE"] and serving():
        start_embedded_schedule(app)
