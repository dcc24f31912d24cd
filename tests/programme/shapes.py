"""The two shapes a programme is run in, each a fresh deployment: an application, its empty database
migrated to head, and a post room that says which emails were delivered and what they said.

* Embedded (the default with no ``REDIS_URL``): a SQLite file, jobs run in-process after the commit
  that queued them, email captured in the database and written to the log, where a person reads it.
* Production: a PostgreSQL database of its own, jobs sent through Redis to a real Celery worker
  process, and email delivered by that worker over SMTP to a real (aiosmtpd) server.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

from flask_migrate import upgrade

from tests.conftest import drop_database, make_test_app, new_database

BASE_URL = "http://127.0.0.1:5000"


@dataclass
class Delivered:
    """One email as its recipient received it."""

    to: str
    subject: str
    body: str
    notification_id: int | None = None  # the outbox row it came from


@dataclass
class Deployment:
    app: object
    shape: str
    post_room: object
    cleanups: list = field(default_factory=list)

    def close(self):
        for cleanup in reversed(self.cleanups):
            cleanup()


class LogPostRoom(logging.Handler):
    """Embedded: the captured email as the log shows it (``grants.email``), as a developer reads it."""

    def __init__(self):
        super().__init__(level=logging.INFO)
        self.delivered: list[Delivered] = []

    def emit(self, record):
        if record.msg.startswith("Captured email to"):
            to, subject, body = record.args
            self.delivered.append(Delivered(to, subject, body))

    def received(self) -> list[Delivered]:
        return list(self.delivered)

    def wait_until_drained(self, app) -> None:
        """In-process jobs have run by the time the request that queued them answered."""


class SmtpPostRoom:
    """Production: what the SMTP server received, matched to outbox rows by the Message-ID."""

    def __init__(self, mailbox):
        self.mailbox = mailbox

    def received(self) -> list[Delivered]:
        delivered = []
        for message in list(self.mailbox.messages):
            found = re.match(r"<grants-(\d+)\.", message["Message-ID"] or "")
            body = message.get_body(preferencelist=("plain",)).get_content()
            delivered.append(Delivered(message["To"], message["Subject"], body, int(found.group(1)) if found else None))
        return delivered

    def wait_until_drained(self, app, timeout: float = 120) -> None:
        """Wait for the worker to have sent every email the outbox holds."""
        from grants.extensions import db
        from grants.notifications.models import Notification

        deadline = time.monotonic() + timeout
        while True:
            with app.app_context():
                pending = db.session.scalar(
                    db.select(db.func.count()).select_from(Notification).where(Notification.status == "pending")
                )
            if not pending:  # a row is marked sent only after the SMTP server accepted it
                return
            assert time.monotonic() < deadline, f"{pending} emails still pending after {timeout}s"
            time.sleep(0.2)


def embedded(tmp_path) -> Deployment:
    """The embedded default: a SQLite file, no REDIS_URL (jobs in-process), email captured.
    The periodic jobs' in-process schedule stays off: reminders on their own clock are not part of the
    scenario, and would add emails no step promised."""
    app = make_test_app(
        f"sqlite:///{tmp_path / 'grants.sqlite'}",
        REDIS_URL=None,
        CELERY_TASK_ALWAYS_EAGER=True,
        MAIL_BACKEND="capture",
        LOG_SENSITIVE_EMAIL=True,  # as in development: a private link is read from the log
        WTF_CSRF_ENABLED=True,
        UPLOAD_FOLDER=str(tmp_path / "uploads"),
        BASE_URL=BASE_URL,
    )
    with app.app_context():
        upgrade()
    post_room = LogPostRoom()
    logger = logging.getLogger("grants.email")
    logger.addHandler(post_room)
    previous_level = logger.level
    logger.setLevel(logging.INFO)
    deployment = Deployment(app, "embedded", post_room)
    deployment.cleanups.append(lambda: (logger.removeHandler(post_room), logger.setLevel(previous_level)))
    return deployment


def production(tmp_path, *, postgres_server_url, redis_url, mailbox) -> Deployment:
    """A fresh PostgreSQL database, Redis, a Celery worker process and an SMTP server."""
    from tests.fixtures.workers import start_worker

    database_url = new_database(postgres_server_url, "grants_programme")
    queue = f"grants-programme-{uuid.uuid4().hex[:8]}"
    cleanups = [lambda: drop_database(database_url)]
    app = make_test_app(
        database_url,
        REDIS_URL=redis_url,
        CELERY_TASK_ALWAYS_EAGER=False,
        CELERY_TASK_DEFAULT_QUEUE=queue,
        MAIL_BACKEND="smtp",
        MAIL_SERVER=mailbox.host,
        MAIL_PORT=mailbox.port,
        WTF_CSRF_ENABLED=True,
        UPLOAD_FOLDER=str(tmp_path / "uploads"),
        BASE_URL=BASE_URL,
    )
    with app.app_context():
        upgrade()
    worker = start_worker(
        database_url=database_url,
        redis_url=redis_url,
        queue=queue,
        smtp_server=mailbox,
        log_path=tmp_path / "worker.log",
        BASE_URL=BASE_URL,
    )
    cleanups.append(worker.stop)
    deployment = Deployment(app, "production", SmtpPostRoom(mailbox), cleanups)
    deployment.worker = worker
    return deployment


def outbox(app) -> list[tuple[int, str, str, str]]:
    """Every outbox row: (id, kind, recipient, status). Read to check the post, never to act."""
    from grants.extensions import db
    from grants.notifications.models import Notification

    with app.app_context():
        rows = db.session.execute(
            db.select(Notification.id, Notification.template, Notification.recipient_email, Notification.status)
        ).all()
    return [tuple(row) for row in rows]


def kinds(rows) -> Counter:
    return Counter(kind for _, kind, _, _ in rows)
