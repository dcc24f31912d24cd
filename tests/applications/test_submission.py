"""Submitting a bid: every rule that refuses it, and what happens when it goes through."""

from datetime import timedelta

import pytest

from grants.applications.models import Application, BudgetLine
from grants.core.audit import AuditEvent
from grants.core.db import utcnow
from grants.notifications.models import Notification
from tests.factories import ApplicationFactory, PartnerFactory, RoundFactory, complete_bid
from tests.fixtures.clients import sign_in_client
from tests.helpers import error_summary, text


@pytest.fixture
def bid(db):
    return complete_bid(ApplicationFactory(round=RoundFactory(code="LV2")))


@pytest.fixture
def lead(app, bid):
    return sign_in_client(app, bid.lead_applicant)


def submit(client, bid):
    return client.post(f"/applications/{bid.id}/check", data={"submit": "y"})


def assert_still_a_draft(db, bid):
    db.session.expire_all()
    stored = db.session.get(Application, bid.id)
    assert (stored.status, stored.reference, stored.submitted_at) == ("draft", None, None)
    assert db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "application.submitted")).all() == []


def test_a_complete_bid_is_submitted_with_a_reference_and_a_confirmation(db, bid, lead):
    response = submit(lead, bid)
    assert response.headers["Location"] == f"/applications/{bid.id}/submitted"
    page = text(lead.get(response.headers["Location"]).get_data(as_text=True))
    assert "Bid submitted" in page and "LV2-0001" in page
    stored = db.session.get(Application, bid.id)
    assert (stored.status, stored.reference) == ("submitted", "LV2-0001")
    email = db.session.scalars(db.select(Notification).where(Notification.template == "application_submitted")).one()
    assert email.recipient_email == bid.lead_applicant.email and "LV2-0001" in email.subject
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "application.submitted")).one()
    assert event.after == {"status": "submitted", "reference": "LV2-0001"}


def test_references_count_up_within_the_round(db, bid, lead, app):
    submit(lead, bid)
    second = complete_bid(ApplicationFactory(round=bid.round))
    submit(sign_in_client(app, second.lead_applicant), second)
    assert db.session.get(Application, second.id).reference == "LV2-0002"


def test_a_bid_cannot_be_submitted_after_the_round_closes(db, bid, lead):
    bid.round.closes_at = utcnow() - timedelta(minutes=1)  # the sweep has not yet marked it closed
    db.session.commit()
    assert bid.round.status == "open"
    response = submit(lead, bid)
    assert response.status_code == 403
    assert "The round has closed" in text(response.get_data(as_text=True))
    assert_still_a_draft(db, bid)


def test_the_service_refuses_a_late_submission_whatever_the_page_said(db, bid):
    from grants.applications import services

    with pytest.raises(services.NotEditable, match="The round has closed"):
        services.submit_application(bid, actor=bid.lead_applicant, now=bid.round.closes_at)
    db.session.rollback()
    assert_still_a_draft(db, bid)


def test_a_bid_with_an_incomplete_section_is_refused_with_a_linked_summary(db, bid, lead):
    bid.section_states = {**bid.section_states, "vision": "in_progress"}
    bid.answers = {key: value for key, value in bid.answers.items() if key != "shared_vision"}
    db.session.commit()
    response = submit(lead, bid)
    html = response.get_data(as_text=True)
    assert "Your bid cannot be submitted yet" in html
    assert "Enter an answer to ‘Your shared vision’" in error_summary(html)
    assert f'href="/applications/{bid.id}/sections/vision#shared_vision"' in html
    assert_still_a_draft(db, bid)


def test_a_section_not_marked_complete_is_refused(db, bid, lead):
    bid.section_states = {**bid.section_states, "approach": "in_progress"}
    db.session.commit()
    html = submit(lead, bid).get_data(as_text=True)
    assert "Mark the section ‘Why a systems-leadership approach’ as completed" in error_summary(html)
    assert_still_a_draft(db, bid)


def test_budget_lines_that_do_not_add_up_are_refused(db, bid, lead):
    bid.budget_lines = [BudgetLine(position=1, description="Workshops", amount_pence=2_000_000)]
    db.session.commit()
    html = submit(lead, bid).get_data(as_text=True)
    assert (
        "The budget lines add up to £20,000.00; they must add up to the amount requested, £27,000.00"
        in error_summary(html)
    )
    assert_still_a_draft(db, bid)


def test_a_request_over_the_award_is_refused(db, bid, lead):
    bid.amount_requested_pence = 2_700_001
    bid.budget_lines = [BudgetLine(position=1, description="Workshops", amount_pence=2_700_001)]
    db.session.commit()
    html = submit(lead, bid).get_data(as_text=True)
    assert "The amount requested must be £27,000.00 or less" in error_summary(html)
    assert_still_a_draft(db, bid)


def test_a_partnership_from_one_sector_is_ineligible(db, bid, lead):
    bid.partners[0].organisation.sector = bid.lead_organisation.sector
    db.session.commit()
    html = submit(lead, bid).get_data(as_text=True)
    assert "The lead organisation and its confirmed partners must come from at least 2 sectors" in error_summary(html)
    assert_still_a_draft(db, bid)


def test_no_confirmed_partner_is_ineligible(db, bid, lead):
    bid.partners[0].status, bid.partners[0].responded_at = "invited", None
    db.session.commit()
    html = submit(lead, bid).get_data(as_text=True)
    assert "At least 1 partner must confirm their part before you submit" in error_summary(html)
    assert_still_a_draft(db, bid)


def test_a_match_pledge_below_the_requirement_is_ineligible(db, bid, lead):
    bid.match_amount_pence = 999_999
    db.session.commit()
    html = submit(lead, bid).get_data(as_text=True)
    assert "The match funding pledged must be at least £10,000.00" in error_summary(html)
    assert_still_a_draft(db, bid)


def test_eligibility_rules_are_set_per_round(db, bid, lead):
    bid.round.eligibility = {
        "min_partner_sectors": 3,
        "min_confirmed_partners": 2,
        "match_at_least_required": False,
        "min_learning_commitments": 1,
    }
    bid.match_amount_pence = 0
    db.session.commit()
    problems = error_summary(submit(lead, bid).get_data(as_text=True))
    assert "The lead organisation and its confirmed partners must come from at least 3 sectors" in problems
    assert "At least 2 partners must confirm their part before you submit" in problems
    assert not any("match funding" in problem for problem in problems)


def test_a_submitted_bid_cannot_be_edited(db, bid, lead):
    submit(lead, bid)
    for path, data in [
        (f"/applications/{bid.id}/sections/vision", {"shared_vision": "Changed", "completed": "yes"}),
        (
            f"/applications/{bid.id}/partners/new",
            {
                "organisation_name": "X",
                "sector": "police",
                "role": "r",
                "contact_name": "C",
                "contact_email": "c@example.org",
            },
        ),
    ]:
        response = lead.post(path, data=data)
        assert response.status_code == 403, path
        assert "has been submitted and can no longer be changed" in text(response.get_data(as_text=True))
    db.session.expire_all()
    stored = db.session.get(Application, bid.id)
    assert stored.answers["shared_vision"] == "Everyone gets home safely, with the right support."
    assert len(stored.partners) == 1 and stored.reference == "LV2-0001"


def test_submitting_twice_submits_once_and_the_repeat_is_sent_to_the_confirmation(db, bid, lead):
    first = submit(lead, bid)
    again = submit(lead, bid)
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    page = text(lead.get(again.headers["Location"]).get_data(as_text=True))
    assert "This bid has already been submitted." in page and "LV2-0001" in page
    assert len(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "application.submitted")).all()) == 1
    emails = db.session.scalars(db.select(Notification).where(Notification.template == "application_submitted"))
    assert len(emails.all()) == 1
    assert db.session.get(Application, bid.id).round.last_reference_number == 1


def test_a_withdrawn_bid_cannot_be_changed_or_submitted_and_the_page_says_it_was_withdrawn(db, bid, lead):
    lead.post(f"/applications/{bid.id}/withdraw", data={"reason": "Started the wrong one"})
    for path, data in [
        (f"/applications/{bid.id}/sections/vision", {"shared_vision": "Changed", "completed": "yes"}),
        (f"/applications/{bid.id}/check", {"submit": "y"}),
    ]:
        response = lead.post(path, data=data)
        assert response.status_code == 403, path
        assert "This bid has been withdrawn and can no longer be changed." in text(response.get_data(as_text=True))
    stored = db.session.get(Application, bid.id)
    assert (stored.status, stored.reference) == ("withdrawn", None)


def test_a_submitted_bid_is_shown_read_only_with_its_history(db, bid, lead):
    submit(lead, bid)
    html = lead.get(f"/applications/{bid.id}").get_data(as_text=True)
    assert "Check your answers and submit" not in html
    assert "/sections/" not in html
    page = text(html)
    assert "Bid submitted" in page and "LV2-0001" in page
    assert "Withdraw this bid" in page


def test_one_bid_per_lead_organisation_per_round(db, bid, lead):
    for response in (lead.get(f"/rounds/{bid.round.id}/start"), lead.post(f"/rounds/{bid.round.id}/start")):
        assert response.headers["Location"] == f"/applications/{bid.id}"
    assert db.session.scalar(db.select(db.func.count()).select_from(Application)) == 1


def test_the_database_refuses_a_second_live_bid_for_the_same_lead(db, bid):
    from sqlalchemy.exc import IntegrityError

    duplicate = Application(
        round_id=bid.round_id,
        lead_organisation_id=bid.lead_organisation_id,
        lead_applicant_id=bid.lead_applicant_id,
        status="draft",
        section_states={},
    )
    db.session.add(duplicate)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_partner_still_waiting_does_not_block_when_another_has_confirmed(db, bid, lead):
    PartnerFactory(application=bid, status="invited")
    assert submit(lead, bid).status_code == 302
