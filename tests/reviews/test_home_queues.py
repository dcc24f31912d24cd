"""The steering group's home: a member's declarations, scores and requests to look again; a chair's
disagreements, bids short of reviewers and decisions. Each item leaves once its work is done."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from grants.core.permissions import Role
from grants.reviews import queues
from grants.reviews.models import ConflictDeclaration
from tests.factories import (
    ReviewAssignmentFactory,
    RoundFactory,
    UserFactory,
    decide,
    submitted_review,
    under_review_bid,
)
from tests.fixtures.clients import sign_in_client
from tests.helpers import text


def queue(client, key: str) -> tuple[int, str]:
    """The count a queue on the home page shows, and its words."""
    html = client.get("/").get_data(as_text=True)
    found = re.search(rf'<section[^>]*data-queue="{re.escape(key)}".*?</section>', html, flags=re.S)
    assert found, f"no queue {key} on the home page"
    count = re.search(r'data-count="(\d+)"', found.group(0))
    return int(count.group(1)), text(found.group(0))


def scores(bid, values):
    data = {"submit_scores": "y"}
    for criterion, value in zip(bid.round.criteria, values, strict=True):
        data[f"value_{criterion.id}"] = str(value)
        data[f"justification_{criterion.id}"] = "Strong partnership."
    return data


@pytest.fixture
def round_(db):
    return RoundFactory(code="LV7", status="assessing", assessment_deadline=date.today() + timedelta(days=20))


@pytest.fixture
def member(app, db):
    return sign_in_client(app, UserFactory(roles=[Role.STEERING_MEMBER]))


@pytest.fixture
def chair(app, db):
    return sign_in_client(app, UserFactory(roles=[Role.STEERING_CHAIR]))


# --- A steering member --------------------------------------------------------------------------------------


def test_a_declaration_waits_with_the_deadline_and_leaves_once_made(db, round_, member):
    bids = [under_review_bid(round_, title=f"Bid {n}") for n in range(2)]
    first, second = (ReviewAssignmentFactory(application=bid, reviewer=member.user) for bid in bids)
    count, words = queue(member, "reviews.conflicts")
    assert count == 2
    assert f"Declare any conflict of interest with {bids[0].reference}" in words
    assert "Due " + round_.assessment_deadline.strftime("%-d %B %Y") in words
    assert f'href="/reviews/{first.id}"' in member.get("/").get_data(as_text=True)

    member.post(f"/reviews/{first.id}", data={"has_conflict": "no"})
    count, words = queue(member, "reviews.conflicts")
    assert count == 1 and bids[0].reference not in words and bids[1].reference in words
    count, words = queue(member, "reviews.to_score")
    assert count == 1 and f"Score {bids[0].reference} Bid 0" in words

    member.post(f"/reviews/{second.id}", data={"has_conflict": "yes", "nature": "I advise them."})
    count, words = queue(member, "reviews.conflicts")
    assert count == 0 and "You have no declarations to make." in words


def test_a_review_leaves_the_queue_once_its_scores_are_submitted(db, round_, member):
    bid = under_review_bid(round_, title="Healthy Harbour")
    assignment = ReviewAssignmentFactory(application=bid, reviewer=member.user, status="in_progress")
    count, words = queue(member, "reviews.to_score")
    assert count == 1 and f"Score {bid.reference} Healthy Harbour" in words

    member.post(f"/reviews/{assignment.id}", data=scores(bid, [4, 3]))
    count, words = queue(member, "reviews.to_score")
    assert count == 0 and "You have no bids to score right now." in words


def test_a_review_past_its_due_date_says_it_is_overdue(db, member):
    round_ = RoundFactory(status="assessing", assessment_deadline=None)
    bid = under_review_bid(round_)
    ReviewAssignmentFactory(application=bid, reviewer=member.user, due_on=date.today() - timedelta(days=3))
    _, words = queue(member, "reviews.conflicts")
    assert "Overdue since" in words


def test_a_review_whose_scoring_has_closed_is_not_asked_for(db, member):
    round_ = RoundFactory(status="assessing", assessment_deadline=date.today() - timedelta(days=2))
    ReviewAssignmentFactory(application=under_review_bid(round_), reviewer=member.user, status="in_progress")
    assert queue(member, "reviews.to_score")[0] == 0


def test_a_request_to_look_again_waits_with_the_chairs_note_until_new_scores_are_submitted(db, app, round_, member):
    bid = under_review_bid(round_, title="Healthy Harbour")
    assignment = submitted_review(bid, [5, 0], reviewer=member.user)
    submitted_review(bid, [1, 0])
    chair = sign_in_client(app, UserFactory(roles=[Role.STEERING_CHAIR]))
    assert queue(member, "reviews.look_again")[0] == 0
    chair.post(f"/assessment/assignments/{assignment.id}/look-again", data={"note": "Is the partnership that strong?"})

    count, words = queue(member, "reviews.look_again")
    assert count == 1
    assert f"Look again at your scores for {bid.reference} Healthy Harbour" in words
    assert "The chair asks: Is the partnership that strong?" in words

    member.post(f"/reviews/{assignment.id}", data=scores(bid, [3, 0]))
    count, words = queue(member, "reviews.look_again")
    assert count == 0 and "No chair has asked you to look again at your scores." in words


def test_a_member_sees_only_their_own_reviews(db, round_, member):
    ReviewAssignmentFactory(application=under_review_bid(round_))
    assert queue(member, "reviews.conflicts")[0] == 0


# --- A steering group chair --------------------------------------------------------------------------------


def test_a_disagreement_waits_for_the_chair_until_a_reviewer_is_asked_to_look_again(db, round_, chair):
    calm = under_review_bid(round_, title="Calm")
    split = under_review_bid(round_, title="Split")
    submitted_review(calm, [4, 3])
    submitted_review(calm, [3, 3])
    far = submitted_review(split, [5, 4])
    submitted_review(split, [1, 4])

    count, words = queue(chair, "assessment.disagreements")
    assert count == 1
    assert f"Moderate {split.reference} Split" in words and "far apart on 1 criterion" in words
    assert calm.reference not in words

    chair.post(f"/assessment/assignments/{far.id}/look-again", data={"note": "Look at the partners again."})
    count, words = queue(chair, "assessment.disagreements")
    assert count == 0 and "No bid has reviewers' scores far enough apart to moderate." in words


def test_the_disagreements_are_those_kept_with_the_bids_weighted_scores(db, round_, chair):
    """The queue reads each bid's kept figures (``flask figures check`` holds them to the scores), as the
    ranking does, rather than adding up every score of the round again."""
    from grants.reviews.models import BidScore

    calm = under_review_bid(round_, title="Calm")
    submitted_review(calm, [4, 3])
    submitted_review(calm, [3, 3])
    assert queue(chair, "assessment.disagreements")[0] == 0

    db.session.execute(db.update(BidScore).where(BidScore.application_id == calm.id).values(disagreements=2))
    db.session.commit()
    count, words = queue(chair, "assessment.disagreements")
    assert count == 1 and f"Moderate {calm.reference} Calm" in words and "far apart on 2 criteria" in words


def test_a_disagreement_leaves_once_the_bid_is_decided(db, round_, chair):
    split = under_review_bid(round_, title="Split")
    submitted_review(split, [5, 5])
    submitted_review(split, [0, 0])
    assert queue(chair, "assessment.disagreements")[1].count("far apart on 2 criteria") == 1

    chair.post(f"/assessment/applications/{split.id}", data={"outcome": "rejected", "rationale": "Agreed."})
    assert queue(chair, "assessment.disagreements")[0] == 0


def test_bids_short_of_reviewers_are_listed_fewest_first(db, round_, chair):
    full, short, none = (under_review_bid(round_, title=title) for title in ("Full", "Short", "None"))
    for _ in range(3):
        ReviewAssignmentFactory(application=full)
    ReviewAssignmentFactory(application=short)
    count, words = queue(chair, "assessment.short_of_reviewers")
    assert count == 2
    assert words.index(f"{none.reference} None") < words.index(f"{short.reference} Short")
    assert "No reviewers yet" in words and "1 active reviewer; the others in its round have 3" in words
    assert full.reference not in words

    for _ in range(2):
        ReviewAssignmentFactory(application=short)
    for _ in range(3):
        ReviewAssignmentFactory(application=none)
    count, words = queue(chair, "assessment.short_of_reviewers")
    assert count == 0 and "Every bid has enough reviewers." in words


def test_decisions_still_needed_then_the_round_can_be_decided(db, round_, chair):
    bids = [under_review_bid(round_, title=f"Bid {n}") for n in range(3)]
    count, words = queue(chair, "assessment.decisions")
    assert count == 3 and "3 bids still need a decision." in words
    assert f"Decide {bids[0].reference} Bid 0" in words

    for bid in bids:
        chair.post(f"/assessment/applications/{bid.id}", data={"outcome": "rejected", "rationale": "Agreed."})
    count, words = queue(chair, "assessment.decisions")
    assert count == 1
    assert "All 3 bids have decisions: the round can be decided." in words
    assert "Confirm the decisions for round LV7" in words
    assert f'href="/assessment/rounds/{round_.id}/apply"' in chair.get("/").get_data(as_text=True)

    chair.post(f"/assessment/rounds/{round_.id}/apply")
    count, words = queue(chair, "assessment.decisions")
    assert count == 0 and "No round is waiting for your decisions." in words


def test_a_chair_is_not_asked_about_bids_they_have_a_conflict_with(db, round_, chair):
    mine, theirs = under_review_bid(round_, title="Mine"), under_review_bid(round_, title="Theirs")
    declared = ConflictDeclaration(application_id=theirs.id, reviewer_id=chair.user.id, has_conflict=True, nature="x")
    db.session.add(declared)
    for bid in (mine, theirs):
        submitted_review(bid, [5, 5])
        submitted_review(bid, [0, 0])
    well_reviewed = under_review_bid(round_, title="Well reviewed")
    for _ in range(3):
        ReviewAssignmentFactory(application=well_reviewed)
    db.session.commit()
    for key, expected in (
        ("assessment.disagreements", 1),
        ("assessment.short_of_reviewers", 1),
        ("assessment.decisions", 2),
    ):
        count, words = queue(chair, key)
        assert theirs.reference not in words, key
        assert mine.reference in words and count == expected, key
    assert "3 bids still need a decision." in queue(chair, "assessment.decisions")[1]


def test_several_rounds_are_each_summed_up(db, app):
    """Each round's line says whether it can be decided."""
    chair = UserFactory(roles=[Role.STEERING_CHAIR])
    first = RoundFactory(code="LV8", status="assessing")
    second = RoundFactory(code="LV9", status="assessing")
    under_review_bid(first)
    decided = under_review_bid(second)
    decide(decided, "approved")
    with app.test_request_context():
        built = queues.decisions_needed(chair)
    assert built.summary == (
        "Round LV8: 1 bid still needs a decision. Round LV9: the bid has a decision: the round can be decided."
    )
