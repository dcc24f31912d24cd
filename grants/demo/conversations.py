"""Conversations a newcomer finds going on: on a bid of the wave being assessed, an officer's
clarification request the applicant has answered (shown to the bid's reviewers) and a steering
member's question to the programme team; on a submitted bid of the open wave, a request the demo's
Cornwall applicant has still to answer; on two active projects, a short exchange between the lead
applicant, the enabler and an officer. Some messages are left unread for the demo's officer, project
lead and enabler, so their homes show them.

Every message is sent through the conversations service, as a person would send it (checked,
audited, the other sides emailed), dated in the past by the story's clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from grants.accounts.models import User
from grants.applications.models import Application, ApplicationStatus
from grants.conversations.models import ConversationRead, Message
from grants.conversations.services import ask_programme_team, send_on_bid, send_on_project
from grants.demo.history import at, happening_at, today
from grants.extensions import db
from grants.projects.models import EnablerAssignment, Project, ProjectStatus
from grants.reviews.models import ConflictDeclaration

DEMO_OFFICER = "officer@example.org"
DEMO_REVIEWER = "steering.member@example.org"
DEMO_ENABLER = "enabler@example.org"
DEMO_PROJECT_LEAD = "project.lead@example.org"
DEMO_APPLICANT = "applicant.cornwall@example.org"  # a submitted bid in the open wave


class _Reads:
    """How far each person has read each conversation: someone who writes has read what came before."""

    def __init__(self) -> None:
        self.markers: dict[tuple[int, str], tuple[int, datetime]] = {}

    def read(self, person: User, message: Message, when: datetime) -> None:
        self.markers[(person.id, message.thread)] = (message.id, when)

    def keep(self) -> None:
        for (user_id, thread), (last_read_id, when) in sorted(self.markers.items()):
            db.session.add(ConversationRead(user_id=user_id, thread=thread, last_read_id=last_read_id, read_at=when))


def seed_conversations(people: dict[str, User]) -> None:
    officer = people.get(DEMO_OFFICER)
    if officer is None or db.session.scalar(db.select(Message.id).limit(1)):
        return
    reads = _Reads()
    _clarified_bid(officer, people.get(DEMO_REVIEWER), reads)
    _open_request(officer, people.get(DEMO_APPLICANT), reads)
    _lead_and_enabler(officer, people.get(DEMO_PROJECT_LEAD), reads)
    _enabler_and_lead(officer, people.get(DEMO_ENABLER), reads)
    db.session.flush()
    reads.keep()
    db.session.flush()


def _say(when: datetime, send, *args, **kwargs) -> Message:
    with happening_at(when):
        return send(*args, **kwargs)


def _clarified_bid(officer: User, reviewer: User | None, reads: _Reads) -> None:
    """The first bid of wave 2 the demo's steering member is assessing: asked, answered, and a further
    question from the steering member that the programme team has not read yet."""
    if reviewer is None:
        return
    bid = db.session.scalar(
        db.select(Application)
        .join(ConflictDeclaration, ConflictDeclaration.application_id == Application.id)
        .where(
            Application.reference.like("LV2-%"),
            Application.status == ApplicationStatus.UNDER_REVIEW,
            ConflictDeclaration.reviewer_id == reviewer.id,
            ConflictDeclaration.has_conflict.is_(False),
        )
        .order_by(Application.reference)
        .limit(1)
    )
    if bid is None:
        return
    closed = bid.round.closes_at.date()
    lead = bid.lead_applicant
    funder = bid.match_funder or "your health and wellbeing board"
    asked_at = at(closed + timedelta(days=3), 10)
    request = _say(
        asked_at,
        send_on_bid,
        bid,
        actor=officer,
        clarification=True,
        body=f"Thank you for your bid. Before the steering group scores it, could you tell us whether {funder} "
        "has confirmed its £10,000 match funding in writing, and if not, when its board will decide?",
    )
    reads.read(officer, request, asked_at)
    answered_at = at(closed + timedelta(days=5), 15)
    answer = _say(
        answered_at,
        send_on_bid,
        bid,
        actor=lead,
        answers=request,
        body=f"Yes: {funder} confirmed the pledge at its meeting last month, and its letter is with the bid. "
        "The minute will be published with the board's papers; we will send it to you as soon as it is.",
    )
    reads.read(lead, answer, answered_at)
    reads.read(officer, answer, answered_at + timedelta(hours=2))
    asked_team_at = at(today() - timedelta(days=2), 11)
    ask = _say(
        asked_team_at,
        ask_programme_team,
        bid,
        actor=reviewer,
        body="Could the programme team ask how residents will help decide where the partnership starts? The bid "
        "mentions a citizens' panel but not when it would first meet.",
    )
    reads.read(reviewer, ask, asked_team_at)


def _open_request(officer: User, applicant: User | None, reads: _Reads) -> None:
    """The Cornwall applicant's submitted bid in the open wave: an eligibility question still to answer."""
    if applicant is None:
        return
    bid = db.session.scalar(
        db.select(Application)
        .where(
            Application.lead_applicant_id == applicant.id,
            Application.status == ApplicationStatus.SUBMITTED,
        )
        .order_by(Application.reference)
        .limit(1)
    )
    if bid is None or bid.submitted_at is None:
        return
    asked_at = at(max(bid.submitted_at.date() + timedelta(days=1), today() - timedelta(days=3)), 14)
    request = _say(
        asked_at,
        send_on_bid,
        bid,
        actor=officer,
        clarification=True,
        body="We are checking bids for eligibility. Which partner will hold the evaluation budget, and will "
        "whoever evaluates the work be independent of the partners?",
    )
    reads.read(officer, request, asked_at)


def _active_project(condition) -> Project | None:
    return db.session.scalar(
        db.select(Project)
        .where(Project.status == ProjectStatus.ACTIVE, Project.reference.like("LV1-%"), condition)
        .order_by(Project.reference)
        .limit(1)
    )


def _enabler_of(project: Project) -> User | None:
    return db.session.scalar(
        db.select(User)
        .join(EnablerAssignment, EnablerAssignment.enabler_id == User.id)
        .where(EnablerAssignment.project_id == project.id, EnablerAssignment.ends_on.is_(None))
    )


def _lead_and_enabler(officer: User, lead: User | None, reads: _Reads) -> None:
    """The demo project lead's project: they ask about the report they are revising; their enabler and
    the officer answer. The two answers wait, unread, on the project lead's home."""
    if lead is None or lead.organisation_id is None:
        return
    project = _active_project(Project.lead_organisation_id == lead.organisation_id)
    enabler = _enabler_of(project) if project is not None else None
    if project is None or enabler is None:
        return
    first = at(today() - timedelta(days=9), 9)
    question = _say(
        first,
        send_on_project,
        project,
        actor=lead,
        body="Thank you for the comments on our progress report. Before we send the revised version: are the "
        "partnership board's minutes enough to show the joint decisions, or do you need something signed by "
        "each partner?",
    )
    reads.read(lead, question, first)
    second = at(today() - timedelta(days=8), 16)
    advice = _say(
        second,
        send_on_project,
        project,
        actor=enabler,
        body="The minutes of the last two boards show the decisions and who made them: I would attach those. "
        "Happy to go through the revised report with you before you send it.",
    )
    reads.read(enabler, advice, second)
    third = at(today() - timedelta(days=1), 10)
    reads.read(officer, advice, third - timedelta(minutes=20))
    reply = _say(
        third,
        send_on_project,
        project,
        actor=officer,
        body="The minutes are enough. Please also add a line on how residents were involved in the pilot's "
        "second phase, then send the revised report when it is ready.",
    )
    reads.read(officer, reply, third)


def _enabler_and_lead(officer: User, enabler: User | None, reads: _Reads) -> None:
    """The first active project the demo's enabler supports: they ask the programme team about paying
    residents for their time; the lead's thanks waits, unread, for the enabler and the officer."""
    if enabler is None:
        return
    supported = db.select(EnablerAssignment.project_id).where(
        EnablerAssignment.enabler_id == enabler.id, EnablerAssignment.ends_on.is_(None)
    )
    project = _active_project(Project.id.in_(supported))
    if project is None:
        return
    lead = project.application.lead_applicant
    first = at(today() - timedelta(days=12), 11)
    question = _say(
        first,
        send_on_project,
        project,
        actor=enabler,
        body="After the partnership board the partners want residents on a panel at the next workshop. "
        "Programme team: may part of the community voice budget line pay residents' travel and time?",
    )
    reads.read(enabler, question, first)
    second = at(today() - timedelta(days=11), 15)
    reads.read(officer, question, second - timedelta(minutes=30))
    answer = _say(
        second,
        send_on_project,
        project,
        actor=officer,
        body="Yes: residents' expenses and a fair payment for their time are what the community voice line is "
        "for. Keep the receipts with your records for the next progress report.",
    )
    reads.read(officer, answer, second)
    reads.read(enabler, answer, second + timedelta(hours=3))
    third = at(today() - timedelta(days=3), 13)
    thanks = _say(
        third,
        send_on_project,
        project,
        actor=lead,
        body="Thank you both. The panel is booked for the next workshop. Could you send us the facilitation "
        "plan the week before, so partners can read it first?",
    )
    reads.read(lead, thanks, third)
