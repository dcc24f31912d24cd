from celery import shared_task

from grants.extensions import db
from grants.projects.ending import start_due_closings


@shared_task(name="projects.start_closings")
def start_closings() -> list[int]:
    """Move active projects whose end date has passed to closing (safe to run again)."""
    moved = start_due_closings()
    db.session.commit()
    return moved
