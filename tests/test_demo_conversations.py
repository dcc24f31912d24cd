"""The demo's conversations: a clarification asked and answered on a bid being assessed, a steering
member's question to the programme team, exchanges on two active projects, and messages left unread
for the demo's officer, project lead, enabler and Cornwall applicant."""

from __future__ import annotations

from grants.accounts.models import User
from grants.conversations import queries
from grants.conversations.models import Message, Side
from grants.core.audit import AuditEvent
from grants.extensions import db
from grants.notifications.models import Notification
from tests.test_demo import demo_app  # noqa: F401  (the demo seeded once for this module)


def _person(email: str) -> User:
    return db.session.scalars(db.select(User).where(User.email == email)).one()


def _messages() -> list[Message]:
    return list(db.session.scalars(db.select(Message).order_by(Message.id)))


def test_a_bid_being_assessed_has_a_clarification_answered_and_a_question_for_the_team(demo_app):  # noqa: F811
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


def test_every_message_was_sent_as_a_person_sends_one_audited_and_emailed(demo_app):  # noqa: F811
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


def test_two_active_projects_have_an_exchange_between_lead_enabler_and_officer(demo_app):  # noqa: F811
    with demo_app.app_context():
        from grants.projects.models import Project

        by_project: dict[int, set[str]] = {}
        for message in _messages():
            if message.project_id is not None:
                by_project.setdefault(message.project_id, set()).add(message.side)
        assert len(by_project) == 2
        assert {db.session.get(Project, project_id).status for project_id in by_project} == {"active"}
        assert all(sides == {"applicant", "enabler", "programme"} for sides in by_project.values())


def test_messages_wait_unread_for_the_demo_people_who_sign_in(demo_app):  # noqa: F811
    with demo_app.app_context():
        unread = {
            email: queries.unread_count(_person(email), side)
            for email, side in (
                ("officer@example.org", Side.PROGRAMME),
                ("project.lead@example.org", Side.APPLICANT),
                ("enabler@example.org", Side.ENABLER),
                ("applicant.cornwall@example.org", Side.APPLICANT),
                ("applicant@example.org", Side.APPLICANT),
            )
        }
    assert unread == {
        "officer@example.org": 2,  # the steering member's question, the lead's thanks to the enabler
        "project.lead@example.org": 2,  # the enabler's advice and the officer's answer
        "enabler@example.org": 1,  # the lead's thanks
        "applicant.cornwall@example.org": 1,  # an eligibility question to answer
        "applicant@example.org": 0,
    }
