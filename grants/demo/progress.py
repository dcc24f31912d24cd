"""The demo's progress report: compiled once the rest of the story is in place, so that a newcomer
finds a report to read and download."""

from __future__ import annotations

from grants.extensions import db
from grants.progress.models import CompilationStatus, ProgressCompilation
from grants.progress.services import run_compile


def seed_progress() -> None:
    """Compile the report, unless the demo already has one (seeding again changes nothing)."""
    if db.session.scalar(
        db.select(ProgressCompilation.id).where(ProgressCompilation.status == CompilationStatus.DONE).limit(1)
    ):
        return
    run_compile(trigger="cli")
