"""Celery bound to the Flask app, and work enqueued only after the change that caused it commits.

Tasks are plain ``@shared_task`` functions that take ids. ``enqueue_after_commit(task, id)`` keeps the
call on the database session and sends it when (and only if) that session commits; a rollback drops
it. Without a broker (``REDIS_URL`` unset) tasks run in-process at that moment.
"""

from __future__ import annotations

import logging

from celery import Celery, Task
from flask import Flask, current_app
from sqlalchemy.orm import Session

from grants.extensions import db

log = logging.getLogger(__name__)
PENDING_KEY = "grants.after_commit_tasks"


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():  # the session is removed when the context ends
                return self.run(*args, **kwargs)

    broker = app.config["REDIS_URL"] or "memory://"
    celery_app = Celery(app.import_name, task_cls=FlaskTask)
    celery_app.conf.update(
        broker_url=broker,
        result_backend=app.config["REDIS_URL"] or "cache+memory://",
        task_always_eager=app.config["CELERY_TASK_ALWAYS_EAGER"],
        task_eager_propagates=app.config["TESTING"],
        task_default_queue=app.config["CELERY_TASK_DEFAULT_QUEUE"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=3600,
        timezone="UTC",
        enable_utc=True,
        broker_connection_retry_on_startup=True,
        # A task taking longer than this is stopped (the soft limit first, so it can end cleanly);
        # the broker redelivers an unacknowledged task only after the visibility timeout, which is
        # longer than any task may run, so a slow task is never run twice at once.
        task_soft_time_limit=app.config["CELERY_TASK_SOFT_TIME_LIMIT"],
        task_time_limit=app.config["CELERY_TASK_TIME_LIMIT"],
        broker_transport_options={
            "visibility_timeout": app.config["CELERY_VISIBILITY_TIMEOUT"],
            # A job whose worker died is handed out again once it is older than the visibility
            # timeout; the workers look for such jobs this often.
            "unacked_restore_interval": app.config["CELERY_RESTORE_CHECK_SECONDS"],
            "unacked_restore_throttle": 1,
        },
    )
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def enqueue_after_commit(task: Task, *args, **kwargs) -> None:
    """Send ``task(*args, **kwargs)`` once the current database transaction commits."""
    celery_app = current_app.extensions["celery"]
    session = db.session()
    session.info.setdefault(PENDING_KEY, []).append((celery_app, task.name, args, kwargs))


def _send_pending(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, [])
    for celery_app, name, args, kwargs in pending:
        try:
            celery_app.tasks[name].apply_async(args=args, kwargs=kwargs)
        except Exception:
            if celery_app.conf.task_eager_propagates:
                raise
            # The change is committed; a task that could not be queued is logged, and the
            # periodic sweeps pick up whatever it should have done.
            log.exception("could not enqueue %s%r", name, args)


def _drop_pending(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole change rolled back, not a savepoint inside it
        session.info.pop(PENDING_KEY, None)


def install_session_hooks() -> None:
    """Listen on every session; idempotent."""
    from sqlalchemy import event

    if not event.contains(Session, "after_commit", _send_pending):
        event.listen(Session, "after_commit", _send_pending)
        event.listen(Session, "after_soft_rollback", _drop_pending)


__all__ = ["celery_init_app", "enqueue_after_commit", "install_session_hooks"]
