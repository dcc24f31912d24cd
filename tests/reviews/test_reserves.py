"""After the round's decisions have taken effect, a chair approves a bid from the reserve list: within
the round's budget and places, the highest-ranked reserve first unless the chair says why; it becomes
a project and its applicant and partners get the approval letter. Nothing changes when refused."""

from datetime import date, timedelta

import pytest

from grants.applications.models import Application
from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from grants.notifications.models import Notification
from grants.projects.models import Project
from grants.reviews.models import ConflictDeclaration, Decision
from tests.factories import RoundFactory, UserFactory, decide, submitted_review, under_review_bid
from tests.fixtures.clients import sign_in_client
from tests.helpers import error_summary, field_error, text


@pytest.fixture
def round_(db):
    # Three places of up to £27,000: a budget of £81,000.
    return RoundFactory(
        code="LV8",
        status="assessing",
        places=3,
        budget_pence=8_100_000,
        assessment_deadline=date.today() + timedelta(days=20),
    )


@pytest.fixture
def decided(db, app, round_):
    """Four bids ranked strong, good, middling, weak: two approved, two on the reserve list, and the
    decisions in effect (one place and £27,000 left)."""
    bids = [under_review_bid(round_, title=title) for title in ("Strong", "Good", "Middling", "Weak")]
    for bid, values in zip(bids, ([5, 5], [5, 4], [3, 3], [2, 1]), strict=True):
        submitted_review(bid, values)
    for bid, outcome in zip(bids, ("approved", "approved", "reserve", "reserve"), strict=True):
        decide(bid, outcome, feedback="A strong bid that narrowly missed.", feedback_released=True)
    chair = sign_in_client(app, UserFactory(roles=[Role.STEERING_CHAIR, Role.STEERING_MEMBER]))
    assert chair.post(f"/assessment/rounds/{round_.id}/apply").status_code == 302
    return bids, chair


def approve(client, round_, bid, **extra):
    data = {"application_id": str(bid.id), "rationale": "Budget left after the decisions.", **extra}
    return client.post(f"/assessment/rounds/{round_.id}/reserves", data=data)


def projects_of(db, bid) -> list[Project]:
    return db.session.scalars(db.select(Project).where(Project.application_id == bid.id)).all()


def test_the_chair_approves_the_top_reserve_and_it_becomes_a_project(db, round_, decided):
    (strong, good, middling, weak), chair = decided
    page = text(chair.get(f"/assessment/rounds/{round_.id}").get_data(as_text=True))
    assert "Approve a bid from the reserve list" in page
    page = text(chair.get(f"/assessment/rounds/{round_.id}/reserves").get_data(as_text=True))
    assert page.index(middling.reference) < page.index(weak.reference)
    assert "2 projects of 3 places" in page and "£54,000 of £81,000" in page

    response = approve(chair, round_, middling, conditions="Confirm the board's match funding by March.")
    assert response.status_code == 302 and response.headers["Location"] == f"/assessment/rounds/{round_.id}"
    db.session.expire_all()
    assert db.session.get(Application, middling.id).status == "approved"
    [project] = projects_of(db, middling)
    assert (project.status, project.award_pence) == ("setup", 2_700_000)
    decision = db.session.scalar(db.select(Decision).where(Decision.application_id == middling.id))
    assert (decision.outcome, decision.rationale) == ("approved", "Budget left after the decisions.")
    assert (decision.conditions, decision.feedback_released) == ("Confirm the board's match funding by March.", False)
    [event] = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "decision.reserve_approved"))
    assert event.before["outcome"] == "reserve" and event.after["outcome"] == "approved"
    letters = db.session.scalars(
        db.select(Notification).where(
            Notification.template == "decision_approved", Notification.dedupe_key.like(f"decision:{middling.id}:%")
        )
    ).all()
    assert len(letters) == 2  # the lead and the confirmed partner, though each had the reserve letter
    assert all(
        "narrowly missed" not in letter.body_text and "match funding by March" in letter.body_text for letter in letters
    )
    assert db.session.get(Application, weak.id).status == "reserve"

    # The round is now full: the last reserve cannot be approved.
    html = approve(chair, round_, weak, rank_override_reason="x").get_data(as_text=True)
    assert field_error(html, "application_id") == (
        "These decisions would approve 4 projects costing £108,000.00: £27,000.00 over the round's budget of "
        "£81,000.00, and 1 more than the round's 3 places."
    )
    assert projects_of(db, weak) == [] and db.session.get(Application, weak.id).status == "reserve"


def test_passing_over_a_higher_ranked_reserve_asks_why(db, round_, decided):
    (strong, good, middling, weak), chair = decided
    response = approve(chair, round_, weak)
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "rank_override_reason") == (
        f"{weak.reference} is ranked below {middling.reference} on the reserve list. "
        "Say why it should be approved ahead of them."
    )
    assert projects_of(db, weak) == []
    assert approve(chair, round_, weak, rank_override_reason="Middling's partnership has dissolved.").status_code == 302
    assert len(projects_of(db, weak)) == 1


def test_bad_choices_are_explained_and_change_nothing(db, round_, decided):
    (strong, good, middling, weak), chair = decided
    html = chair.post(f"/assessment/rounds/{round_.id}/reserves", data={"rationale": " "}).get_data(as_text=True)
    assert error_summary(html) == ["Choose a bid that is on the reserve list", "Give the reason for the decision"]
    response = approve(chair, round_, strong)  # approved already: not a choice
    assert response.status_code == 400 and field_error(response.get_data(as_text=True), "application_id")
    assert db.session.scalar(db.select(db.func.count(Project.id))) == 2


def test_only_chairs_without_a_conflict_and_only_once_the_round_is_decided(db, app, round_, decided):
    (strong, good, middling, weak), chair = decided
    for role in (Role.STEERING_MEMBER, Role.PROGRAMME_OFFICER, Role.APPLICANT):
        other = sign_in_client(app, UserFactory(roles=[role]))
        assert other.get(f"/assessment/rounds/{round_.id}/reserves").status_code == 403
        assert approve(other, round_, middling).status_code == 403
    conflicted = UserFactory(roles=[Role.STEERING_CHAIR, Role.STEERING_MEMBER])
    db.session.add(
        ConflictDeclaration(application_id=middling.id, reviewer_id=conflicted.id, has_conflict=True, nature="Board.")
    )
    db.session.commit()
    co_chair = sign_in_client(app, conflicted)
    page = text(co_chair.get(f"/assessment/rounds/{round_.id}/reserves").get_data(as_text=True))
    assert "You declared a conflict of interest: another chair decides it" in page
    assert "Hidden: you have a conflict of interest" in page and middling.display_title not in page
    assert weak.display_title in page
    assert approve(co_chair, round_, middling).status_code == 400
    assert projects_of(db, middling) == []
    assessing = RoundFactory(code="LV9", status="assessing")
    assert chair.get(f"/assessment/rounds/{assessing.id}/reserves").status_code == 404
