"""Benchmark the background jobs on PostgreSQL: the reminder sweep over many due items, and how many
emails a real Celery worker delivers per second to a local SMTP server.

    make bench-jobs                      # 100,000 due items, then a tenth of that
    .venv/bin/python -m tests.benchmarks.bench_jobs --due 20000 --emails 2000

Prints figures; it passes or fails nothing. Needs PostgreSQL and Redis (the same URLs as the tests);
it creates a database of its own and drops it afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg
import redis as redis_lib
from aiosmtpd.controller import Controller
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

os.environ.setdefault("GRANTS_ENV", "testing")

from config import normalise_database_url  # noqa: E402
from grants import create_app  # noqa: E402
from grants.bidforms import default as forms  # noqa: E402
from grants.core.db import utcnow  # noqa: E402
from grants.extensions import db  # noqa: E402
from grants.notifications.models import Notification  # noqa: E402
from grants.reminders.sweep import run_reminders  # noqa: E402
from grants.rounds.models import Round  # noqa: E402

POSTGRES = normalise_database_url(os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class CountingMailbox:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 Message accepted for delivery"


def seed_due_drafts(count: int) -> None:
    """``count`` draft bids in a round closing in three days, each with its own applicant: ``count``
    reminders due. Written with set-based SQL."""
    now = utcnow()
    round_ = Round(
        code=f"B{uuid.uuid4().hex[:6]}",
        title="Benchmark wave",
        summary="",
        guidance="",
        opens_at=now - timedelta(days=30),
        closes_at=now + timedelta(days=3),
        award_pence=2_700_000,
        match_required_pence=1_000_000,
        match_funder_label="Health and wellbeing board",
        budget_pence=67_500_000,
        tranche_plan=[50, 30, 20],
        eligibility={},
        status="open",
        last_reference_number=0,
    )
    db.session.add(round_)
    db.session.flush()
    forms.install(round_)
    tag = uuid.uuid4().hex[:6]
    params = {"n": count, "now": now, "tag": tag, "round": round_.id}
    db.session.execute(
        db.text(
            "INSERT INTO organisations (name, sector, address_line_1, address_line_2, town, postcode, org_id,"
            " created_at, updated_at) SELECT 'Benchmark organisation ' || i, 'voluntary_community',"
            " '1 High Street', '', 'Wigan', 'WN1 1AA', 'GB-BENCH-' || :tag || '-' || i, :now, :now"
            " FROM generate_series(1, :n) AS i"
        ),
        params,
    )
    db.session.execute(
        db.text(
            "INSERT INTO users (email, name, session_token, is_active, organisation_id, created_at, updated_at)"
            " SELECT 'bench-' || :tag || '-' || i || '@example.org', 'Applicant ' || i, md5(:tag || i::text), true,"
            " o.id, :now, :now FROM generate_series(1, :n) AS i"
            " JOIN organisations o ON o.org_id = 'GB-BENCH-' || :tag || '-' || i"
        ),
        params,
    )
    db.session.execute(
        db.text(
            "INSERT INTO user_roles (user_id, role, granted_at) SELECT id, 'applicant', :now FROM users"
            " WHERE email LIKE 'bench-' || :tag || '-%'"
        ),
        params,
    )
    db.session.execute(
        db.text(
            "INSERT INTO applications (round_id, lead_organisation_id, lead_applicant_id, status, title, answers,"
            " match_funder, section_states, created_at, updated_at) SELECT :round, u.organisation_id, u.id, 'draft',"
            " 'Bid ' || u.id, '{}', '', '{}', :now, :now FROM users u WHERE u.email LIKE 'bench-' || :tag || '-%'"
        ),
        params,
    )
    db.session.commit()


def measure_sweep(app, due: int) -> tuple[float, int]:
    with app.app_context():
        seed_due_drafts(due)
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        started = time.perf_counter()
        counts = run_reminders()
        db.session.commit()  # and the send batches go to Redis
        elapsed = time.perf_counter() - started
        again_started = time.perf_counter()
        repeat = run_reminders()
        db.session.commit()
        again = time.perf_counter() - again_started
    queued = counts["round_closing"]
    print(f"  reminder sweep over {due:>7,} due items: {elapsed:6.2f} s ({queued:,} queued)")
    print(f"  the same sweep again (nothing new):  {again:6.2f} s ({repeat['round_closing']} queued)")
    return elapsed, queued


def measure_delivery(database_url: str, queue: str, emails: int) -> float:
    """Start a real worker on the queue the sweep filled, and time the first ``emails`` deliveries."""
    import socket
    import subprocess

    mailbox = CountingMailbox()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    env = {
        **os.environ,
        "GRANTS_ENV": "testing",
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS,
        "CELERY_QUEUE": queue,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(port),
    }
    log = tempfile.NamedTemporaryFile(prefix="grants-bench-worker-", suffix=".log", delete=False)
    command = [sys.executable, "-m", "celery", "-A", "workers", "worker", "--pool=solo", "--queues", queue]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"]
    worker = subprocess.Popen(command, cwd=Path(__file__).resolve().parents[2], env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 120
        while mailbox.count == 0:
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the worker delivered nothing; see {log.name}")
            time.sleep(0.01)
        started, first = time.perf_counter(), mailbox.count
        while mailbox.count < first + emails:
            if worker.poll() is not None or time.monotonic() > deadline + 600:
                raise RuntimeError(f"the worker stopped delivering; see {log.name}")
            time.sleep(0.01)
        elapsed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        controller.stop()
    rate = emails / elapsed
    print(f"  delivery by one worker to local SMTP: {rate:7.0f} emails/s ({emails:,} emails in {elapsed:.2f} s)")
    return rate


def run(due: int, emails: int) -> None:
    name = f"grants_bench_{uuid.uuid4().hex[:8]}"
    admin = libpq(POSTGRES)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    database_url = make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    queue = f"grants-bench-{uuid.uuid4().hex[:8]}"
    broker = redis_lib.Redis.from_url(REDIS)
    try:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database_url,
                "REDIS_URL": REDIS,
                "CELERY_TASK_ALWAYS_EAGER": False,
                "CELERY_TASK_DEFAULT_QUEUE": queue,
                "SERVER_NAME": None,
            }
        )
        with app.app_context():
            upgrade()
        print(f"Reminder sweep (PostgreSQL, {due:,} due; then a tenth):")
        sweeps = {}
        for size in (due, due // 10):
            broker.delete(queue)
            with app.app_context():
                db.session.execute(db.text("UPDATE applications SET status = 'withdrawn' WHERE status = 'draft'"))
                db.session.commit()
            sweeps[size], _queued = measure_sweep(app, size)
        peak = peak_memory_mb()
        print(f"  peak memory of this process: {peak:.0f} MB")
        print("Email delivery:")
        # Timed from the first delivery on: fewer than the last sweep queued, or the count is never reached.
        rate = measure_delivery(database_url, queue, min(emails, due // 10 - 1))
        result = {"sweep_seconds": {str(size): round(seconds, 3) for size, seconds in sweeps.items()}}
        print("BENCH-RESULT " + json.dumps({"jobs": {**result, "peak_rss_mb": round(peak, 1), "emails_per_s": rate}}))
        with app.app_context():
            sent = db.session.scalar(db.select(db.func.count()).where(Notification.status == "sent"))
            print(f"  ({sent:,} emails sent in all before the worker was stopped)")
            db.session.remove()
            db.engine.dispose()
    finally:
        broker.delete(queue)
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--due", type=int, default=100_000, help="reminders due at once (default 100,000)")
    parser.add_argument("--emails", type=int, default=5_000, help="emails to time the worker on (default 5,000)")
    arguments = parser.parse_args(argv)
    run(arguments.due, arguments.emails)


if __name__ == "__main__":
    main()
