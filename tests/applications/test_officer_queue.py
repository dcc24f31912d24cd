"""The programme officer's home: submitted bids waiting for their eligibility check."""

from __future__ import annotations

from datetime import timedelta

from grants.core.db import utcnow
from tests.factories import RoundFactory, under_review_bid
from tests.work_queues import home_queue

KEY = "applications.eligibility"


def _submitted(db, round_, title, minutes_ago=0):
    bid = under_review_bid(round_, title=title)
    bid.status, bid.submitted_at = "submitted", utcnow() - timedelta(minutes=minutes_ago)
    db.session.commit()
    return bid


def test_submitted_bids_wait_for_their_check_the_earliest_first(db, programme_officer_client):
    round_ = RoundFactory(status="closed")
    later = _submitted(db, round_, "Healthy Harbour", minutes_ago=5)
    earlier = _submitted(db, round_, "Safe at Home", minutes_ago=50)
    under_review_bid(round_, title="Already under review")
    queue = home_queue(programme_officer_client, KEY)
    assert queue.count == 2
    assert f"Check {earlier.reference} Safe at Home" in queue.words and later.reference in queue.words
    assert "Already under review" not in queue.words
    assert f"submitted to {round_.code}" in queue.words
    assert queue.links == [f"/manage/applications/{earlier.id}", f"/manage/applications/{later.id}"]


def test_a_bid_found_ineligible_leaves_the_queue(db, programme_officer_client):
    bid = _submitted(db, RoundFactory(status="closed"), "Healthy Harbour")
    assert home_queue(programme_officer_client, KEY).count == 1
    response = programme_officer_client.post(
        f"/manage/applications/{bid.id}/ineligible", data={"reason": "The lead is not based in England."}
    )
    assert response.status_code == 302
    queue = home_queue(programme_officer_client, KEY)
    assert queue.count == 0 and bid.reference not in queue.words


def test_bids_going_under_review_leave_the_queue(db, programme_officer_client):
    round_ = RoundFactory(status="closed")
    _submitted(db, round_, "Healthy Harbour")
    response = programme_officer_client.post(f"/manage/rounds/{round_.id}/status", data={"target": "assessing"})
    assert response.status_code == 302
    assert home_queue(programme_officer_client, KEY).count == 0


def test_with_no_bid_waiting_the_queue_says_so(db, programme_officer_client):
    queue = home_queue(programme_officer_client, KEY)
    assert queue.count == 0
    assert "No submitted bid is waiting for its eligibility check." in queue.words
