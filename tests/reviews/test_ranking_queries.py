"""The ranking is worked out by the database: the whole round, a page of it and one bid agree on each
bid's rank and running total, and the round's counts are those of its ranking."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from grants.core.permissions import Role
from grants.reviews import queries
from grants.reviews.models import ConflictDeclaration
from tests.factories import RoundFactory, UserFactory, decide, submitted_review, under_review_bid

SCORES = {"Strong": [5, 5], "Good": [5, 4], "Middling": [3, 3], "Twin": [3, 3], "Weak": [2, 1]}


@pytest.fixture
def round_(db):
    return RoundFactory(
        code="LV7",
        status="assessing",
        places=2,
        budget_pence=5_400_000,
        assessment_deadline=date.today() + timedelta(20),
    )


@pytest.fixture
def bids(round_):
    """Five bids scored (two of them alike), two not yet scored; two approved, one rejected."""
    bids = {title: under_review_bid(round_, title=title) for title in ("Unscored", *SCORES, "Also unscored")}
    for title, values in SCORES.items():
        submitted_review(bids[title], values)
    decide(bids["Strong"], "approved")
    decide(bids["Good"], "approved")
    decide(bids["Weak"], "rejected")
    return bids


def _row(assessment):
    return (
        assessment.application_id,
        assessment.rank,
        assessment.running_total_pence,
        assessment.weighted,
        assessment.submitted,
        assessment.active,
        assessment.outcome,
    )


def test_the_round_is_ranked_by_weighted_score_then_reference_with_unscored_bids_last(round_, bids):
    ranking = queries.round_ranking(round_)
    by_id = {bid.id: title for title, bid in bids.items()}
    # Middling and Twin score alike: the earlier reference first. The unscored bids last, unranked.
    assert [by_id[a.application_id] for a in ranking] == [
        "Strong",
        "Good",
        "Middling",
        "Twin",
        "Weak",
        "Unscored",
        "Also unscored",
    ]
    assert [a.rank for a in ranking] == [1, 2, 3, 4, 5, None, None]
    costs = [a.cost_pence for a in ranking]
    assert [a.running_total_pence for a in ranking] == [sum(costs[: n + 1]) for n in range(len(costs))]
    assert all(isinstance(a.running_total_pence, int) for a in ranking)


@pytest.mark.parametrize("per_page", [1, 2, 3, 7, 50])
def test_each_page_of_the_ranking_is_the_whole_ranking_cut_at_its_place(round_, bids, per_page):
    whole = [_row(a) for a in queries.round_ranking(round_)]
    pages = [
        [_row(a) for a in queries.ranking_slice(round_, offset, per_page)] for offset in range(0, len(whole), per_page)
    ]
    assert [row for page in pages for row in page] == whole
    assert all(len(page) == per_page for page in pages[:-1])


def test_one_bids_place_is_its_place_in_the_whole_ranking(round_, bids):
    for assessment in queries.round_ranking(round_):
        assert _row(queries.bid_ranking(round_, assessment.application_id)) == _row(assessment)
    assert queries.bid_ranking(RoundFactory(), bids["Strong"].id) is None


def test_the_round_is_counted_as_its_ranking_counts(round_, bids):
    figures = queries.ranking_figures(round_)
    ranking = queries.round_ranking(round_)
    approved = [a for a in ranking if a.outcome == "approved" and not a.given_up]
    assert figures == queries.RankingFigures(
        bids=len(ranking),
        undecided=sum(1 for a in ranking if a.status == "under_review" and a.outcome is None),
        reserves=sum(1 for a in ranking if a.status == "reserve"),
        approved=len(approved),
        approved_pence=sum(a.cost_pence for a in approved),
    )
    assert (figures.bids, figures.undecided, figures.approved) == (7, 4, 2)
    assert figures.approved_pence == bids["Strong"].amount_requested_pence + bids["Good"].amount_requested_pence


def test_a_round_with_nothing_approved_has_an_empty_balance_as_counting_it_would_give(round_, bids, db):
    assert queries.selected_balance(RoundFactory()) == queries.empty_balance()
    balance = queries.selected_balance(round_)
    assert sum(balance["sector"].values()) == 2


def _chair(db):
    return UserFactory(roles=[Role.STEERING_CHAIR, Role.STEERING_MEMBER])


def _conflict(db, chair, bid):
    db.session.add(
        ConflictDeclaration(application_id=bid.id, reviewer_id=chair.id, has_conflict=True, nature="Trustee")
    )
    db.session.commit()


def test_with_no_chair_no_undecided_bid_can_be_decided(db, round_, bids):
    undecided = sorted(bids[title].reference for title in ("Middling", "Twin", "Unscored", "Also unscored"))
    assert queries.undecided_no_chair_can_decide(round_) == undecided


def test_only_undecided_bids_every_chair_has_a_conflict_with_cannot_be_decided(db, round_, bids):
    first, second = _chair(db), _chair(db)
    assert queries.undecided_no_chair_can_decide(round_) == []
    for chair in (first, second):
        _conflict(db, chair, bids["Twin"])  # undecided: nobody can decide it
        _conflict(db, chair, bids["Strong"])  # decided already
    _conflict(db, first, bids["Middling"])  # the second chair can decide it
    assert queries.undecided_no_chair_can_decide(round_) == [bids["Twin"].reference]
    assert queries.undecided_no_chair_can_decide(round_) == sorted(
        reference
        for application_id, reference in queries.undecided_bids(round_).items()
        if application_id in queries.no_chair_can_decide(queries.undecided_bids(round_), round_id=round_.id)
    )
