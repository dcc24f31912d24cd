"""A bid's refusals go through the one action path: nothing of the refused change is kept, the refusal is on
record exactly once (with its reason, against the bid), and a repeated press is answered, never a 500."""

import pytest

from grants.applications.models import Application, Partner
from grants.core.audit import AuditEvent
from tests.factories import ApplicationFactory, PartnerFactory
from tests.fixtures.clients import sign_in_client
from tests.helpers import error_summary, field_error, text


@pytest.fixture
def bid(db):
    return ApplicationFactory()


@pytest.fixture
def lead(app, bid):
    return sign_in_client(app, bid.lead_applicant)


def events(db, action: str) -> list[AuditEvent]:
    return db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_a_section_marked_completed_with_problems_is_refused_once_and_kept_as_it_was(db, bid, lead):
    response = lead.post(
        f"/applications/{bid.id}/sections/budget",
        data={"amount_requested": "27,000", "completed": "yes"},  # no budget lines
    )
    assert response.status_code == 400
    assert error_summary(response.get_data(as_text=True)) == ["Add at least one budget line"]
    db.session.expire_all()
    assert db.session.get(Application, bid.id).amount_requested_pence is None
    [refusal] = events(db, "application.section_refused")
    assert (refusal.object_type, refusal.object_id) == ("application", str(bid.id))
    assert refusal.actor_id == bid.lead_applicant_id
    assert refusal.after == {"reason": "Add at least one budget line"}
    assert events(db, "application.section_saved") == []


def test_a_problem_names_the_bids_field_and_is_shown_on_the_form_field_that_carries_it(db, bid, lead):
    response = lead.post(
        f"/applications/{bid.id}/sections/match",
        data={"match_funder": "Wigan Health and Wellbeing Board", "completed": "yes"},
    )
    assert field_error(response.get_data(as_text=True), "match_amount") == "Enter the amount pledged"
    assert [refusal.after["reason"] for refusal in events(db, "application.section_refused")] == [
        "Enter the amount pledged"
    ]


def test_a_partner_entered_twice_is_refused_once(db, bid, lead):
    partner = PartnerFactory(application=bid)
    data = {
        "organisation_name": partner.organisation.name,
        "sector": "police",
        "org_id": "",
        "role": "Shares data.",
        "contact_name": "Sam Idowu",
        "contact_email": "sam@example.org",
    }
    response = lead.post(f"/applications/{bid.id}/partners/new", data=data)
    assert response.status_code == 400
    message = "This organisation is already a partner in the bid"
    assert field_error(response.get_data(as_text=True), "organisation_name") == message
    [refusal] = events(db, "application.partner_refused")
    assert (refusal.object_type, refusal.object_id, refusal.after) == (
        "application",
        str(bid.id),
        {"reason": message},
    )
    assert len(db.session.scalars(db.select(Partner)).all()) == 1


def test_a_partner_removed_twice_is_one_removal_and_one_refusal(db, bid, lead):
    partner = PartnerFactory(application=bid)
    path = f"/applications/{bid.id}/partners/{partner.id}/remove"
    answers = [lead.post(path) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [302, 303, 303]
    assert {answer.headers["Location"] for answer in answers} == {f"/applications/{bid.id}/partnership"}
    assert len(events(db, "partner.removed")) == 1
    refusals = events(db, "application.partner_removal_refused")
    assert [refusal.after["reason"] for refusal in refusals] == [
        "That organisation is no longer a partner in this bid."
    ] * 2


def test_a_link_sent_again_to_a_partner_who_has_answered_is_refused_once_and_said(db, bid, lead):
    partner = PartnerFactory(application=bid, status="confirmed")
    response = lead.post(f"/applications/{bid.id}/partners/{partner.id}/resend")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/applications/{bid.id}/partnership"
    assert "This partner has already responded." in text(lead.get(response.headers["Location"]).get_data(as_text=True))
    [refusal] = events(db, "application.invitation_refused")
    assert (refusal.object_type, refusal.object_id) == ("partner", str(partner.id))
    assert events(db, "partner.reinvited") == []
