"""Assessment forms sent twice (a double click, a browser's resend): the second press changes nothing
more and is sent where the first led, with a message saying what had already happened."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from grants.applications.models import Application
from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from grants.notifications.models import Notification
from grants.reviews.models import ReviewAssignment, Score, ScoreRevision
from tests.factories import (
    RoundFactory,
    UserFactory,
    submitted_review,
    under_review_bid,
)
from tests.fixtures.clients import sign_in_client
from tests.helpers import text


def actions(db, *names) -> list[str]:
    return db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.action.in_(names))).all()


def scores(bid, values):
    data = {"submit_scores": "y"}
    for criterion, value in zip(bid.round.criteria, values, strict=True):
        data[f"value_{criterion.id}"] = str(value)
        data[f"justification_{criterion.id}"] = "Strong partnership."
    return data


def test_no_conflict_declared_twice_is_declared_once_and_saves_no_scores(db, bid, assignment, reviewer):
    path = f"/reviews/{assignment.id}"
    first = reviewer.post(path, data={"has_conflict": "no"})
    again = reviewer.post(path, data={"has_conflict": "no"})
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"] == path
    assert "You have already made your declaration for this bid." in text(reviewer.get(path).get_data(as_text=True))
    assert db.session.scalars(db.select(Score)).all() == []
    assert actions(db, "review.no_conflict_declared", "review.scores_saved") == ["review.no_conflict_declared"]


def test_a_conflict_declared_twice_is_declared_once_and_the_repeat_is_told(db, bid, assignment, reviewer):
    path = f"/reviews/{assignment.id}"
    data = {"has_conflict": "yes", "nature": "I advise the lead organisation."}
    first = reviewer.post(path, data=data)
    again = reviewer.post(path, data=data)
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"] == "/reviews/"
    assert "You have already declared a conflict of interest with this bid" in text(
        reviewer.get("/reviews/").get_data(as_text=True)
    )
    assert actions(db, "review.conflict_declared") == ["review.conflict_declared"]
    assert reviewer.get(path).status_code == 404  # the bid stays out of sight


def test_a_later_conflict_declared_twice_is_declared_once(db, bid, assignment, reviewer):
    reviewer.post(f"/reviews/{assignment.id}", data={"has_conflict": "no"})
    path = f"/reviews/{assignment.id}/conflict"
    first = reviewer.post(path, data={"nature": "My sister joined the partnership."})
    again = reviewer.post(path, data={"nature": "My sister joined the partnership."})
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"] == "/reviews/"
    assert actions(db, "review.conflict_declared") == ["review.conflict_declared"]


def test_a_scores_page_sent_without_either_button_saves_nothing(db, bid, assignment, reviewer):
    reviewer.post(f"/reviews/{assignment.id}", data={"has_conflict": "no"})
    response = reviewer.post(f"/reviews/{assignment.id}", data={})
    assert response.status_code == 200
    assert db.session.scalars(db.select(Score)).all() == []


def test_scores_submitted_twice_are_submitted_once(db, bid, assignment, reviewer):
    path = f"/reviews/{assignment.id}"
    reviewer.post(path, data={"has_conflict": "no"})
    first = reviewer.post(path, data=scores(bid, [4, 3]))
    again = reviewer.post(path, data=scores(bid, [4, 3]))
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"] == "/reviews/"
    assert "These scores had already been submitted." in text(reviewer.get("/reviews/").get_data(as_text=True))
    assert len(db.session.scalars(db.select(ScoreRevision)).all()) == 2  # one per criterion, once
    assert actions(db, "review.scores_submitted") == ["review.scores_submitted"]
    changed = reviewer.post(path, data=scores(bid, [2, 3]))  # a real change is still a new submission
    assert changed.status_code == 302
    assert actions(db, "review.scores_submitted") == ["review.scores_submitted"] * 2


@pytest.fixture
def assessing(db):
    return RoundFactory(code="LV8", status="assessing", assessment_deadline=date.today() + timedelta(days=20))


def test_a_look_again_request_sent_twice_asks_once(app, db, assessing):
    bid = under_review_bid(assessing)
    review = submitted_review(bid, [5, 4])
    chair = sign_in_client(app, UserFactory(roles=[Role.STEERING_CHAIR, Role.STEERING_MEMBER]))
    path = f"/assessment/assignments/{review.id}/look-again"
    first = chair.post(path, data={"note": "Is the citizen voice that strong?"})
    again = chair.post(path, data={"note": "Is the citizen voice that strong?"})
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    page = text(chair.get(again.headers["Location"]).get_data(as_text=True))
    assert f"{review.reviewer.name} had already been asked to look again." in page
    emails = db.session.scalars(db.select(Notification).where(Notification.template == "review_look_again")).all()
    assert len(emails) == 1
    assert actions(db, "review.look_again_requested") == ["review.look_again_requested"]


def test_unassigning_twice_says_the_reviewer_is_already_off_the_bid(db, programme_officer_client, assignment):
    bid_round = assignment.application.round_id
    path = f"/manage/assignments/{assignment.id}/unassign"
    first = programme_officer_client.post(path)
    again = programme_officer_client.post(path)
    assert again.headers["Location"] == first.headers["Location"] == f"/manage/rounds/{bid_round}/reviewers"
    page = text(programme_officer_client.get(again.headers["Location"]).get_data(as_text=True))
    assert f"{assignment.reviewer.name} had already been taken off this bid." in page
    assert "cannot become" not in page
    assert db.session.get(ReviewAssignment, assignment.id).status == "withdrawn"
    assert actions(db, "review.unassigned") == ["review.unassigned"]


def test_marking_a_bid_ineligible_twice_marks_it_once(db, programme_officer_client):
    bid = under_review_bid(RoundFactory(status="closed"))
    bid.status = "submitted"
    db.session.commit()
    path = f"/manage/applications/{bid.id}/ineligible"
    first = programme_officer_client.post(path, data={"reason": "The lead is not based in England."})
    again = programme_officer_client.post(path, data={"reason": "The lead is not based in England."})
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    page = text(programme_officer_client.get(again.headers["Location"]).get_data(as_text=True))
    assert f"{bid.reference} has already been marked ineligible." in page
    assert db.session.get(Application, bid.id).status == "ineligible"
    emails = db.session.scalars(db.select(Notification).where(Notification.template == "application_ineligible"))
    assert len(emails.all()) == 1


def test_a_chairs_conflict_declared_twice_is_declared_once(app, db, assessing):
    bid = under_review_bid(assessing)
    chair = sign_in_client(app, UserFactory(roles=[Role.STEERING_CHAIR, Role.STEERING_MEMBER]))
    path = f"/assessment/applications/{bid.id}/conflict"
    first = chair.post(path, data={"nature": "My sister leads it."})
    again = chair.post(path, data={"nature": "My sister leads it."})
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    page = text(chair.get(again.headers["Location"]).get_data(as_text=True))
    assert f"You have already declared a conflict of interest with {bid.reference}." in page
    assert actions(db, "review.conflict_declared") == ["review.conflict_declared"]
    assert chair.get(f"/assessment/applications/{bid.id}").status_code == 404  # still out of sight
