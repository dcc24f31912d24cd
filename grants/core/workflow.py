"""Workflows declared as data: every allowed (from, to) pair of a thing in one place.

    ROUND_WORKFLOW = Workflow("round", {
        "draft": {"open"},
        "open": {"closed"},
        ...
    })

    def close_round(round_, actor):
        ROUND_WORKFLOW.move(round_, "closed", actor=actor)   # checks, sets, flushes, audits

Who may make a move is decided by the area's ``can_<verb>`` permission before calling ``move``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from grants.core import audit
from grants.core.errors import InvalidTransition
from grants.extensions import db


class Workflow:
    def __init__(self, thing: str, transitions: Mapping[str, Iterable[str]], *, attribute: str = "status"):
        self.thing = thing
        self.attribute = attribute
        self.transitions = {source: frozenset(targets) for source, targets in transitions.items()}
        self.states = frozenset(self.transitions) | frozenset().union(*self.transitions.values())

    def allows(self, current: str, target: str) -> bool:
        return target in self.transitions.get(current, ())

    def targets(self, current: str) -> frozenset[str]:
        return self.transitions.get(current, frozenset())

    def check(self, obj: Any, target: str) -> str:
        current = getattr(obj, self.attribute)
        if target not in self.states:
            raise ValueError(f"{target!r} is not a state of a {self.thing}")
        if not self.allows(current, target):
            raise InvalidTransition(self.thing, current, target)
        return current

    def move(self, obj: Any, target: str, *, actor: Any = None, action: str | None = None, **details: Any):
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
