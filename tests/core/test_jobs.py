from celery import shared_task

from grants.core import audit
from grants.core.jobs import enqueue_after_commit

CALLS: list[int] = []


@shared_task(name="tests.record_call")
def record_call(value: int) -> None:
    CALLS.append(value)


def test_work_is_sent_only_after_the_commit(db):
    CALLS.clear()
    audit.record("thing.happened", object_type="thing", object_id=1)
    enqueue_after_commit(record_call, 1)
    db.session.flush()
    assert CALLS == []
    db.session.commit()
    assert CALLS == [1]


def test_work_is_dropped_when_the_change_rolls_back(db):
    CALLS.clear()
    audit.record("thing.happened", object_type="thing", object_id=2)
    enqueue_after_commit(record_call, 2)
    db.session.rollback()
    db.session.commit()
    assert CALLS == []
