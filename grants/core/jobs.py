"""Celery bound to the Flask app, and work enqueued only after the change that caused it commits.

Tasks are plain ``@shared_task`` functions that take ids. ``enqueue_after_commit(task, id)`` keeps the
call on the database session and sends it when (and only if) the outermost transaction commits; a
rollback drops it. SQLAlchemy's ``after_commit`` also fires when a savepoint is released, before
anything is visible to another connection, so the jobs are tied to the transaction they were queued
in and leave only with the outermost commit. Without a broker (``REDIS_URL`` unset) tasks run
in-process at that moment, and the periodic schedule runs in-process too (``grants.core.schedule``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from celery import Celery, Task
from celery.exceptions import SoftTimeLimitExceeded
from flask import Flask, current_app
from sqlalchemy.orm import Session, SessionTransaction

from grants.extensions import db

log = logging.getLogger(__name__)
PENDING_KEY = "grants.after_commit_tasks"
RELEASED_KEY = "grants.released_savepoints"


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):  # type: ignore[misc]  # Celery ships no types
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():  # the session is removed when the context ends
                try:
                    return self.run(*args, **kwargs)
                except SoftTimeLimitExceeded:
                    discard_connection()
                    raise

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


@dataclass
class _Job:
    transaction: SessionTransaction  # the innermost transaction open when it was queued
    celery_app: Celery
    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


def enqueue_after_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Send ``task(*args, **kwargs)`` once the outermost database transaction commits.

    A savepoint released on the way (``begin_nested``) sends nothing; a savepoint rolled back drops
    what was queued inside it; the whole transaction rolled back drops everything it queued."""
    celery_app = current_app.extensions["celery"]
    session = db.session()
    if not session.in_transaction():
        session.begin()  # what is queued belongs to this transaction, not to whichever comes next
    transaction = session.get_nested_transaction() or session.get_transaction()
    assert transaction is not None  # begun just above
    session.info.setdefault(PENDING_KEY, []).append(_Job(transaction, celery_app, task.name, args, kwargs))


def _savepoint_committed(session: Session) -> None:
    """``after_commit`` fires for a savepoint's release too: note which one, send nothing."""
    if session.in_nested_transaction():
        session.info.setdefault(RELEASED_KEY, set()).add(session.get_nested_transaction())
        return
    _send(session.info.pop(PENDING_KEY, []))


def _transaction_ended(session: Session, transaction: SessionTransaction) -> None:
    pending = session.info.get(PENDING_KEY)
    if transaction.parent is None:  # the outermost: sent if it committed, dropped if it rolled back
        session.info.pop(PENDING_KEY, None)
        session.info.pop(RELEASED_KEY, None)
        return
    released_savepoints = session.info.get(RELEASED_KEY, set())
    released = transaction in released_savepoints
    released_savepoints.discard(transaction)
    if not pending:
        return
    if released:  # what the savepoint queued now waits for the transaction around it
        for job in pending:
            if job.transaction is transaction:
                job.transaction = transaction.parent
    else:  # rolled back: what it queued goes with it
        session.info[PENDING_KEY] = [job for job in pending if job.transaction is not transaction]


def _send(pending: list[_Job]) -> None:
    for job in pending:
        try:
            job.celery_app.tasks[job.name].apply_async(args=job.args, kwargs=job.kwargs)
        except Exception:
            if job.celery_app.conf.task_eager_propagates:
                raise
            # The change is committed; a task that could not be queued is logged, and the
            # periodic sweeps pick up whatever it should have done.
            log.exception("could not enqueue %s%r", job.name, job.args)


def discard_connection() -> None:
    """After a task was interrupted (a soft time limit raised in the middle of a query, say), its
    database connection may be half-way through a command: close it rather than give it back to the
    pool, where the next task would fail on it."""
    try:
        db.session().invalidate()
    except Exception:  # the connection is already unusable; the pool replaces it
        log.warning("could not invalidate an interrupted connection", exc_info=True)
    db.session.remove()


def recover_session() -> None:
    """After an error in a task: roll back, or discard the connection if it cannot even do that."""
    try:
        db.session.rollback()
    except Exception:
        discard_connection()


def install_session_hooks() -> None:
    """Listen on every session; idempotent."""
    from sqlalchemy import event

    if not event.contains(Session, "after_commit", _savepoint_committed):
        event.listen(Session, "after_commit", _savepoint_committed)
        event.listen(Session, "after_transaction_end", _transaction_ended)


__all__ = ["celery_init_app", "discard_connection", "enqueue_after_commit", "install_session_hooks", "recover_session"]
