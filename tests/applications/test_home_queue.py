"""The applicant's home: the bids to finish, the partners yet to confirm and the decisions to read, each
leaving when its work is done."""

from __future__ import annotations

from datetime import timedelta

import pytest

from grants.bidforms.default import DEFAULT_FORM
from grants.core.db import utcnow
from tests.factories import (
    ApplicantFactory,
    ApplicationFactory,
    PartnerFactory,
    RoundFactory,
    complete_bid,
    decide,
    under_review_bid,
)
from tests.fixtures.clients import sign_in_client
from tests.fixtures.mail import emailed_link
from tests.helpers import text
from tests.work_queues import home_queue

FIVE_DONE = dict.fromkeys([page[0] for page in DEFAULT_FORM][:5], "completed") | {"budget": "in_progress"}


@pytest.fixture
def bid(db):
    return ApplicationFactory(title="Healthy Harbour", section_states=FIVE_DONE)


@pytest.fixture
def lead(app, bid):
    return sign_in_client(app, bid.lead_applicant)


def test_a_draft_shows_how_far_it_has_gone_and_when_its_round_closes(db, bid, lead):
    count, words = home_queue(lead, "applications.drafts")[:2]
    assert count == 1
    assert "Finish Healthy Harbour" in words and "5 of 8 sections done" in words
    assert bid.round.title in words and "Due" in words


def test_a_submitted_draft_leaves_the_queue(db, bid, lead):
    complete_bid(bid)
    response = lead.post(f"/applications/{bid.id}/check", data={"submit": "y"})
    assert response.status_code == 302
    count, words = home_queue(lead, "applications.drafts")[:2]
    assert count == 0
    assert "You have no bids in draft. When you start one, it waits here until you submit it." in words


def test_only_the_persons_own_organisations_drafts_in_open_rounds_are_shown(app, db, bid):
    ApplicationFactory(title="Someone else's bid")  # another organisation's
    closed = RoundFactory(opens_at=utcnow() - timedelta(days=60), closes_at=utcnow() - timedelta(days=1))
    ApplicationFactory(round=closed, lead_organisation=bid.lead_organisation, title="Too late")
    colleague = ApplicantFactory(organisation=bid.lead_organisation)
    count, words = home_queue(sign_in_client(app, colleague), "applications.drafts")[:2]
    assert count == 1 and "Healthy Harbour" in words
    assert "Someone else's bid" not in words and "Too late" not in words


def test_the_count_is_every_draft_and_the_rest_are_a_link_away(app, db):
    person = ApplicantFactory()
    for n in range(7):
        ApplicationFactory(lead_organisation=person.organisation, lead_applicant=person, title=f"Bid {n}")
    client = sign_in_client(app, person)
    count, words = home_queue(client, "applications.drafts")[:2]
    assert count == 7 and words.count("Finish Bid") == 5
    assert "All your bids (2 more)" in words


def test_a_partner_yet_to_confirm_waits_until_they_answer(app, db, bid, lead):
    partner = PartnerFactory(application=bid, status="invited", contact_name="Sam Idowu")
    PartnerFactory(application=bid, status="confirmed")
    count, words = home_queue(lead, "applications.partners")[:2]
    assert count == 1
    assert f"{partner.organisation.name} on Healthy Harbour" in words and "Sam Idowu was emailed a link" in words
    # The link sent again; the partner confirms through it.
    lead.post(f"/applications/{bid.id}/partners/{partner.id}/resend", data={})
    link = emailed_link(partner.contact_email, "/partner/")
    app.test_client().post(link, data={"response": "confirmed"})
    count, words = home_queue(lead, "applications.partners")[:2]
    assert count == 0 and "No partner is waiting to confirm their part in your bids." in words


def test_a_decision_waits_until_the_person_has_read_it(app, db):
    application = under_review_bid(title="Healthy Harbour")
    application.status = "approved"
    decide(application, "approved", effective_at=utcnow() - timedelta(days=2))
    lead = sign_in_client(app, application.lead_applicant)
    colleague = sign_in_client(app, ApplicantFactory(organisation=application.lead_organisation))
    count, words = home_queue(lead, "reviews.decisions")[:2]
    assert count == 1
    assert f"Read the decision on {application.reference} Healthy Harbour" in words
    assert "Approved for funding" in words
    assert "Approved" in text(lead.get(f"/applications/{application.id}").get_data(as_text=True))
    count, words = home_queue(lead, "reviews.decisions")[:2]
    assert count == 0 and "There is no new decision on your bids." in words
    assert home_queue(colleague, "reviews.decisions").count == 1  # each person reads it for themselves
    lead.get(f"/applications/{application.id}")  # read again: kept once
    from grants.core.audit import AuditEvent

    reads = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "application.decision_read")).all()
    assert [(event.actor_id, event.after) for event in reads] == [(lead.user.id, {"outcome": "approved"})]


def test_an_old_or_unannounced_decision_is_not_news(app, db):
    old = under_review_bid()
    decide(old, "rejected", effective_at=utcnow() - timedelta(days=45))
    pending = under_review_bid(lead_organisation=old.lead_organisation, lead_applicant=old.lead_applicant)
    decide(pending, "approved")  # recorded, not yet in effect
    lead = sign_in_client(app, old.lead_applicant)
    assert home_queue(lead, "reviews.decisions").count == 0
