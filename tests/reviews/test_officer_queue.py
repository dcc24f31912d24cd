"""The programme officer's home: bids under assessment with fewer reviewers than the round's others,
or none at all."""

from __future__ import annotations

from datetime import date, timedelta

from grants.core.permissions import Role
from tests.factories import ReviewAssignmentFactory, RoundFactory, UserFactory, under_review_bid
from tests.work_queues import home_queue

KEY = "reviews.needing_reviewers"


def _assessing():
    return RoundFactory(status="assessing", assessment_deadline=date.today() + timedelta(days=20))


def test_bids_with_fewer_reviewers_than_the_others_or_none_are_listed(db, programme_officer_client):
    round_ = _assessing()
    full = under_review_bid(round_, title="Fully reviewed")
    short = under_review_bid(round_, title="Healthy Harbour")
    none = under_review_bid(round_, title="Safe at Home")
    for _ in range(3):
        ReviewAssignmentFactory(application=full)
    ReviewAssignmentFactory(application=short)
    ReviewAssignmentFactory(application=short, status="conflicted")  # no longer counts
    alone = under_review_bid(_assessing(), title="Alone in its round")  # a round where nobody is assigned yet
    queue = home_queue(programme_officer_client, KEY)
    assert queue.count == 3
    assert f"Find reviewers for {none.reference} Safe at Home No reviewers yet" in queue.words
    assert f"Find reviewers for {short.reference} Healthy Harbour 1 of 3 reviewers" in queue.words
    assert alone.reference in queue.words and "Fully reviewed" not in queue.words
    assert f"/manage/applications/{short.id}/reviewers" in queue.links
    assert "Due " in queue.words


def test_a_bid_given_its_reviewer_leaves_the_queue(db, programme_officer_client):
    bid = under_review_bid(_assessing())
    member = UserFactory(roles=[Role.STEERING_MEMBER])
    assert home_queue(programme_officer_client, KEY).count == 1
    due = date.today() + timedelta(days=14)
    response = programme_officer_client.post(
        f"/manage/applications/{bid.id}/reviewers",
        data={"reviewer_id": member.id, "due_on": [str(due.day), str(due.month), str(due.year)]},
    )
    assert response.status_code == 302
    queue = home_queue(programme_officer_client, KEY)
    assert queue.count == 0 and bid.reference not in queue.words


def test_bids_of_an_open_round_wait_for_it_to_close(db, programme_officer_client):
    under_review_bid(RoundFactory())
    queue = home_queue(programme_officer_client, KEY)
    assert queue.count == 0
    assert "Every bid under assessment has its reviewers." in queue.words
