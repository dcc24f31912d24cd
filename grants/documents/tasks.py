from celery import shared_task

from grants.documents.services import sweep_orphans
from grants.extensions import db


@shared_task(name="documents.sweep_orphans")
def sweep() -> int:
    """Remove files left behind by killed processes (beat runs this daily; safe to run again)."""
    removed = sweep_orphans()
    db.session.commit()
    return len(removed)
