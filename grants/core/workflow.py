"""Workflows declared as data: every allowed (from, to) pair of a thing in one place.

    class RoundStatus(StrEnum):          # beside the model; the database keeps the same words
        DRAFT = "draft"
        OPEN = "open"
        ...

    ROUND_WORKFLOW = Workflow("round", {
        RoundStatus.DRAFT: {RoundStatus.OPEN},
        RoundStatus.OPEN: {RoundStatus.CLOSED},
        ...
    }, states=RoundStatus)                # refused at import unless the table names every member

    def close_round(round_, actor):
        ROUND_WORKFLOW.move(round_, RoundStatus.CLOSED, actor=actor)   # checks, sets, flushes, audits

Who may make a move is decided by the area's ``can_<verb>`` permission before calling ``move``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, Generic, TypeVar

from grants.core import audit
from grants.core.errors import InvalidTransition
from grants.extensions import db

S = TypeVar("S", bound=str)


class Workflow(Generic[S]):
    """The moves of one kind of thing. Given ``states``, the enum of its status column, the table must
    name exactly that enum's members: a state added to one and not the other fails at import."""

    def __init__(
        self,
        thing: str,
        transitions: Mapping[S, Iterable[S]],
        *,
        attribute: str = "status",
        states: type[StrEnum] | None = None,
    ) -> None:
        self.thing = thing
        self.attribute = attribute
        # Keyed by the plain word too: a status read as a str finds its moves.
        self.transitions: dict[str, frozenset[S]] = {
            source: frozenset(targets) for source, targets in transitions.items()
        }
        self.states: frozenset[S] = frozenset(transitions).union(*self.transitions.values())
        if states is not None and self.states != frozenset(states):
            raise ValueError(
                f"the {thing} workflow moves between {sorted(self.states)}, but {states.__name__} has {sorted(states)}"
            )

    def allows(self, current: str, target: str) -> bool:
        return target in self.transitions.get(current, frozenset())

    def targets(self, current: str) -> frozenset[S]:
        return self.transitions.get(current, frozenset())

    def check(self, obj: Any, target: S) -> S:
        current: S = getattr(obj, self.attribute)
        if target not in self.states:
            raise ValueError(f"{target!r} is not a state of a {self.thing}")
        if not self.allows(current, target):
            raise InvalidTransition(self.thing, current, target)
        return current

    def move(self, obj: Any, target: S, *, actor: Any = None, action: str | None = None, **details: Any) -> Any:
        """Check the move, make it, flush and write the audit event. Never commits."""
        current = self.check(obj, target)
        setattr(obj, self.attribute, target)
        db.session.flush()
        audit.record(
            action or f"{self.thing}.{target}",
            obj,
            actor=actor,
            before={self.attribute: current},
            after={self.attribute: target, **details},
        )
        return obj
