from celery import shared_task

from grants.extensions import db
from grants.rounds.services import close_due_rounds


@shared_task(name="rounds.close_due")
def close_due() -> list[int]:
    """Mark open rounds whose closing time has passed as closed. (Submissions already stop at the
    closing time whether or not this has run.)"""
    closed = close_due_rounds()
    db.session.commit()
    return closed
