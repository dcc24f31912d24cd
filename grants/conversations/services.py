"""Sending a message: checked, kept with its files, audited, and emailed to the people on the other sides
of the conversation (a link, never the words: what people write here is private to the conversation)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement
from werkzeug.datastructures import FileStorage

from grants.accounts.models import User, UserRole
from grants.applications.models import Application
from grants.conversations import permissions
from grants.conversations.models import SIDE_LABELS, Message, Side, thread_of
from grants.core import audit
from grants.core.errors import GrantsError, PermissionDenied
from grants.core.permissions import Role
from grants.documents.services import save_document
from grants.documents.storage import UploadError
from grants.extensions import db
from grants.notifications.services import queue_email
from grants.projects.models import EnablerAssignment, Project

MAX_WORDS_CHARS = 10_000  # a long letter; a longer one is better attached as a file
MAX_FILES = 5


class MessageError(GrantsError):
    """The message cannot be sent; nothing was kept."""


def _checked_body(body: str | None) -> str:
    body = (body or "").strip()
    if not body:
        raise MessageError("Enter your message", field="body")
    if len(body) > MAX_WORDS_CHARS:
        raise MessageError(
            f"Your message must be {MAX_WORDS_CHARS:,} characters or fewer: attach a longer text as a file",
            field="body",
        )
    return body


def _uploads(files: Sequence[FileStorage] | None) -> list[FileStorage]:
    chosen = [upload for upload in (files or []) if upload and upload.filename]
    if len(chosen) > MAX_FILES:
        raise MessageError(f"Attach no more than {MAX_FILES} files to one message", field="files")
    return chosen


def send_on_bid(
    application: Application,
    *,
    actor: Any,
    body: str | None,
    clarification: bool = False,
    answers: Message | None = None,
    files: Sequence[FileStorage] | None = None,
) -> Message:
    """A message on a bid's conversation, from the programme team or the applicant's organisation.
    ``clarification``: an officer's request while the bid is checked or assessed. ``answers``: the
    clarification request an applicant's message answers."""
    side = permissions.side_on_bid(actor, application)
    if side is None:
        raise PermissionDenied("You are not part of this bid's conversation")
    if clarification and not permissions.can_ask_clarification(actor, application):
        raise MessageError(
            "A clarification can be asked only while the bid is checked for eligibility or assessed",
            field="clarification",
        )
    if answers is not None and not permissions.can_answer(actor, answers, application):
        raise PermissionDenied("Only the applicant answers a clarification request on their bid")
    return _send(
        actor=actor,
        side=side,
        body=body,
        files=files,
        application=application,
        is_clarification=clarification,
        answers=answers,
    )


def send_on_project(
    project: Project, *, actor: Any, body: str | None, files: Sequence[FileStorage] | None = None
) -> Message:
    side = permissions.side_on_project(actor, project)
    if side is None:
        raise PermissionDenied("You are not part of this project's conversation")
    return _send(actor=actor, side=side, body=body, files=files, project=project)


def ask_programme_team(application: Application, *, actor: Any, body: str | None) -> Message:
    """A steering-group member assessing the bid asks the programme team to seek a clarification: seen by
    the programme team alone, who decide what to ask the applicant."""
    if not permissions.can_ask_programme_team(actor, application):
        raise PermissionDenied("Only someone assessing this bid, while it is assessed, can ask about it")
    return _send(actor=actor, side=Side.STEERING, body=body, files=None, application=application, team_only=True)


def _send(
    *,
    actor: Any,
    side: Side,
    body: str | None,
    files: Sequence[FileStorage] | None,
    application: Application | None = None,
    project: Project | None = None,
    is_clarification: bool = False,
    answers: Message | None = None,
    team_only: bool = False,
) -> Message:
    words = _checked_body(body)
    uploads = _uploads(files)
    thread = thread_of(
        application_id=application.id if application else None, project_id=project.id if project else None
    )
    message = Message(
        thread=thread,
        application_id=application.id if application else None,
        project_id=project.id if project else None,
        author_id=actor.id,
        side=side.value,
        body=words,
        is_clarification=is_clarification,
        answers_id=answers.id if answers else None,
        team_only=team_only,
    )
    db.session.add(message)
    db.session.flush()
    bid_id = application.id if application else project.application_id  # type: ignore[union-attr]
    for upload in uploads:
        try:
            save_document(upload, kind="message", application=_Bid(bid_id), actor=actor, message_id=message.id)
        except UploadError as error:  # say which of the files it is
            raise MessageError(f"{upload.filename}: {_lower_first(error.message)}", field="files") from error
    audit.record(
        "message.sent",
        message,
        actor=actor,
        after={
            "thread": thread,
            "side": side.value,
            "clarification": is_clarification,
            "answers_id": message.answers_id,
            "team_only": team_only,
            "files": len(uploads),
        },
    )
    _tell_others(message, application=application, project=project)
    return message


def _lower_first(words: str) -> str:
    return words[:1].lower() + words[1:]


class _Bid:
    """What ``save_document`` needs of a bid: its id (a project's files are kept with its bid's)."""

    def __init__(self, application_id: int):
        self.id = application_id


# --- Who is told ------------------------------------------------------------------------------------------


def _with_role(role: Role) -> ColumnElement[bool]:
    return User.id.in_(db.select(UserRole.user_id).where(UserRole.role == role.value))


def recipients(message: Message, *, application: Application | None, project: Project | None) -> list[User]:
    """Everyone on the conversation's other sides, active, in a steady order: the programme team, the lead
    organisation's people and (on a project) its current enabler, but not the side that wrote."""
    conditions = []
    if message.side != Side.PROGRAMME:
        conditions.append(_with_role(Role.PROGRAMME_OFFICER))
    if not message.team_only and message.side != Side.APPLICANT:
        organisation_id = application.lead_organisation_id if application else project.lead_organisation_id  # type: ignore[union-attr]
        conditions.append(db.and_(_with_role(Role.APPLICANT), User.organisation_id == organisation_id))
    if project is not None and message.side != Side.ENABLER:
        conditions.append(
            User.id.in_(
                db.select(EnablerAssignment.enabler_id).where(
                    EnablerAssignment.project_id == project.id, EnablerAssignment.ends_on.is_(None)
                )
            )
        )
    if not conditions:
        return []
    return list(
        db.session.scalars(
            db.select(User)
            .where(User.is_active.is_(True), User.id != message.author_id, db.or_(*conditions))
            .order_by(User.id)
        )
    )


def conversation_link(message: Message) -> tuple[str, dict[str, Any]]:
    """The conversation's page (endpoint and values), at the message."""
    anchor = {"_anchor": f"message-{message.id}"}
    if message.application_id is not None:
        return "conversations.bid", {"application_id": message.application_id, **anchor}
    return "conversations.project", {"project_id": message.project_id, **anchor}


def _tell_others(message: Message, *, application: Application | None, project: Project | None) -> None:
    subject = application or project
    endpoint, values = conversation_link(message)
    for person in recipients(message, application=application, project=project):
        queue_email(
            person.email,
            "message_received",
            {
                "name": person.name,
                # A draft bid has no reference yet: its title stands for it, as on its pages.
                "reference": subject.reference or subject.display_title,  # type: ignore[union-attr]
                "title": subject.title,  # type: ignore[union-attr]
                "about": "bid" if application is not None else "project",
                "from_side": SIDE_LABELS[message.side],
                "clarification": message.is_clarification,
                "answer": message.answers_id is not None,
                "link_endpoint": endpoint,
                "link_values": values,
            },
            user=person,
            dedupe_key=f"message:{message.id}:{person.id}",
        )
