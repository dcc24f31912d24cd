import pytest

from grants.applications.models import Application
from grants.core.audit import AuditEvent
from grants.notifications.models import Notification
from tests.factories import ApplicationFactory, complete_bid
from tests.fixtures.clients import sign_in_client
from tests.helpers import field_error, text


@pytest.fixture
def submitted_bid(app, db):
    bid = complete_bid(ApplicationFactory())
    sign_in_client(app, bid.lead_applicant).post(f"/applications/{bid.id}/check", data={"submit": "y"})
    db.session.expire_all()
    assert bid.status == "submitted"
    return bid


def test_withdrawal_records_the_reason_and_is_audited(app, db, submitted_bid):
    lead = sign_in_client(app, submitted_bid.lead_applicant)
    response = lead.post(
        f"/applications/{submitted_bid.id}/withdraw",
        data={"reason": "Our health and wellbeing board withdrew its pledge."},
    )
    assert response.headers["Location"] == f"/applications/{submitted_bid.id}"
    stored = db.session.get(Application, submitted_bid.id)
    assert stored.status == "withdrawn" and stored.withdrawn_at is not None
    assert stored.withdrawal_reason == "Our health and wellbeing board withdrew its pledge."
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "application.withdrawn")).one()
    assert (event.actor_id, event.before, event.after) == (
        submitted_bid.lead_applicant_id,
        {"status": "submitted"},
        {"status": "withdrawn", "reason": "Our health and wellbeing board withdrew its pledge."},
    )
    assert db.session.scalars(db.select(Notification).where(Notification.template == "application_withdrawn")).one()
    timeline = text(lead.get(f"/applications/{submitted_bid.id}").get_data(as_text=True))
    assert "Bid submitted" in timeline and "Bid withdrawn" in timeline
    assert "Reason: Our health and wellbeing board withdrew its pledge." in timeline


def test_a_reason_is_required(app, db, submitted_bid):
    lead = sign_in_client(app, submitted_bid.lead_applicant)
    html = lead.post(f"/applications/{submitted_bid.id}/withdraw", data={"reason": " "}).get_data(as_text=True)
    assert field_error(html, "reason") == "Enter why you are withdrawing the bid"
    assert db.session.get(Application, submitted_bid.id).status == "submitted"


@pytest.mark.parametrize(
    ("decided", "message"),
    [
        ("approved", "A decision has been made on this bid, so it can no longer be withdrawn."),
        ("rejected", "A decision has been made on this bid, so it can no longer be withdrawn."),
        ("reserve", "A decision has been made on this bid, so it can no longer be withdrawn."),
        ("ineligible", "This bid was found ineligible, so it can no longer be withdrawn."),
    ],
)
def test_a_decided_bid_cannot_be_withdrawn_and_the_page_says_why(app, db, submitted_bid, decided, message):
    submitted_bid.status = decided
    db.session.commit()
    lead = sign_in_client(app, submitted_bid.lead_applicant)
    response = lead.post(f"/applications/{submitted_bid.id}/withdraw", data={"reason": "x"})
    assert response.status_code == 409
    assert message in text(response.get_data(as_text=True))
    assert db.session.get(Application, submitted_bid.id).status == decided
    refusal = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "request.refused")).one()
    assert refusal.after["reason"] == message and refusal.actor_id == submitted_bid.lead_applicant_id
    assert db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "application.withdrawn")).all() == []


def test_someone_else_cannot_withdraw_the_bid(app, db, submitted_bid, programme_officer_client):
    response = programme_officer_client.post(f"/applications/{submitted_bid.id}/withdraw", data={"reason": "x"})
    assert response.status_code == 403
    assert "Only people from the lead organisation can withdraw this bid." in text(response.get_data(as_text=True))
    assert db.session.get(Application, submitted_bid.id).status == "submitted"


def test_withdrawing_twice_withdraws_once_and_the_repeat_says_so(app, db, submitted_bid):
    lead = sign_in_client(app, submitted_bid.lead_applicant)
    path = f"/applications/{submitted_bid.id}/withdraw"
    first = lead.post(path, data={"reason": "Our board withdrew its pledge."})
    assert first.status_code == 302
    again = lead.post(path, data={"reason": "Our board withdrew its pledge."})
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    page = text(lead.get(again.headers["Location"]).get_data(as_text=True))
    assert "This bid has already been withdrawn." in page and "A decision has been made" not in page
    withdrawals = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "application.withdrawn")).all()
    assert len(withdrawals) == 1
    emails = db.session.scalars(db.select(Notification).where(Notification.template == "application_withdrawn"))
    assert len(emails.all()) == 1
    assert db.session.get(Application, submitted_bid.id).withdrawal_reason == "Our board withdrew its pledge."


def test_a_draft_can_be_withdrawn_and_a_new_bid_started(app, db):
    bid = ApplicationFactory()
    lead = sign_in_client(app, bid.lead_applicant)
    lead.post(f"/applications/{bid.id}/withdraw", data={"reason": "Started the wrong one"})
    assert db.session.get(Application, bid.id).status == "withdrawn"
    response = lead.post(f"/rounds/{bid.round_id}/start", data={"title": "The right one"})
    new = db.session.scalars(db.select(Application).where(Application.status == "draft")).one()
    assert response.headers["Location"] == f"/applications/{new.id}" and new.id != bid.id
    assert new.title == "The right one"


def test_withdrawal_by_the_service_refuses_a_decided_bid(db, submitted_bid):
    from grants.applications import services
    from grants.core.errors import InvalidTransition

    submitted_bid.status = "approved"
    db.session.commit()
    with pytest.raises(InvalidTransition, match="A decision has been made"):
        services.withdraw_application(submitted_bid, "late", actor=submitted_bid.lead_applicant)


def test_withdrawal_by_the_service_refuses_a_withdrawn_bid_in_its_own_words(db, submitted_bid):
    from grants.applications import services
    from grants.core.errors import InvalidTransition

    services.withdraw_application(submitted_bid, "first", actor=submitted_bid.lead_applicant)
    db.session.commit()
    with pytest.raises(InvalidTransition, match="^This bid has already been withdrawn.$"):
        services.withdraw_application(submitted_bid, "again", actor=submitted_bid.lead_applicant)
    db.session.rollback()
