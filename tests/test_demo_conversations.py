"""The demo's conversations: a clarification asked and answered on a bid being assessed, a steering
member's question to the programme team, exchanges on two active projects, and messages left unread
for the demo's officer, project lead, enabler and Cornwall applicant."""

from __future__ import annotations

import re

from grants.accounts.models import User
from grants.conversations import queries
from grants.conversations.models import Message, Side
from grants.core.audit import AuditEvent
from grants.extensions import db
from grants.notifications.models import Notification
from tests.fixtures.clients import sign_in_client
from tests.helpers import text


def _person(email: str) -> User:
    return db.session.scalars(db.select(User).where(User.email == email)).one()


def _messages() -> list[Message]:
    return list(db.session.scalars(db.select(Message).order_by(Message.id)))


def test_a_bid_being_assessed_has_a_clarification_answered_and_a_question_for_the_team(demo_app):
    with demo_app.app_context():
        reviewer = _person("steering.member@example.org")
        [ask] = [message for message in _messages() if message.team_only]
        assert ask.side == Side.STEERING and ask.author_id == reviewer.id and ask.answers_id is None
        application_id = ask.application_id
        [clarification] = queries.clarifications_of(application_id)
        assert clarification.request.author.email == "officer@example.org"
        [answer] = clarification.answers
        assert answer.side == Side.APPLICANT and answer.documents == []
        assert clarification.request.created_at < answer.created_at < ask.created_at
        states = queries.clarification_states([application_id])
        assert states == {application_id: "answered"}
        # The steering member asking is one of those assessing the bid, in the wave being assessed.
        from grants.applications.models import Application
        from grants.conversations.permissions import is_assessing

        application = db.session.get(Application, application_id)
        assert application.status == "under_review" and application.reference.startswith("LV2-")
        assert is_assessing(reviewer, application)


def test_every_message_was_sent_as_a_person_sends_one_audited_and_emailed(demo_app):
    with demo_app.app_context():
        messages = _messages()
        assert len(messages) == 10
        sent = {
            int(event.object_id): event
            for event in db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "message.sent"))
        }
        assert set(sent) == {message.id for message in messages}
        for message in messages:
            assert sent[message.id].occurred_at == message.created_at
            assert sent[message.id].actor_id == message.author_id
        emailed = set(
            db.session.scalars(db.select(Notification.dedupe_key).where(Notification.template == "message_received"))
        )
        assert all(any(key.startswith(f"message:{m.id}:") for key in emailed) for m in messages)
        # None of the words are in the emails.
        bodies = " ".join(
            db.session.scalars(db.select(Notification.body_text).where(Notification.template == "message_received"))
        )
        assert all(message.body[:40] not in bodies for message in messages)


def test_two_active_projects_have_an_exchange_between_lead_enabler_and_officer(demo_app):
    with demo_app.app_context():
        from grants.projects.models import Project

        by_project: dict[int, set[str]] = {}
        for message in _messages():
            if message.project_id is not None:
                by_project.setdefault(message.project_id, set()).add(message.side)
        assert len(by_project) == 2
        assert {db.session.get(Project, project_id).status for project_id in by_project} == {"active"}
        assert all(sides == {"applicant", "enabler", "programme"} for sides in by_project.values())


# (side, unread messages, the conversations they are in: what the home counts)
UNREAD = {
    "officer@example.org": (Side.PROGRAMME, 2, 2),  # the steering member's question, the lead's thanks to the enabler
    "project.lead@example.org": (Side.APPLICANT, 2, 1),  # the enabler's advice and the officer's answer
    "enabler@example.org": (Side.ENABLER, 1, 1),  # the lead's thanks
    "applicant.cornwall@example.org": (Side.APPLICANT, 1, 1),  # an eligibility question to answer
    "applicant@example.org": (Side.APPLICANT, 0, 0),
}


def _unread_on_home(demo_app, email: str) -> tuple[int, str]:
    with demo_app.app_context():
        html = sign_in_client(demo_app, _person(email)).get("/").get_data(as_text=True)
    section = re.search(r'<section[^>]*data-queue="conversations.unread".*?</section>', html, re.S)
    assert section, f"no Unread messages on the home of {email}"
    return int(re.search(r'data-count="(\d+)"', section.group(0)).group(1)), text(section.group(0))


def test_messages_wait_unread_for_the_demo_people_who_sign_in_until_they_open_them(demo_app):
    with demo_app.app_context():
        counted = {email: queries.unread_totals(_person(email), side) for email, (side, *_) in UNREAD.items()}
        [ask] = [message for message in _messages() if message.team_only]
        asked, application_id = ask.body, ask.application_id
    assert counted == {email: (messages, conversations) for email, (_, messages, conversations) in UNREAD.items()}
    for email, (_, _, conversations) in UNREAD.items():
        shown, words = _unread_on_home(demo_app, email)
        assert shown == conversations, (email, words)
    shown, words = _unread_on_home(demo_app, "officer@example.org")
    assert "1 unread message about LV2-" in words and "1 unread message about LV1-" in words, words

    # The officer opens the bid's conversation: the steering member's question, seen by the team only.
    with demo_app.app_context():
        officer = sign_in_client(demo_app, _person("officer@example.org"))
        page = text(officer.get(f"/applications/{application_id}/messages").get_data(as_text=True))
    assert asked in page and "Seen by the programme team only" in page and "Clarification request" in page
    assert _unread_on_home(demo_app, "officer@example.org")[0] == 1


def test_the_steering_member_reads_the_answer_beside_the_bid_and_the_ranking_says_so(demo_app):
    from grants.applications.models import Application
    from grants.reviews.models import ReviewAssignment

    with demo_app.app_context():
        reviewer = _person("steering.member@example.org")
        [ask] = [message for message in _messages() if message.team_only]
        [clarification] = queries.clarifications_of(ask.application_id)
        application = db.session.get(Application, ask.application_id)
        assignment_id = db.session.scalar(
            db.select(ReviewAssignment.id).where(
                ReviewAssignment.application_id == application.id, ReviewAssignment.reviewer_id == reviewer.id
            )
        )
        page = text(sign_in_client(demo_app, reviewer).get(f"/reviews/{assignment_id}").get_data(as_text=True))
        ranking = sign_in_client(demo_app, _person("officer@example.org")).get(
            f"/assessment/rounds/{application.round_id}"
        )
        reference = application.reference
        request_words, answer_words, asked = clarification.request.body, clarification.answers[0].body, ask.body
    assert "Clarifications" in page and request_words in page and answer_words in page, page[:3000]
    assert "What you asked the programme team" in page and asked in page
    rows = [row for row in re.findall(r"<tr.*?</tr>", ranking.get_data(as_text=True), re.S) if reference in row]
    assert rows and "Clarification answered" in text(rows[0]), rows
