"""The progress report's jobs: a compile asked for from the page, and the weekly compile and digest."""

from __future__ import annotations

import logging

from celery import shared_task

from grants.core import audit
from grants.extensions import db
from grants.progress.compile import compile_progress
from grants.progress.models import CompilationStatus
from grants.progress.services import CompileUnderWay, run_compile, send_digest

log = logging.getLogger(__name__)
BUSY_RETRY_SECONDS = 300


@shared_task(name="progress.compile")
def compile_report(compilation_id: int) -> str:
    """Compile a queued compilation. It commits as it goes; running it twice compiles once."""
    compilation = compile_progress(compilation_id)
    return compilation.status if compilation is not None else "missing"


@shared_task(bind=True, name="progress.weekly_digest", max_retries=12)
def weekly_digest(self) -> int | str:
    """Compile the report and email its figures to the steering group: each person once a week, however
    often this runs. If a compile is under way it tries again in five minutes."""
    try:
        compilation = run_compile(trigger="weekly")
    except CompileUnderWay as refusal:
        db.session.rollback()
        audit.record("progress.compile_refused", refusal.compilation, after={"reason": refusal.message})
        db.session.commit()
        if self.request.is_eager:
            return "busy"
        raise self.retry(countdown=BUSY_RETRY_SECONDS) from None
    if compilation.status != CompilationStatus.DONE:
        log.error("the weekly progress digest was not sent: compilation %s %s", compilation.id, compilation.status)
        return compilation.status
    queued = send_digest(compilation)
    db.session.commit()
    return queued
