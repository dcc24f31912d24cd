"""Rules found by review: fresh reads under locks, conflicts for chairs, scores that stay counted."""

from datetime import date, timedelta

import pytest
from sqlalchemy import text as sql

from grants.core.permissions import Role
from grants.reviews import decisions, services
from grants.reviews.models import ConflictDeclaration, Decision, ReviewAssignment
from grants.reviews.queries import round_assessment
from grants.reviews.scores import request_look_again, save_scores
from tests.factories import (
    ReviewAssignmentFactory,
    RoundFactory,
    UserFactory,
    decide,
    submitted_review,
    under_review_bid,
)
from tests.fixtures.clients import sign_in_client
from tests.helpers import error_summary, field_error, text


@pytest.fixture
def round_(db):
    return RoundFactory(
        code="LV8",
        status="assessing",
        places=None,
        budget_pence=5_400_000,
        assessment_deadline=date.today() + timedelta(days=20),
    )


@pytest.fixture
def bids(round_):
    made = [under_review_bid(round_, title=title) for title in ("A", "B", "C")]
    for bid, value in zip(made, (5, 3, 1), strict=True):
        submitted_review(bid, [value, value])
    return made


@pytest.fixture
def chair_user(db):
    return UserFactory(roles=[Role.STEERING_CHAIR, Role.STEERING_MEMBER])


def test_a_decision_is_checked_against_what_was_just_committed(db, round_, bids, chair_user):
    first, second, third = bids
    decide(first, "approved")
    decide(second, "reserve")
    held = round_assessment(round_)  # this session now holds the decisions as they were
    assert [a.decision.outcome for a in held if a.decision] == ["approved", "reserve"]
    db.session.execute(sql("UPDATE decisions SET outcome = 'approved' WHERE application_id = :id"), {"id": second.id})
    with pytest.raises(decisions.DecisionError, match="over the round's budget"):
        decisions.record_decisions(
            round_, [decisions.DecisionRequest(third.id, "approved", "Yes", "x")], actor=chair_user
        )


def test_duplicate_bids_in_one_request_are_refused(db, round_, bids, chair_user):
    with pytest.raises(decisions.DecisionError, match="once"):
        decisions.record_decisions(
            round_, [decisions.DecisionRequest(bids[0].id, "approved", "Yes")] * 2, actor=chair_user
        )


def test_a_bulk_post_naming_a_bid_twice_decides_it_once(db, app, round_, bids, chair_user):
    chair = sign_in_client(app, chair_user)
    response = chair.post(
        f"/assessment/rounds/{round_.id}/bulk",
        data={
            "application_ids": [str(bids[2].id), str(bids[2].id)],
            "outcome": "rejected",
            "rationale": "No",
            "confirmed": "yes",
        },
    )
    assert response.status_code == 302
    assert [d.application_id for d in db.session.scalars(db.select(Decision))] == [bids[2].id]


def test_a_bulk_decision_keeps_the_feedback_written_on_the_bid(db, app, round_, bids, chair_user):
    decide(bids[2], "reserve", feedback="Try again next wave.", feedback_released=True, conditions="None")
    sign_in_client(app, chair_user).post(
        f"/assessment/rounds/{round_.id}/bulk",
        data={"application_ids": [str(bids[2].id)], "outcome": "rejected", "rationale": "Budget", "confirmed": "yes"},
    )
    decision = db.session.scalars(db.select(Decision)).one()
    assert (decision.outcome, decision.feedback, decision.feedback_released) == (
        "rejected",
        "Try again next wave.",
        True,
    )


def test_a_chair_from_the_lead_organisation_neither_sees_nor_decides(db, app, round_, bids):
    insider = UserFactory(roles=[Role.STEERING_CHAIR], organisation=bids[0].lead_organisation)
    client = sign_in_client(app, insider)
    assert client.get(f"/assessment/applications/{bids[0].id}").status_code == 404
    assert (
        client.post(
            f"/assessment/applications/{bids[0].id}", data={"outcome": "approved", "rationale": "Ours"}
        ).status_code
        == 404
    )
    page = text(client.get(f"/assessment/rounds/{round_.id}").get_data(as_text=True))
    assert "Hidden: you have a conflict of interest with this bid" in page and "A ·" not in page
    assert db.session.scalars(db.select(Decision)).all() == []


def test_a_conflict_binds_a_chair_who_is_also_a_programme_officer(db, app, round_, bids):
    both = UserFactory(roles=[Role.STEERING_CHAIR, Role.PROGRAMME_OFFICER])
    db.session.add(
        ConflictDeclaration(
            application_id=bids[1].id, reviewer_id=both.id, has_conflict=True, nature="Friend of the lead"
        )
    )
    db.session.commit()
    assert sign_in_client(app, both).get(f"/assessment/applications/{bids[1].id}").status_code == 404


def test_a_chair_declares_a_conflict_from_the_ranking(db, app, round_, bids, chair_user):
    client = sign_in_client(app, chair_user)
    html = client.post(f"/assessment/applications/{bids[0].id}/conflict", data={"nature": ""}).get_data(as_text=True)
    assert field_error(html, "nature") == "Describe the conflict of interest"
    response = client.post(f"/assessment/applications/{bids[0].id}/conflict", data={"nature": "My sister leads it"})
    assert response.status_code == 302
    assert client.get(f"/assessment/applications/{bids[0].id}").status_code == 404


def test_a_reviewer_asked_again_keeps_their_declaration(db, round_, bids):
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    assignment = ReviewAssignmentFactory(application=bids[0])
    services.declare(assignment, has_conflict=False, nature=None, actor=assignment.reviewer)
    services.unassign(assignment, actor=officer)
    services.assign_reviewer(bids[0], assignment.reviewer, date.today() + timedelta(days=5), actor=officer)
    db.session.refresh(assignment)
    assert assignment.status == "in_progress"


def test_look_again_is_refused_once_scoring_has_closed(db, round_, bids, chair_user):
    assignment = db.session.scalars(
        db.select(ReviewAssignment).where(ReviewAssignment.application_id == bids[0].id)
    ).first()
    round_.assessment_deadline = date.today() - timedelta(days=1)
    db.session.commit()
    with pytest.raises(services.ReviewError, match="closed"):
        request_look_again(assignment, "Again?", actor=chair_user)
    assert assignment.status == "submitted"


def test_submitted_scores_are_not_withdrawn_by_a_draft_or_after_the_round_is_decided(db, round_, bids):
    assignment = db.session.scalars(
        db.select(ReviewAssignment).where(ReviewAssignment.application_id == bids[0].id)
    ).first()
    assignment.status, assignment.submitted_at = "submitted", assignment.submitted_at
    with pytest.raises(services.ReviewError, match="submit your changes"):
        save_scores(assignment, {}, submit=False, actor=assignment.reviewer)
    db.session.rollback()
    round_.status = "decided"
    db.session.commit()
    with pytest.raises(services.ReviewError, match="closed"):
        services.unassign(assignment, actor=UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    db.session.rollback()
    assert db.session.get(ReviewAssignment, assignment.id).status == "submitted"


def test_a_reviewer_can_declare_a_conflict_after_starting_to_score(db, app, round_, bids):
    assignment = ReviewAssignmentFactory(application=bids[1])
    services.declare(assignment, has_conflict=False, nature=None, actor=assignment.reviewer)
    db.session.commit()
    client = sign_in_client(app, assignment.reviewer)
    assert "I have a conflict of interest with this bid" in client.get(f"/reviews/{assignment.id}").get_data(
        as_text=True
    )
    client.post(f"/reviews/{assignment.id}/conflict", data={"nature": "I realised I advise a partner"})
    db.session.refresh(assignment)
    assert assignment.status == "conflicted"
    assert client.get(f"/reviews/{assignment.id}").status_code == 404


def test_reviewers_and_chairs_can_read_the_pledge_letter(db, app, upload_folder, round_, bids, chair_user):
    from grants.documents import storage

    bid = bids[0]
    from grants.documents.models import Document

    document = db.session.scalars(db.select(Document).where(Document.application_id == bid.id)).one()
    stored_name, _ = storage.store_bytes(b"%PDF-1.4 pledge", "pdf")
    document.stored_name = stored_name
    db.session.commit()
    assignment = ReviewAssignmentFactory(application=bid, status="in_progress")
    for client in (sign_in_client(app, assignment.reviewer), sign_in_client(app, chair_user)):
        response = client.get(f"/applications/{bid.id}/documents/{document.id}")
        assert response.status_code == 200 and response.data == b"%PDF-1.4 pledge"
    stranger = sign_in_client(app, UserFactory(roles=[Role.STEERING_MEMBER]))
    assert stranger.get(f"/applications/{bid.id}/documents/{document.id}").status_code == 404


def test_an_empty_look_again_note_is_explained_beside_the_field(db, app, round_, bids, chair_user):
    assignment = db.session.scalars(
        db.select(ReviewAssignment).where(ReviewAssignment.application_id == bids[0].id)
    ).first()
    response = sign_in_client(app, chair_user).post(
        f"/assessment/assignments/{assignment.id}/look-again", data={"note": " "}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error_summary(html) == ["Say what you would like the reviewer to look at again"]
    assert f'href="#note-{assignment.id}"' in html and f'id="note-{assignment.id}-error"' in html


def test_a_bid_asking_for_less_than_1000_pounds_cannot_be_submitted(db):
    from grants.applications.services import submission_problems
    from tests.factories import ApplicationFactory, complete_bid

    bid = complete_bid(ApplicationFactory())
    bid.amount_requested_pence = 2
    assert "The amount requested must be at least £1,000.00" in [p.message for p in submission_problems(bid)]


def test_an_organisation_in_a_partnership_is_a_conflict_for_its_chair(db, round_, bids):
    from grants.reviews.queries import conflicted_application_ids

    partner_org = bids[2].partners[0].organisation
    chair = UserFactory(roles=[Role.STEERING_CHAIR], organisation=partner_org)
    assert conflicted_application_ids(chair) == {bids[2].id}
