from dataclasses import dataclass

import pytest

from grants.core.audit import AuditEvent
from grants.core.errors import InvalidTransition
from grants.core.workflow import Workflow

ROUND = Workflow("round", {"draft": {"open"}, "open": {"closed"}, "closed": {"assessing"}})


@dataclass
class Thing:
    id: int
    status: str
    __audit_type__ = "round"


def test_allowed_moves_are_declared_in_one_place():
    assert ROUND.allows("draft", "open")
    assert not ROUND.allows("draft", "closed")
    assert ROUND.targets("open") == {"closed"}
    assert ROUND.states == {"draft", "open", "closed", "assessing"}


def test_move_changes_state_and_writes_an_audit_event(db):
    thing = Thing(id=7, status="draft")
    ROUND.move(thing, "open", reason="call published")
    assert thing.status == "open"
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "round.open")).one()
    assert (event.object_type, event.object_id) == ("round", "7")
    assert event.before == {"status": "draft"}
    assert event.after == {"status": "open", "reason": "call published"}


def test_invalid_move_is_refused_with_a_clear_message_and_changes_nothing(db):
    thing = Thing(id=8, status="draft")
    with pytest.raises(InvalidTransition) as refused:
        ROUND.move(thing, "assessing")
    assert refused.value.message == "A round that is draft cannot become assessing."
    assert thing.status == "draft"
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == 0


def test_unknown_state_is_a_programming_error():
    with pytest.raises(ValueError):
        ROUND.check(Thing(id=1, status="draft"), "opened")
