"""A refusal names what it refused without loading anything: after a failed flush the session cannot
load until it is rolled back, and the refusal is written after that rollback."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from grants.accounts.models import User
from grants.core import actions
from tests.factories import UserFactory


def test_the_refused_object_is_named_after_a_failed_flush(db):
    person = UserFactory()
    known = person.id
    db.session.expire(person)  # as a commit or rollback earlier in the request leaves it
    db.session.add(User(email=person.email, name="Twin", session_token="x", is_active=True))
    with pytest.raises(IntegrityError):
        db.session.flush()
    assert actions._identity(person) == {"object_type": "user", "object_id": known}
    db.session.rollback()
