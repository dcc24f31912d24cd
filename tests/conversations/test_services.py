"""Sending messages: who may write on which side, clarifications, the other sides told once, read markers,
and nothing changed once sent (the database refuses it)."""

import pytest
from sqlalchemy.exc import DBAPIError

from grants.conversations import queries, services
from grants.conversations.models import Message, Side
from grants.core.errors import PermissionDenied
from grants.core.permissions import Role
from grants.extensions import db
from grants.notifications.models import Notification
from tests.factories import ApplicantFactory, UserFactory, assign, funded_project, under_review_bid


@pytest.fixture
def bid(db):
    return under_review_bid()


def _lead(application):
    return ApplicantFactory(organisation=application.lead_organisation)


def test_a_clarification_asked_and_answered_is_emailed_once_to_each_other_side(bid):
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    lead = _lead(bid)
    request = services.send_on_bid(bid, actor=officer, body="How will the police take part?", clarification=True)
    answer = services.send_on_bid(bid, actor=lead, body="Through the community safety partnership.", answers=request)
    db.session.commit()
    assert request.side == Side.PROGRAMME and answer.side == Side.APPLICANT
    [clarification] = queries.clarifications_of(bid.id)
    assert clarification.request.id == request.id and [m.id for m in clarification.answers] == [answer.id]
    assert queries.clarification_states([bid.id]) == {bid.id: "answered"}
    to_lead = db.session.scalars(db.select(Notification).where(Notification.recipient_id == lead.id)).all()
    to_officer = db.session.scalars(db.select(Notification).where(Notification.recipient_id == officer.id)).all()
    assert len(to_lead) == 1 and len(to_officer) == 1
    assert "police" not in to_lead[0].body_text and "community safety" not in to_officer[0].body_text


def test_someone_of_another_organisation_cannot_write(bid):
    stranger = ApplicantFactory()
    with pytest.raises(PermissionDenied):
        services.send_on_bid(bid, actor=stranger, body="Hello")


def test_unread_counts_fall_when_the_conversation_is_read(bid):
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    lead = _lead(bid)
    first = services.send_on_bid(bid, actor=officer, body="One")
    second = services.send_on_bid(bid, actor=officer, body="Two")
    db.session.commit()
    assert queries.unread_count(lead, Side.APPLICANT) == 2
    assert queries.unread_count(officer, Side.PROGRAMME) == 0  # their own side's messages
    queries.mark_read(lead, first.thread, first.id)
    assert queries.unread_count(lead, Side.APPLICANT) == 1
    queries.mark_read(lead, second.thread, second.id)
    queries.mark_read(lead, first.thread, first.id)  # an older page opened later never goes back
    assert queries.unread_count(lead, Side.APPLICANT) == 0


def test_a_project_conversation_includes_its_enabler(db):
    project = funded_project()
    enabler = UserFactory(roles=[Role.ENABLER])
    assign(project, enabler)
    lead = ApplicantFactory(organisation=project.lead_organisation)
    message = services.send_on_project(project, actor=enabler, body="Workshop booked")
    db.session.commit()
    assert message.side == Side.ENABLER
    assert queries.unread_count(lead, Side.APPLICANT) == 1
    assert [thread.reference for thread in queries.unread_threads(lead, Side.APPLICANT, 5)] == [project.reference]


def test_a_sent_message_cannot_be_changed_or_deleted(bid):
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    message = services.send_on_bid(bid, actor=officer, body="As sent")
    db.session.commit()
    with pytest.raises(DBAPIError):
        db.session.execute(db.update(Message).where(Message.id == message.id).values(body="Changed"))
    db.session.rollback()
    with pytest.raises(DBAPIError):
        db.session.execute(db.delete(Message).where(Message.id == message.id))
    db.session.rollback()
    assert db.session.get(Message, message.id).body == "As sent"


def test_a_message_on_a_draft_is_emailed_with_the_bids_title_as_it_has_no_reference_yet(db):
    from tests.factories import ApplicationFactory

    draft = ApplicationFactory(title="Home safely")
    assert draft.reference is None
    lead = _lead(draft)
    services.send_on_bid(draft, actor=UserFactory(roles=[Role.PROGRAMME_OFFICER]), body="Can we help?")
    db.session.commit()
    [email] = db.session.scalars(db.select(Notification).where(Notification.recipient_id == lead.id)).all()
    assert "None" not in email.subject and "None" not in (email.body_text or "")
    assert "Home safely" in email.subject
