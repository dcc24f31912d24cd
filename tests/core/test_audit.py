import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from grants.core import audit
from grants.core.audit import AuditEvent
from tests.factories import UserFactory
from tests.fixtures.clients import sign_in_client


def test_record_keeps_actor_object_and_change(db):
    officer = UserFactory()
    subject = UserFactory()
    event = audit.record(
        "user.roles_changed", subject, actor=officer, before={"roles": []}, after={"roles": ["enabler"]}
    )
    db.session.commit()
    stored = db.session.get(AuditEvent, event.id)
    assert (stored.actor_id, stored.action, stored.object_type, stored.object_id) == (
        officer.id,
        "user.roles_changed",
        "user",
        str(subject.id),
    )
    assert stored.before == {"roles": []} and stored.after == {"roles": ["enabler"]}
    assert stored.occurred_at.tzinfo is not None


def test_audit_events_cannot_be_changed_through_the_orm(db):
    event = audit.record("thing.happened", object_type="thing", object_id=1)
    db.session.commit()
    event.action = "thing.rewritten"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET action = 'rewritten'", "DELETE FROM audit_events"])
def test_audit_events_cannot_be_changed_in_the_database(db, statement):
    audit.record("thing.happened", object_type="thing", object_id=1)
    db.session.flush()
    with pytest.raises(DBAPIError, match="append-only"):
        with db.session.begin_nested():
            db.session.execute(text(statement))
    assert db.session.scalar(text("SELECT count(*) FROM audit_events WHERE action = 'thing.happened'")) == 1


def test_a_refused_request_is_recorded_with_who_where_and_what(app, db):
    user = UserFactory()
    response = sign_in_client(app, user).get("/admin/people", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 403
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "access.refused")).one()
    assert (event.actor_id, event.ip_address, event.request_path) == (user.id, "203.0.113.9", "/admin/people")
    assert event.after == {"method": "GET", "status": 403}
