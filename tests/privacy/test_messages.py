"""Messages and personal data: the download holds the messages a person wrote (what each was about, when,
on which side, its words and its files' names), and anonymisation treats the conversation on a withdrawn
bid like the bid (its words "Removed", marked anonymised, its files deleted after the commit)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from grants.conversations import services
from grants.conversations.models import Message
from grants.core.db import utcnow
from grants.core.permissions import Role
from grants.documents import storage
from grants.documents.models import Document
from grants.privacy.services import REMOVED, anonymise_person
from tests.factories import ApplicantFactory, DocumentFactory, UserFactory, funded_project, under_review_bid
from tests.helpers import QueryCounter
from tests.privacy.conftest import write_file
from tests.privacy.test_anonymise import anonymise
from tests.privacy.test_personal_data import download

QUESTION = "Which board signed the match funding?"
ANSWER = "The Wigan health and wellbeing board, in March."


@pytest.fixture
def officer(db):
    return UserFactory(roles=[Role.PROGRAMME_OFFICER], name="Sarah Collins")


def _file(db, message: Message, name: str) -> Document:
    document = DocumentFactory(
        kind="message", message_id=message.id, application_id=message.application_id, original_filename=name
    )
    write_file(document)
    return document


def _answered(db, bid, officer, lead):
    """A clarification asked and answered (with a file) while the bid was assessed, before it was withdrawn."""
    status, bid.status = bid.status, "under_review"
    request = services.send_on_bid(bid, actor=officer, body=QUESTION, clarification=True)
    answer = services.send_on_bid(bid, actor=lead, body=ANSWER, answers=request)
    bid.status = status
    db.session.flush()
    _file(db, answer, "board-minutes.pdf")
    db.session.commit()
    return request, answer


# --- The download -----------------------------------------------------------------------------------------


def test_the_download_holds_the_messages_they_wrote_and_not_the_others(db, client_for, scene, officer):
    request, answer = _answered(db, scene.bid, officer, scene.lead)
    project = funded_project(lead_organisation=scene.bid.lead_organisation)
    on_project = services.send_on_project(project, actor=scene.lead, body="The board meets on Tuesday.")
    db.session.commit()
    theirs = download(client_for(scene.lead))["tables"]["messages"]
    assert [row["id"] for row in theirs] == [answer.id, on_project.id]
    first, second = theirs
    assert (first["about"], first["side"], first["body"], first["files"]) == (
        scene.bid.reference,
        "applicant",
        ANSWER,
        ["board-minutes.pdf"],
    )
    assert first["created_at"].endswith("+00:00") and first["answers_id"] == request.id
    assert (second["about"], second["files"]) == (project.reference, [])
    assert QUESTION not in repr(theirs)  # the officer's words are the officer's
    officers = download(client_for(officer))["tables"]["messages"]
    assert [(row["id"], row["about"], row["side"], row["body"]) for row in officers] == [
        (request.id, scene.bid.reference, "programme", QUESTION)
    ]


def test_the_download_reads_their_messages_in_a_fixed_number_of_queries(db, client_for, scene, officer):
    client = client_for(scene.lead)
    _answered(db, scene.bid, officer, scene.lead)
    with QueryCounter() as few:
        download(client)
    for n in range(12):
        message = services.send_on_bid(scene.bid, actor=scene.lead, body=f"More {n}")
        db.session.flush()
        _file(db, message, f"file-{n}.pdf")
    db.session.commit()
    with QueryCounter() as many:
        data = download(client)
    assert len(data["tables"]["messages"]) == 13
    assert many.count == few.count


# --- Anonymising --------------------------------------------------------------------------------------------


def test_the_withdrawn_bids_conversation_is_removed_like_the_bid(db, client_for, scene, officer):
    lead, bid = scene.lead, scene.bid
    request, answer = _answered(db, bid, officer, lead)
    letter = db.session.scalars(db.select(Document).where(Document.message_id == answer.id)).one()
    letter_id, path = letter.id, storage.path_of(letter.stored_name)
    colleague = ApplicantFactory(organisation=bid.lead_organisation)
    services.send_on_bid(bid, actor=colleague, body="Dana will send the minutes.")
    # A colleague's live bid, where the lead wrote too: another bid, left as it is.
    elsewhere = under_review_bid(lead_organisation=bid.lead_organisation, lead_applicant=colleague)
    kept = services.send_on_bid(elsewhere, actor=lead, body="Dana here: I can help with the budget.")
    db.session.commit()
    assert path.exists()

    assert anonymise(client_for(officer), lead).status_code == 302

    db.session.expire_all()
    on_bid = db.session.scalars(db.select(Message).where(Message.application_id == bid.id).order_by(Message.id)).all()
    assert len(on_bid) == 3
    assert {message.body for message in on_bid} == {REMOVED}
    assert all(message.anonymised_at is not None for message in on_bid)
    assert (on_bid[1].author_id, on_bid[1].answers_id, on_bid[1].side) == (lead.id, request.id, "applicant")
    assert db.session.get(Message, kept.id).body == "Dana here: I can help with the budget."
    assert db.session.get(Message, kept.id).anonymised_at is None
    assert db.session.get(Document, letter_id) is None and not path.exists()
    from grants.core.audit import AuditEvent

    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "privacy.person_anonymised")).one()
    assert event.after["messages_removed"] == 3 and event.after["documents_deleted"] == 2  # the pledge letter too


def test_a_message_anonymised_before_is_left_as_it_was(db, scene, officer):
    """The database refuses a second change to an anonymised message: anonymising skips it."""
    earlier = services.send_on_bid(scene.bid, actor=officer, body="Dear Dana")
    db.session.commit()
    when = utcnow() - timedelta(days=3)
    db.session.execute(db.update(Message).where(Message.id == earlier.id).values(body="Taken out", anonymised_at=when))
    db.session.commit()

    counts = anonymise_person(scene.lead, actor=officer)
    db.session.commit()

    assert counts["messages_removed"] == 0
    db.session.expire_all()
    message = db.session.get(Message, earlier.id)
    assert message.body == "Taken out" and abs(message.anonymised_at - when) < timedelta(seconds=1)
