from celery import shared_task

from grants.extensions import db
from grants.reminders.sweep import run_reminders


@shared_task(name="reminders.run")
def run() -> dict[str, int]:
    """Queue every reminder that is due (Celery beat runs this every few minutes; safe to run again)."""
    counts = run_reminders()
    db.session.commit()
    return counts
