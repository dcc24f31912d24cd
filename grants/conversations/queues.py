"""Unread messages on the home of each person in a conversation: the programme team, the applicant's
organisation and a project's enabler, each for the side they take part on (``queries.sides_of``). The
conversations with messages they have not read, the most recent first, each opened at its first unread
message. The queue counts conversations (each one item, opened once), and says how many messages that
is. Two queries: the counts, and the first few conversations with what each is about."""

from __future__ import annotations

from dataclasses import replace

from flask import url_for

from grants.conversations import queries
from grants.conversations.models import Side
from grants.core.permissions import Role
from grants.core.queues import SHOWN, Queue, WorkItem
from grants.core.times import format_datetime

KEY = "conversations.unread"
SIDES = {Role.APPLICANT: Side.APPLICANT, Role.PROGRAMME_OFFICER: Side.PROGRAMME, Role.ENABLER: Side.ENABLER}


def unread_messages(user, role: Role) -> Queue:
    queue = Queue(key=KEY, heading="Unread messages", count=0, empty="You have read every message sent to you.")
    side = SIDES[role]
    if side not in queries.sides_of(user):  # an applicant not yet of an organisation
        return queue
    messages, conversations = queries.unread_totals(user, side)
    if not conversations:
        return queue
    items = [_item(thread) for thread in queries.unread_threads(user, side, limit=SHOWN)]
    summary = f"{_messages(messages)} in {conversations:,} conversation{'' if conversations == 1 else 's'}"
    return replace(queue, count=conversations, items=items, summary=summary)


def _messages(count: int) -> str:
    return "1 unread message" if count == 1 else f"{count:,} unread messages"


def _item(thread: queries.Unread) -> WorkItem:
    messages = _messages(thread.count)
    anchor = f"message-{thread.first_id}" if thread.first_id else None
    if thread.application_id is not None:
        href = url_for("conversations.bid", application_id=thread.application_id, _anchor=anchor)
    else:
        href = url_for("conversations.project", project_id=thread.project_id, _anchor=anchor)
    return WorkItem(
        text=f"{messages} about {' '.join(part for part in (thread.reference, thread.title) if part)}",
        href=href,
        why=f"The latest sent {format_datetime(thread.latest_at)}",
    )
