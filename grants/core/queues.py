"""Each person's work, gathered on their home page: every area registers the queues it keeps for a role.

A queue is one kind of work (bids to score, releases waiting, drafts to finish). Its builder is
called with the signed-in person and answers a ``Queue``: how many items there are, the first few
(each linking straight to where the work is done, saying why and by when), and a link to the rest.
An item leaves its queue when its work is done, because the builder reads the state that the work
changes. A builder runs a fixed number of queries however many items there are: one count and one
limited list, with what each item shows loaded in the same statement (the query budgets hold it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from grants.core.permissions import Role

SHOWN = 5  # items listed per queue; the rest are one link away


@dataclass(frozen=True)
class WorkItem:
    text: str  # what needs doing, naming the thing: "Score LV2-0005 Healthy Harbour"
    href: str  # straight to where it is done
    why: str | None = None  # "5 of 8 sections done", "RAG: red"
    due: date | datetime | None = None  # the deadline, shown in Europe/London
    overdue: bool = False  # past its deadline: said in words, not only in colour


@dataclass(frozen=True)
class Queue:
    key: str  # stable: "<area>.<what>", an anchor on the page and a handle for tests
    heading: str  # "Bids to score"
    count: int
    items: list[WorkItem] = field(default_factory=list)
    more: tuple[str, str] | None = None  # (link text, href) to the whole list
    empty: str = "Nothing here needs you now."
    summary: str | None = None  # a line under the heading: "£35,100 in total", "Closes 3 March 2027"
    for_information: bool = (
        False  # waiting on someone else (a hold, a request returned): shown, not counted as needing you
    )

    @property
    def hidden(self) -> int:
        return max(self.count - len(self.items), 0)


Builder = Callable[[Any], "Queue | None"]  # None: this queue does not apply to the person


@dataclass(frozen=True)
class _Registered:
    role: Role
    key: str
    order: int
    build: Builder


_QUEUES: list[_Registered] = []


def register_queue(role: Role, key: str, build: Builder, *, order: int = 50) -> None:
    """Add a queue to the home of everyone with ``role``; queues show in ``order``, then by key."""
    if any(entry.role == role and entry.key == key for entry in _QUEUES):
        return
    _QUEUES.append(_Registered(role, key, order, build))


def registered_queues(role: Role) -> list[str]:
    return [entry.key for entry in sorted(_for(role), key=_position)]


def _for(role: Role) -> list[_Registered]:
    return [entry for entry in _QUEUES if entry.role == role]


def _position(entry: _Registered) -> tuple[int, str]:
    return (entry.order, entry.key)


@dataclass(frozen=True)
class RoleWork:
    role: Role
    queues: list[Queue]

    @property
    def waiting(self) -> int:
        return sum(queue.count for queue in self.queues if not queue.for_information)


def work_for(user: Any) -> list[RoleWork]:
    """The person's queues, under each of their roles, in the roles' order."""
    work = []
    for role in Role:
        if not user.has_role(role):
            continue
        queues = [queue for entry in sorted(_for(role), key=_position) if (queue := entry.build(user)) is not None]
        work.append(RoleWork(role, queues))
    return work
