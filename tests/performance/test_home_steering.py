"""Query budgets for the steering group's homes: a member's and a chair's queues run the same number of
statements with 10 items waiting and with 1,000, within their budgets."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import insert

from grants.core.db import utcnow
from grants.core.permissions import Role
from grants.extensions import db
from grants.reviews.kept import keep_round_scores
from grants.reviews.models import Decision, ReviewAssignment, Score
from grants.reviews.queries import round_ranking
from tests.factories import RoundFactory, UserFactory
from tests.fixtures.clients import sign_in_client
from tests.performance import worlds
from tests.performance.test_query_budgets import Measured, statements_of

BUDGETS = {
    "steering_member": 8,  # /: three queues of a count and a list, and the page's own two
    "steering_chair": 8,  # /: decisions (counted by round), disagreements, bids short of reviewers: 2 each
}
SMALL, LARGE = 10, 1_000


def _measure(client, grow) -> Measured:
    grow(SMALL)
    client.get("/")  # warm up: whatever a first request loads once
    small = statements_of(client, "/")
    grow(LARGE - SMALL)
    return Measured(small, statements_of(client, "/"))


def _assert_within_budget(home: str, measured: Measured) -> None:
    small, large = len(measured.small), len(measured.large)
    assert small == large, f"{home}: {small} queries with {SMALL} items waiting, {large} with {LARGE}"
    assert small <= BUDGETS[home], f"{home}: {small} queries, over its budget of {BUDGETS[home]}"


def _assessing_round():
    return RoundFactory(status="assessing", assessment_deadline=date.today() + timedelta(days=30))


def _grow_reviews(round_, reviewer, count: int) -> None:
    """``count`` more bids for the reviewer, a third each to declare, to score, and to look again at."""
    ids = worlds.grow_bids(round_, count)
    statuses = ("assigned", "in_progress", "submitted")
    assignment_ids = db.session.scalars(
        insert(ReviewAssignment).returning(ReviewAssignment.id),
        [
            {
                "application_id": application_id,
                "reviewer_id": reviewer.id,
                "due_on": date.today() + timedelta(days=10),
                "status": statuses[n % 3],
                "submitted_at": utcnow() if statuses[n % 3] == "submitted" else None,
                "look_again_note": "Look at the budget again." if statuses[n % 3] == "submitted" else None,
            }
            for n, application_id in enumerate(ids)
        ],
    ).all()
    db.session.execute(
        insert(Score),
        [
            {"assignment_id": assignment_id, "criterion_id": criterion.id, "value": 3}
            for assignment_id in assignment_ids
            for criterion in round_.criteria
        ],
    )
    keep_round_scores(round_.id)  # as submitting through the service keeps them
    db.session.commit()


def member_home(app) -> tuple[Measured, str]:
    round_ = _assessing_round()
    member = UserFactory(roles=[Role.STEERING_MEMBER])
    client = sign_in_client(app, member)
    measured = _measure(client, lambda count: _grow_reviews(round_, member, count))
    return measured, client.get("/").get_data(as_text=True)


def _grow_assessment(round_, count: int) -> None:
    """``count`` more bids in the round: half scored far apart (0 and the top of the scale) by two
    reviewers each, every other one of those decided; the other half with no reviewer."""
    scored = worlds.grow_bids(round_, count // 2)
    worlds.grow_bids(round_, count - count // 2)
    people = worlds._new(UserFactory, 2)
    assignment_ids = db.session.scalars(
        insert(ReviewAssignment).returning(ReviewAssignment.id, sort_by_parameter_order=True),
        [
            {
                "application_id": application_id,
                "reviewer_id": person.id,
                "due_on": date.today(),
                "status": "submitted",
                "submitted_at": utcnow(),
            }
            for application_id in scored
            for person in people
        ],
    ).all()
    db.session.execute(
        insert(Score),
        [
            {"assignment_id": assignment_id, "criterion_id": criterion.id, "value": criterion.scale_max * (n % 2)}
            for n, assignment_id in enumerate(assignment_ids)
            for criterion in round_.criteria
        ],
    )
    db.session.execute(
        insert(Decision),
        [
            {"application_id": application_id, "outcome": "approved", "rationale": "Agreed."}
            for application_id in scored[::2]
        ],
    )
    keep_round_scores(round_.id)  # as submitting through the service keeps them
    db.session.commit()


def chair_home(app) -> tuple[Measured, str, list]:
    round_ = _assessing_round()
    client = sign_in_client(app, UserFactory(roles=[Role.STEERING_CHAIR]))
    measured = _measure(client, lambda count: _grow_assessment(round_, count))
    return measured, client.get("/").get_data(as_text=True), round_ranking(round_)


def _count(html: str, key: str) -> int:
    section = html[html.index(f'data-queue="{key}"') :]
    return int(re.search(r'data-count="(\d+)"', section).group(1))


def test_a_members_home_runs_a_fixed_number_of_queries(app, db):
    measured, html = member_home(app)
    _assert_within_budget("steering_member", measured)
    for key in ("reviews.conflicts", "reviews.to_score", "reviews.look_again"):
        assert _count(html, key) in (333, 334), key


def test_a_chairs_home_runs_a_fixed_number_of_queries(app, db):
    measured, html, ranking = chair_home(app)
    _assert_within_budget("steering_chair", measured)
    undecided = [a for a in ranking if a.outcome is None]
    assert _count(html, "assessment.decisions") == len(undecided) > 500
    assert _count(html, "assessment.short_of_reviewers") == sum(1 for a in undecided if a.active == 0) == 500
    assert _count(html, "assessment.disagreements") == sum(1 for a in undecided if a.disagreeing) > 200


def test_a_query_for_each_item_is_caught(app, db, monkeypatch):
    """Each item's round loaded as it is shown, rather than in the list's own statement."""
    from grants.reviews import queues
    from grants.rounds.models import Round

    named = queues._named

    def with_a_query_each(row):
        db.session.execute(db.select(Round.code).limit(1))
        return named(row)

    monkeypatch.setattr(queues, "_named", with_a_query_each)
    with pytest.raises(AssertionError, match="steering_member: "):
        _assert_within_budget("steering_member", member_home(app)[0])
