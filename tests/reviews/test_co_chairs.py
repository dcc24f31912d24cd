"""Co-chairs: any chair without a conflict with a bid decides it, moderates it and can make the round's
decisions take effect; when every chair has a conflict with a bid, the pages say so and what to do."""

from datetime import date, timedelta

import pytest

from grants.core.errors import PermissionDenied
from grants.core.permissions import Role
from grants.reviews.models import ConflictDeclaration, Decision, ReviewAssignment
from grants.reviews.scores import request_look_again
from grants.rounds.models import Round
from tests.factories import RoundFactory, UserFactory, decide, submitted_review, under_review_bid
from tests.fixtures.clients import sign_in_client
from tests.helpers import text

ADVICE = "An administrator can give the steering group chair role to a member who has no conflict with it"


@pytest.fixture
def round_(db):
    return RoundFactory(
        code="LV6",
        status="assessing",
        places=2,
        budget_pence=5_400_000,
        assessment_deadline=date.today() + timedelta(20),
    )


@pytest.fixture
def bids(round_):
    strong, weak = (under_review_bid(round_, title=title) for title in ("Strong", "Weak"))
    for bid, values in ((strong, [5, 4]), (weak, [2, 1])):
        submitted_review(bid, values)
    return strong, weak


def a_chair(app, name):
    return sign_in_client(app, UserFactory(roles=[Role.STEERING_CHAIR, Role.STEERING_MEMBER], name=name))


@pytest.fixture
def chairs(app, db):
    return a_chair(app, "Chair Conflicted"), a_chair(app, "Chair Free")


def declare(db, client, bid):
    db.session.add(
        ConflictDeclaration(application_id=bid.id, reviewer_id=client.user.id, has_conflict=True, nature="Trustee")
    )
    db.session.commit()


def decide_through_page(client, bid, outcome="approved"):
    return client.post(
        f"/assessment/applications/{bid.id}", data={"outcome": outcome, "rationale": "The steering group agreed."}
    )


def bulk(client, round_, bids, outcome="rejected", **extra):
    return client.post(
        f"/assessment/rounds/{round_.id}/bulk",
        data={"application_ids": [str(b.id) for b in bids], "outcome": outcome, "rationale": "Agreed.", **extra},
    )


def test_the_chair_without_a_conflict_decides_the_bid_the_other_cannot(db, round_, bids, chairs):
    strong, weak = bids
    conflicted, free = chairs
    declare(db, conflicted, strong)
    assert decide_through_page(conflicted, strong).status_code == 404
    refused = bulk(conflicted, round_, [strong, weak], confirmed="yes")
    assert refused.status_code == 403 and "another chair decides it" in text(refused.get_data(as_text=True))
    assert db.session.scalars(db.select(Decision)).all() == []
    # Only one chair in two has a conflict: nothing says the bid cannot be decided.
    assert "No chair can decide" not in text(free.get(f"/assessment/rounds/{round_.id}").get_data(as_text=True))

    assert decide_through_page(free, strong).status_code == 302
    assert bulk(conflicted, round_, [weak], confirmed="yes").status_code == 302
    decisions = {d.application_id: d for d in db.session.scalars(db.select(Decision))}
    assert (decisions[strong.id].decided_by_id, decisions[weak.id].decided_by_id) == (free.user.id, conflicted.user.id)
    # Either chair can then make the round's decisions take effect.
    assert conflicted.post(f"/assessment/rounds/{round_.id}/apply").status_code == 302
    assert db.session.get(Round, round_.id).status == "decided"


def test_a_conflicted_chair_cannot_ask_a_reviewer_to_look_again(db, round_, bids, chairs):
    strong, _ = bids
    conflicted, free = chairs
    declare(db, conflicted, strong)
    assignment = db.session.scalars(
        db.select(ReviewAssignment).where(ReviewAssignment.application_id == strong.id)
    ).one()
    with pytest.raises(PermissionDenied):
        request_look_again(assignment, "Look at the budget.", actor=conflicted.user)
    db.session.rollback()
    request_look_again(assignment, "Look at the budget.", actor=free.user)
    assert assignment.look_again_note == "Look at the budget."


def test_when_every_chair_has_a_conflict_the_pages_say_so_and_what_to_do(
    db, app, round_, bids, chairs, programme_officer_client
):
    strong, weak = bids
    conflicted, other = chairs
    declare(db, conflicted, strong)
    declare(db, other, strong)
    decide(weak, "rejected")
    expected = f"No chair can decide {strong.reference}: every steering group chair has a conflict of interest"
    for client in (conflicted, other, programme_officer_client):
        page = text(client.get(f"/assessment/rounds/{round_.id}").get_data(as_text=True))
        assert expected in page and ADVICE in page
    officer_view = text(programme_officer_client.get(f"/assessment/applications/{strong.id}").get_data(as_text=True))
    assert expected in officer_view
    apply_page = text(other.get(f"/assessment/rounds/{round_.id}/apply").get_data(as_text=True))
    assert "1 bid still needs a decision" in apply_page and expected in apply_page
    refused = text(other.post(f"/assessment/rounds/{round_.id}/apply", follow_redirects=True).get_data(as_text=True))
    assert "1 bid still needs a decision" in refused and ADVICE in refused
    assert db.session.get(Round, round_.id).status == "assessing"

    # An administrator makes a member without a conflict a chair; they decide it and the round is decided.
    member = a_chair(app, "New Chair")
    assert "No chair can decide" not in text(other.get(f"/assessment/rounds/{round_.id}").get_data(as_text=True))
    assert decide_through_page(member, strong).status_code == 302
    assert other.post(f"/assessment/rounds/{round_.id}/apply").status_code == 302
    assert db.session.get(Round, round_.id).status == "decided"


def test_a_chair_from_the_bids_own_organisation_counts_as_conflicted(db, round_, bids, chairs):
    strong, _ = bids
    conflicted, other = chairs
    declare(db, conflicted, strong)
    other.user.organisation_id = strong.lead_organisation_id
    db.session.commit()
    page = text(conflicted.get(f"/assessment/rounds/{round_.id}").get_data(as_text=True))
    assert f"No chair can decide {strong.reference}" in page


def test_the_round_cannot_take_effect_while_no_chair_can_decide_a_bid(db, round_, bids, chairs):
    strong, weak = bids
    for client in chairs:
        declare(db, client, strong)
    decide(weak, "rejected")
    response = chairs[0].post(f"/assessment/rounds/{round_.id}/apply", follow_redirects=True)
    page = text(response.get_data(as_text=True))
    assert "1 bid still needs a decision, starting with" in page and ADVICE in page
    assert db.session.get(Round, round_.id).status == "assessing"


def test_the_last_chair_to_declare_a_conflict_is_told_no_chair_can_decide(db, round_, bids, chairs):
    strong, _ = bids
    first, last = chairs
    response = first.post(f"/assessment/applications/{strong.id}/conflict", data={"nature": "Trustee"})
    assert "another chair decides it" in text(first.get(response.headers["Location"]).get_data(as_text=True))
    response = last.post(f"/assessment/applications/{strong.id}/conflict", data={"nature": "Former employer"})
    page = text(last.get(response.headers["Location"]).get_data(as_text=True))
    assert f"No chair can decide {strong.reference}" in page and ADVICE in page
