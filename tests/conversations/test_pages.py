"""The conversation pages: a bid's and a project's messages, the applicant's answer to a clarification
request, and a message's files. Only those in a conversation open it (404 for anyone else); a message is
sent once however often its page is sent; a refused file keeps nothing; opening a conversation marks it
read, and the links to it say how much is unread."""

from __future__ import annotations

import io
import re

import pytest

from grants.conversations import queries, services
from grants.conversations.models import Message, Side
from grants.core.audit import AuditEvent
from grants.core.once import ALREADY
from grants.core.permissions import Role
from grants.documents.models import Document
from grants.extensions import db as _db
from grants.reviews.models import ConflictDeclaration
from tests.factories import (
    ApplicantFactory,
    EnablerProfileFactory,
    ReviewAssignmentFactory,
    UserFactory,
    assign,
    funded_project,
    under_review_bid,
)
from tests.helpers import QueryCounter, error_summary, field_error, form_key, h1, text

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
HOSTILE = b"MZ\x90\x00<script>alert('x')</script>"  # a program, named as a PDF
NEW_TAG = '<strong class="govuk-tag govuk-tag--blue">New</strong>'
CHECKBOX = "This is a clarification request (its answer is shown to those assessing the bid)"


@pytest.fixture
def bid(db):
    return under_review_bid(title="Home safely")


@pytest.fixture
def officer(db):
    return UserFactory(roles=[Role.PROGRAMME_OFFICER], name="Sarah Collins")


@pytest.fixture
def lead(bid):
    return ApplicantFactory(organisation=bid.lead_organisation, name="Priya Shah")


@pytest.fixture
def stranger(db):
    return ApplicantFactory(name="Someone Else")


@pytest.fixture
def reviewer(bid):
    return ReviewAssignmentFactory(application=bid, status="in_progress").reviewer


@pytest.fixture
def conflicted(bid):
    assignment = ReviewAssignmentFactory(application=bid, status="conflicted")
    declared = ConflictDeclaration(
        application_id=bid.id, reviewer_id=assignment.reviewer_id, has_conflict=True, nature="Family"
    )
    _db.session.add(declared)
    _db.session.commit()
    return assignment.reviewer


def thread_url(bid) -> str:
    return f"/applications/{bid.id}/messages"


def count(model, *where) -> int:
    return _db.session.scalar(_db.select(_db.func.count()).select_from(model).where(*where))


def stored_files(app) -> set[str]:
    from pathlib import Path

    return {path.name for path in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if path.is_file()}


def send(client, url: str, body: str = "Hello", **fields):
    """Draw the page and send its form (with its own key)."""
    key = form_key(client.get(url).get_data(as_text=True))
    return client.post(url, data={"body": body, "submission": key, **fields}, content_type="multipart/form-data")


def last_message() -> Message:
    return _db.session.scalars(_db.select(Message).order_by(Message.id.desc())).first()


# --- The bid's conversation ----------------------------------------------------------------------------


def test_an_officer_asks_a_clarification_and_lands_on_it(bid, officer, client_for):
    client = client_for(officer)
    page = client.get(thread_url(bid)).get_data(as_text=True)
    assert h1(page) == f"Messages about {bid.reference}" and CHECKBOX in text(page)
    response = send(client, thread_url(bid), "How will the police take part?", clarification="y")
    message = last_message()
    assert response.status_code == 302
    assert response.headers["Location"] == f"{thread_url(bid)}#message-{message.id}"
    assert message.is_clarification and message.side == Side.PROGRAMME and message.author_id == officer.id
    page = client.get(thread_url(bid)).get_data(as_text=True)
    assert f'id="message-{message.id}"' in page
    shown = text(page)
    assert "Your message has been sent." in shown
    assert "Sarah Collins, Programme team" in shown and "Clarification request" in shown
    assert "How will the police take part?" in shown


def test_the_applicant_sees_the_conversation_oldest_first_and_answers_the_request(bid, officer, lead, client_for):
    asked = services.send_on_bid(bid, actor=officer, body="How will the police take part?", clarification=True)
    services.send_on_bid(bid, actor=officer, body="And a second thought.")
    _db.session.commit()
    client = client_for(lead)
    page = client.get(thread_url(bid)).get_data(as_text=True)
    shown = text(page)
    assert CHECKBOX not in shown  # officers only
    assert shown.index("How will the police take part?") < shown.index("And a second thought.")
    answer_url = f"{thread_url(bid)}/{asked.id}/answer"
    assert answer_url in page and "Answer this request" in shown

    answer_page = client.get(answer_url).get_data(as_text=True)
    assert "How will the police take part?" in text(answer_page) and "Send answer" in text(answer_page)
    response = send(client, answer_url, "Through the community safety partnership.")
    answer = last_message()
    assert response.headers["Location"] == f"{thread_url(bid)}#message-{answer.id}"
    assert answer.answers_id == asked.id and answer.side == Side.APPLICANT
    shown = text(client.get(thread_url(bid)).get_data(as_text=True))
    assert f"Priya Shah, Applicant ({bid.lead_organisation.name})" in shown
    assert "Answer to the clarification request of" in shown and "Add to your answer" in shown


def test_an_applicant_cannot_make_a_message_a_clarification_request(bid, lead, client_for):
    send(client_for(lead), thread_url(bid), "Can we add a partner?", clarification="y")
    assert last_message().is_clarification is False


@pytest.mark.parametrize(
    ("status", "offered"), [("submitted", True), ("under_review", True), ("approved", False), ("withdrawn", False)]
)
def test_a_clarification_is_asked_only_while_the_bid_is_checked_or_assessed(bid, officer, client_for, status, offered):
    bid.status = status
    _db.session.commit()
    client = client_for(officer)
    assert (CHECKBOX in text(client.get(thread_url(bid)).get_data(as_text=True))) is offered
    response = send(client, thread_url(bid), "About your bid", clarification="y")
    if offered:
        assert last_message().is_clarification is True
    else:  # a page drawn before the bid moved on: refused beside the box, never sent as a plain message
        assert response.status_code == 400 and count(Message) == 0
        assert field_error(response.get_data(as_text=True), "clarification").startswith("A clarification can be asked")


def test_only_the_applicant_answers_a_clarification_request(bid, officer, lead, stranger, client_for):
    asked = services.send_on_bid(bid, actor=officer, body="Which board?", clarification=True)
    plain = services.send_on_bid(bid, actor=officer, body="Thanks")
    _db.session.commit()
    url = f"{thread_url(bid)}/{asked.id}/answer"
    assert client_for(officer).get(url).status_code == 403
    assert client_for(stranger).get(url).status_code == 404
    assert client_for(stranger).post(url, data={"body": "Mine"}).status_code == 404
    assert client_for(lead).get(f"{thread_url(bid)}/{plain.id}/answer").status_code == 404  # not a request
    other = under_review_bid()
    assert client_for(lead).get(f"/applications/{other.id}/messages/{asked.id}/answer").status_code == 404
    assert count(Message) == 2


def test_another_organisation_and_a_reviewer_never_see_the_conversation(bid, officer, stranger, reviewer, client_for):
    services.send_on_bid(bid, actor=officer, body="Private words", clarification=True)
    _db.session.commit()
    for person in (stranger, reviewer):
        client = client_for(person)
        assert client.get(thread_url(bid)).status_code == 404
        assert client.post(thread_url(bid), data={"body": "Let me in"}).status_code == 404
    assert count(Message) == 1


def test_an_empty_message_is_refused_beside_its_field(bid, lead, client_for):
    response = send(client_for(lead), thread_url(bid), "   ")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(page, "body") == "Enter your message" and error_summary(page) == ["Enter your message"]
    assert count(Message) == 0


def test_a_message_sent_twice_is_kept_once(bid, lead, client_for):
    client = client_for(lead)
    key = form_key(client.get(thread_url(bid)).get_data(as_text=True))
    data = {"body": "Sent with a double click", "submission": key}
    first = client.post(thread_url(bid), data=data)
    again = client.post(thread_url(bid), data=data)
    assert count(Message) == 1
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert ALREADY in text(client.get(again.headers["Location"]).get_data(as_text=True))
    assert send(client, thread_url(bid), "A new page, a new message").status_code == 302
    assert count(Message) == 2


def test_a_steering_groups_request_is_shown_to_officers_alone(bid, officer, lead, client_for):
    chair = UserFactory(roles=[Role.STEERING_CHAIR])
    services.ask_programme_team(bid, actor=chair, body="Ask about the police")
    _db.session.commit()
    shown = text(client_for(officer).get(thread_url(bid)).get_data(as_text=True))
    assert "Ask about the police" in shown and "Seen by the programme team only" in shown
    assert "Ask about the police" not in text(client_for(lead).get(thread_url(bid)).get_data(as_text=True))


# --- Files ------------------------------------------------------------------------------------------------


def test_a_file_goes_with_a_message_and_is_downloaded_by_those_in_the_conversation(
    app, bid, officer, lead, stranger, reviewer, client_for
):
    response = send(client_for(lead), thread_url(bid), "Our plan", files=[(io.BytesIO(PDF), "plan.pdf")])
    assert response.status_code == 302
    message = last_message()
    [document] = _db.session.scalars(_db.select(Document).where(Document.message_id == message.id)).all()
    assert document.kind == "message" and document.application_id == bid.id
    link = f"/messages/{message.id}/files/{document.id}"
    assert link in client_for(officer).get(thread_url(bid)).get_data(as_text=True)

    download = client_for(officer).get(link)
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Cache-Control"] == "no-store"
    assert download.headers["Content-Disposition"].startswith("attachment")
    audited = _db.session.scalars(_db.select(AuditEvent).where(AuditEvent.action == "message.file_downloaded")).all()
    assert [(event.actor_id, event.object_id) for event in audited] == [(officer.id, str(document.id))]
    for person in (stranger, reviewer):  # not a clarification: the reviewer does not see it
        assert client_for(person).get(link).status_code == 404
    assert client_for(lead).get(f"/messages/{message.id}/files/{document.id + 1000}").status_code == 404


def test_a_clarification_answers_files_are_for_those_assessing_the_bid_never_a_conflicted_reviewer(
    bid, officer, lead, reviewer, conflicted, stranger, client_for
):
    asked = services.send_on_bid(bid, actor=officer, body="Send the board's letter", clarification=True)
    _db.session.commit()
    send(client_for(lead), f"{thread_url(bid)}/{asked.id}/answer", "Attached", files=[(io.BytesIO(PDF), "letter.pdf")])
    answer = last_message()
    document = _db.session.scalars(_db.select(Document).where(Document.message_id == answer.id)).one()
    link = f"/messages/{answer.id}/files/{document.id}"
    assert client_for(reviewer).get(link).status_code == 200
    assert client_for(conflicted).get(link).status_code == 404
    assert client_for(stranger).get(link).status_code == 404


def test_a_hostile_file_is_refused_beside_the_files_and_nothing_is_kept(app, bid, lead, client_for):
    before = stored_files(app)
    response = send(
        client_for(lead),
        thread_url(bid),
        "Our plan and a program",
        files=[(io.BytesIO(PDF), "plan.pdf"), (io.BytesIO(HOSTILE), "report.pdf")],
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(page, "files") == "report.pdf: the selected file must be a PDF, DOCX or ODT"
    assert "Our plan and a program" in page  # what they wrote is kept on the page
    assert count(Message) == 0 and count(Document, Document.kind == "message") == 0
    assert stored_files(app) == before  # the good file, written first, is removed again
    refused = _db.session.scalars(_db.select(AuditEvent).where(AuditEvent.action == "message.send_refused")).all()
    assert len(refused) == 1


def test_more_files_than_allowed_are_refused(bid, lead, client_for):
    files = [(io.BytesIO(PDF), f"part-{n}.pdf") for n in range(services.MAX_FILES + 1)]
    response = send(client_for(lead), thread_url(bid), "Many", files=files)
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "files").startswith("Attach no more than")
    assert count(Message) == 0


# --- Read and unread ---------------------------------------------------------------------------------------


def unread_link(html: str) -> str:
    match = re.search(r'<a class="govuk-link" href="[^"]*/messages">(Messages[^<]*)</a>', html)
    assert match, "no link to the messages"
    return match.group(1)


def test_the_bids_pages_say_how_much_is_unread_until_the_conversation_is_opened(bid, officer, lead, client_for):
    services.send_on_bid(bid, actor=officer, body="One")
    services.send_on_bid(bid, actor=officer, body="Two")
    _db.session.commit()
    applicant, programme = client_for(lead), client_for(officer)
    assert unread_link(applicant.get(f"/applications/{bid.id}").get_data(as_text=True)) == "Messages (2 unread)"
    assert applicant.get(thread_url(bid)).get_data(as_text=True).count(NEW_TAG) == 2
    assert unread_link(applicant.get(f"/applications/{bid.id}").get_data(as_text=True)) == "Messages"
    assert NEW_TAG not in applicant.get(thread_url(bid)).get_data(as_text=True)
    assert queries.unread_count(lead, Side.APPLICANT) == 0
    reads = _db.session.scalars(_db.select(AuditEvent).where(AuditEvent.action == "message.read")).all()
    assert len(reads) == 1  # read once: opening it again marks nothing new

    assert unread_link(programme.get(f"/manage/applications/{bid.id}").get_data(as_text=True)) == "Messages"
    send(applicant, thread_url(bid), "Thank you")
    assert unread_link(programme.get(f"/manage/applications/{bid.id}").get_data(as_text=True)) == "Messages (1 unread)"


def test_no_link_to_messages_for_someone_outside_the_conversation(bid, reviewer, client_for):
    chair = UserFactory(roles=[Role.STEERING_CHAIR])
    project = funded_project()
    html = client_for(chair).get(f"/projects/{project.id}").get_data(as_text=True)
    assert f"/projects/{project.id}/messages" not in html


def test_the_conversation_page_reads_in_a_fixed_number_of_queries(bid, officer, lead, client_for):
    client = client_for(officer)

    written = iter(range(100))

    def write(times: int) -> None:
        for _ in range(times):
            n = next(written)
            message = services.send_on_bid(bid, actor=lead if n % 2 else officer, body=f"Message {n}")
            from grants.documents import storage

            stored_name, digest = storage.store_bytes(PDF, "pdf")
            _db.session.add(
                Document(
                    application_id=bid.id,
                    kind="message",
                    original_filename=f"file-{n}.pdf",
                    stored_name=stored_name,
                    content_type="application/pdf",
                    size_bytes=len(PDF),
                    sha256=digest,
                    message_id=message.id,
                )
            )
        _db.session.commit()

    url = thread_url(bid)

    def statements() -> int:
        with QueryCounter() as counter:
            assert client.get(url).status_code == 200
        return len([s for s in counter.statements if not s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK"))])

    write(3)
    client.get(thread_url(bid))
    write(1)  # something new to read each time: the page marks it read
    few = statements()
    write(20)
    assert statements() == few
    assert "file-23.pdf" in client.get(thread_url(bid)).get_data(as_text=True)


# --- The project's conversation -----------------------------------------------------------------------------


@pytest.fixture
def project(db):
    return funded_project(title="Wigan deal")


@pytest.fixture
def enabler(project):
    person = EnablerProfileFactory(user=UserFactory(roles=[Role.ENABLER], name="Ed Enabler")).user
    assign(project, person)
    return person


def test_a_projects_conversation_is_for_the_team_the_officers_and_its_enabler(
    project, enabler, officer, stranger, client_for
):
    url = f"/projects/{project.id}/messages"
    team = ApplicantFactory(organisation=project.lead_organisation)
    other_enabler = EnablerProfileFactory().user
    member = UserFactory(roles=[Role.STEERING_MEMBER])
    for person in (team, officer, enabler):
        page = client_for(person).get(url).get_data(as_text=True)
        assert h1(page) == f"Messages about {project.reference}" and CHECKBOX not in text(page)
    for person in (stranger, other_enabler, member):
        assert client_for(person).get(url).status_code == 404
        assert client_for(person).post(url, data={"body": "Let me in"}).status_code == 404

    response = send(client_for(enabler), url, "Workshop booked for Tuesday", clarification="y")
    message = last_message()
    assert response.headers["Location"] == f"{url}#message-{message.id}"
    assert message.side == Side.ENABLER and message.project_id == project.id and not message.is_clarification
    assert "Ed Enabler, Enabler" in text(client_for(team).get(url).get_data(as_text=True))


def test_the_project_page_links_to_its_messages_with_the_unread_count(project, enabler, officer, client_for):
    services.send_on_project(project, actor=officer, body="Welcome")
    _db.session.commit()
    client = client_for(enabler)
    assert unread_link(client.get(f"/projects/{project.id}").get_data(as_text=True)) == "Messages (1 unread)"
    client.get(f"/projects/{project.id}/messages")
    assert unread_link(client.get(f"/projects/{project.id}").get_data(as_text=True)) == "Messages"


def test_a_project_messages_file_is_for_its_conversation_alone(project, enabler, officer, stranger, client_for):
    url = f"/projects/{project.id}/messages"
    send(client_for(officer), url, "The agreement", files=[(io.BytesIO(PDF), "agreement.pdf")])
    message = last_message()
    document = _db.session.scalars(_db.select(Document).where(Document.message_id == message.id)).one()
    assert document.application_id == project.application_id
    link = f"/messages/{message.id}/files/{document.id}"
    assert client_for(enabler).get(link).status_code == 200
    assert client_for(stranger).get(link).status_code == 404
    assert client_for(EnablerProfileFactory().user).get(link).status_code == 404


def test_a_messages_file_is_never_served_as_one_of_the_bids_documents(bid, officer, lead, reviewer, client_for):
    """A message's file is kept with the bid (``application_id``), but only ``conversations.file`` hands it
    over: the bid's document download would give an ordinary message's file to those assessing the bid."""
    send(client_for(lead), thread_url(bid), "Our plan", files=[(io.BytesIO(PDF), "plan.pdf")])
    document = _db.session.scalars(_db.select(Document).where(Document.message_id == last_message().id)).one()
    back_door = f"/applications/{bid.id}/documents/{document.id}"
    assert client_for(reviewer).get(back_door).status_code == 404
    assert client_for(lead).get(back_door).status_code == 404  # its own address is the message's
    assert client_for(lead).get(f"/messages/{last_message().id}/files/{document.id}").status_code == 200


def test_a_project_messages_file_is_never_served_as_one_of_its_bids_documents(project, officer, client_for):
    send(client_for(officer), f"/projects/{project.id}/messages", "The agreement", files=[(io.BytesIO(PDF), "a.pdf")])
    document = _db.session.scalars(_db.select(Document).where(Document.message_id == last_message().id)).one()
    reviewer = ReviewAssignmentFactory(application=project.application, status="in_progress").reviewer
    assert (
        client_for(reviewer).get(f"/applications/{project.application_id}/documents/{document.id}").status_code == 404
    )
