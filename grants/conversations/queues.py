"""Unread messages on the home of each person in a conversation: the programme team, the applicant's
organisation and a project's enabler, each for the side they take part on (``queries.sides_of``). The
conversations with messages they have not read, the most recent first, each opened at its first unread
message. Two queries: a count, and the first few conversations with what each is about."""

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
    count = queries.unread_count(user, side)
    if not count:
        return queue
    items = [_item(thread) for thread in queries.unread_threads(user, side, limit=SHOWN)]
    return replace(queue, count=count, items=items)


def _item(thread: queries.Unread) -> WorkItem:
    messages = "1 unread message" if thread.count == 1 else f"{thread.count:,} unread messages"
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
