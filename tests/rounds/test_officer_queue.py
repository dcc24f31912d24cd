"""The programme officer's home: open rounds closing in the next two weeks, with their closing time."""

from __future__ import annotations

from datetime import timedelta

from grants.core.db import utcnow
from grants.core.times import format_datetime
from tests.factories import RoundFactory
from tests.work_queues import home_queue

KEY = "rounds.closing_soon"


def test_open_rounds_closing_within_two_weeks_are_listed_until_they_close(db, programme_officer_client):
    soon = RoundFactory(title="Closing this week", closes_at=utcnow() + timedelta(days=5))
    sooner = RoundFactory(title="Closing tomorrow", closes_at=utcnow() + timedelta(days=1))
    RoundFactory(title="Closing next month", closes_at=utcnow() + timedelta(days=30))
    RoundFactory(title="Still a draft", status="draft", closes_at=utcnow() + timedelta(days=3))
    queue = home_queue(programme_officer_client, KEY)
    assert queue.count == 2
    assert queue.links == [f"/manage/rounds/{sooner.id}", f"/manage/rounds/{soon.id}"]
    assert f"{soon.code}: Closing this week Closes to bids {format_datetime(soon.closes_at)}" in queue.words
    assert "Closing next month" not in queue.words and "Still a draft" not in queue.words
    response = programme_officer_client.post(f"/manage/rounds/{soon.id}/status", data={"target": "closed"})
    assert response.status_code == 302
    queue = home_queue(programme_officer_client, KEY)
    assert queue.count == 1 and "Closing this week" not in queue.words


def test_with_no_round_closing_soon_the_queue_says_so(db, programme_officer_client):
    RoundFactory(closes_at=utcnow() + timedelta(days=30))
    queue = home_queue(programme_officer_client, KEY)
    assert queue.count == 0 and "No open round closes in the next two weeks." in queue.words
