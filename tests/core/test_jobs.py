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


def test_a_savepoint_that_fails_inside_the_change_keeps_the_work_already_queued(db):
    CALLS.clear()
    enqueue_after_commit(record_call, 3)
    try:
        with db.session.begin_nested():
            audit.record("thing.happened", object_type="thing", object_id=3)
            raise ValueError("inner step refused")
    except ValueError:
        pass
    db.session.commit()
    assert CALLS == [3]


def test_a_released_savepoint_sends_nothing_until_the_outermost_commit(db):
    CALLS.clear()
    enqueue_after_commit(record_call, 4)
    with db.session.begin_nested():
        enqueue_after_commit(record_call, 5)
    with db.session.begin_nested():
        audit.record("thing.happened", object_type="thing", object_id=4)
    assert CALLS == [], "released savepoints are not the commit"
    db.session.commit()
    assert CALLS == [4, 5]
    db.session.commit()
    assert CALLS == [4, 5], "sent once"


def test_a_rolled_back_savepoint_drops_only_what_was_queued_inside_it(db):
    CALLS.clear()
    enqueue_after_commit(record_call, 6)
    try:
        with db.session.begin_nested():
            enqueue_after_commit(record_call, 7)
            with db.session.begin_nested():
                enqueue_after_commit(record_call, 8)  # released into the savepoint that then fails
            raise ValueError("inner step refused")
    except ValueError:
        pass
    with db.session.begin_nested():
        enqueue_after_commit(record_call, 9)
    db.session.commit()
    assert CALLS == [6, 9]


def test_work_queued_before_anything_was_written_goes_with_the_transaction_it_began(db):
    CALLS.clear()
    db.session.commit()
    enqueue_after_commit(record_call, 10)
    db.session.rollback()
    db.session.commit()
    assert CALLS == []
