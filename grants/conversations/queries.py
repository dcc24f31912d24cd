"""Reading conversations: a thread's messages, a bid's clarifications, and what each person has not read.
Every list is ordered; each function runs a fixed number of queries however long the conversation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from grants.applications.models import Application
from grants.conversations import permissions
from grants.conversations.models import ConversationRead, Message, Side, thread_of
from grants.core.db import utcnow
from grants.core.permissions import Role
from grants.extensions import db
from grants.projects.models import EnablerAssignment, Project


def messages_in(thread: str, *, team: bool) -> list[Message]:
    """The conversation, oldest first, with each message's author and files. ``team``: the reader is of
    the programme team, who also see the steering group's requests to them."""
    statement = select(Message).where(Message.thread == thread).options(selectinload(Message.documents))
    if not team:
        statement = statement.where(Message.team_only.is_(False))
    return list(db.session.scalars(statement.order_by(Message.id)))


def message_in(thread: str, message_id: int) -> Message | None:
    return db.session.scalar(select(Message).where(Message.thread == thread, Message.id == message_id))


@dataclass
class Clarification:
    request: Message
    answers: list[Message] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        return bool(self.answers)


def clarifications_of(application_id: int) -> list[Clarification]:
    """The bid's clarification requests, oldest first, each with the applicant's answers to it."""
    messages = db.session.scalars(
        select(Message)
        .where(
            Message.application_id == application_id,
            Message.team_only.is_(False),
            or_(Message.is_clarification.is_(True), Message.answers_id.is_not(None)),
        )
        .options(selectinload(Message.documents))
        .order_by(Message.id)
    ).all()
    requests = {message.id: Clarification(message) for message in messages if message.is_clarification}
    for message in messages:
        if message.answers_id in requests:
            requests[message.answers_id].answers.append(message)
    return list(requests.values())


def clarification_states(application_ids) -> dict[int, str]:
    """For a list of bids (the ranking): ``"answered"`` when every clarification asked has an answer,
    ``"asked"`` while one waits. Bids without any are left out. One query."""
    application_ids = list(application_ids)
    if not application_ids:
        return {}
    answer = db.aliased(Message)
    rows = db.session.execute(
        select(
            Message.application_id,
            func.count(func.distinct(Message.id)),
            func.count(func.distinct(answer.answers_id)),
        )
        .outerjoin(answer, answer.answers_id == Message.id)
        .where(Message.application_id.in_(application_ids), Message.is_clarification.is_(True))
        .group_by(Message.application_id)
    ).all()
    states: dict[int, str] = {}
    for application_id, asked, answered in rows:
        if application_id is not None:
            states[application_id] = "answered" if answered >= asked else "asked"
    return states


def asks_by(user_id: int, application_id: int) -> list[Message]:
    """A steering member's own requests to the programme team about a bid."""
    return list(
        db.session.scalars(
            select(Message)
            .where(Message.application_id == application_id, Message.author_id == user_id, Message.team_only.is_(True))
            .order_by(Message.id)
        )
    )


# --- Unread ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unread:
    thread: str
    count: int
    latest_at: datetime
    reference: str
    title: str
    application_id: int | None
    project_id: int | None
    first_id: int | None = None  # the first message not read: where the conversation is opened


def _visible_threads(user, side: Side) -> Any:
    """A condition on ``Message`` for the conversations the person takes part in, on ``side``."""
    if side == Side.PROGRAMME:
        return Message.side != Side.PROGRAMME.value  # every conversation, and the steering group's requests
    others = and_(Message.side != side.value, Message.team_only.is_(False))
    if side == Side.APPLICANT:
        organisation = user.organisation_id or 0
        return and_(
            others,
            or_(
                Message.application_id.in_(
                    select(Application.id).where(Application.lead_organisation_id == organisation)
                ),
                Message.project_id.in_(select(Project.id).where(Project.lead_organisation_id == organisation)),
            ),
        )
    supported = select(EnablerAssignment.project_id).where(
        EnablerAssignment.enabler_id == user.id, EnablerAssignment.ends_on.is_(None)
    )
    return and_(others, Message.project_id.in_(supported))


def sides_of(user) -> list[Side]:
    """The sides a person may read conversations on, by their roles (a person may hold several)."""
    sides = []
    if user.has_role(Role.PROGRAMME_OFFICER):
        sides.append(Side.PROGRAMME)
    if user.has_role(Role.APPLICANT) and user.organisation_id:
        sides.append(Side.APPLICANT)
    if user.has_role(Role.ENABLER):
        sides.append(Side.ENABLER)
    return sides


def unread_statement(user, side: Side) -> Any:
    """Messages the person has not read, in conversations they take part in on ``side``: those after
    their read marker, written by someone on another side."""
    marker = db.aliased(ConversationRead)
    return (
        select(Message)
        .outerjoin(marker, and_(marker.thread == Message.thread, marker.user_id == user.id))
        .where(_visible_threads(user, side), Message.id > func.coalesce(marker.last_read_id, 0))
    )


def unread_count(user, side: Side) -> int:
    statement = unread_statement(user, side)
    return db.session.scalar(statement.with_only_columns(func.count(Message.id)).order_by(None)) or 0


def unread_totals(user, side: Side) -> tuple[int, int]:
    """(unread messages, conversations they are in) for the person on ``side``: one query."""
    statement = unread_statement(user, side)
    messages, conversations = db.session.execute(
        statement.with_only_columns(func.count(Message.id), func.count(func.distinct(Message.thread))).order_by(None)
    ).one()
    return int(messages or 0), int(conversations or 0)


def unread_threads(user, side: Side, limit: int) -> list[Unread]:
    """The conversations with unread messages, the most recent first, with what each is about. One query."""
    grouped = (
        unread_statement(user, side)
        .with_only_columns(
            Message.thread,
            Message.application_id,
            Message.project_id,
            func.count(Message.id).label("count"),
            func.max(Message.created_at).label("latest_at"),
            func.min(Message.id).label("first_id"),
        )
        .group_by(Message.thread, Message.application_id, Message.project_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            grouped,
            func.coalesce(Application.reference, Project.reference).label("reference"),
            func.coalesce(Application.title, Project.title).label("title"),
        )
        .outerjoin(Application, Application.id == grouped.c.application_id)
        .outerjoin(Project, Project.id == grouped.c.project_id)
        .order_by(grouped.c.latest_at.desc(), grouped.c.thread)
        .limit(limit)
    ).all()
    return [
        Unread(
            thread=row.thread,
            count=row._mapping["count"],  # not ``row.count``: a row is a tuple, with a method of that name
            latest_at=row.latest_at,
            reference=row.reference or "",
            title=row.title or "",
            application_id=row.application_id,
            project_id=row.project_id,
            first_id=row.first_id,
        )
        for row in rows
    ]


def unread_in(user, thread: str, side: Side) -> int:
    """How many messages of one conversation the person has not read (for the link to it)."""
    statement = unread_statement(user, side).where(Message.thread == thread)
    return db.session.scalar(statement.with_only_columns(func.count(Message.id)).order_by(None)) or 0


def unread_on_bid(user, application) -> int | None:
    """For the link on a bid's pages: its messages the person has not read; None if not in its conversation."""
    side = permissions.side_on_bid(user, application)
    if side is None:
        return None
    return unread_in(user, thread_of(application_id=application.id), side)


def unread_on_project(user, project, enabler_id: int | None) -> int | None:
    """As ``unread_on_bid``, for the link on a project's page (``enabler_id``: its current enabler)."""
    side = permissions.side_on_project(user, project, enabler_id)
    if side is None:
        return None
    return unread_in(user, thread_of(project_id=project.id), side)


def read_up_to(user, thread: str) -> int:
    """The last message of ``thread`` the person has read (0: none yet)."""
    last = db.session.scalar(
        select(ConversationRead.last_read_id).where(
            ConversationRead.user_id == user.id, ConversationRead.thread == thread
        )
    )
    return last or 0


def mark_read(user, thread: str, last_id: int) -> None:
    """The person has read ``thread`` up to ``last_id``: kept with an upsert that never goes backwards, so
    two pages opened at once (or an older one after a newer) are both fine."""
    from sqlalchemy.dialects.postgresql import insert as postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(ConversationRead).values(user_id=user.id, thread=thread, last_read_id=last_id, read_at=utcnow())
    newer = statement.excluded.last_read_id > ConversationRead.last_read_id
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id", "thread"],
            set_={
                "last_read_id": case((newer, statement.excluded.last_read_id), else_=ConversationRead.last_read_id),
                "read_at": statement.excluded.read_at,
            },
        )
    )
