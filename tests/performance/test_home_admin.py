"""The administrator's home runs the same number of statements with 10 people waiting for a role (and 10
refusals) as with 1,000 of each, within its budget: each queue is a count and a short list."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from grants.accounts.models import User
from grants.admin.queues import WORTH_A_LOOK
from grants.core.audit import AuditEvent
from grants.core.db import utcnow
from grants.core.permissions import Role
from grants.directory.models import Organisation
from grants.extensions import db
from tests.factories import UserFactory
from tests.fixtures.clients import sign_in_client
from tests.performance.test_query_budgets import (  # noqa: F401  (the fixture applies here too)
    _shape,
    analyze_what_was_written,
    selectin_batch_of_a_page,
    statements_of,
)
from tests.work_queues import home_queue

BUDGET = 6  # the person and their roles, then a count and a list for each of the two queues
SMALL, LARGE = 10, 1_000
KINDS = sorted(WORTH_A_LOOK)


class AdminWorld:
    def __init__(self):
        self.admin = UserFactory(roles=[Role.ADMIN])
        self.made = 0

    def grow(self, count: int) -> None:
        """``count`` more people without a role, each of their own organisation, and ``count`` more refusals
        worth a look, of every kind in turn, each by one of them."""
        numbers = range(self.made + 1, self.made + count + 1)
        self.made += count
        organisations = db.session.scalars(
            insert(Organisation).returning(Organisation.id, sort_by_parameter_order=True),
            [
                {"name": f"Waiting {n}", "sector": "voluntary_community", "org_id": f"GB-CHC-{7_000_000 + n}"}
                for n in numbers
            ],
        ).all()
        now = utcnow()
        people = db.session.scalars(
            insert(User).returning(User.id, sort_by_parameter_order=True),
            [
                {
                    "email": f"waiting{n}@example.org",
                    "name": f"Waiting Person {n}",
                    "session_token": f"waiting-session-{n}",
                    "organisation_id": organisation_id,
                    "created_at": now - timedelta(minutes=n),
                }
                for n, organisation_id in zip(numbers, organisations, strict=True)
            ],
        ).all()
        db.session.execute(
            insert(AuditEvent),
            [
                {
                    "action": KINDS[n % len(KINDS)],
                    "actor_id": person_id,
                    "object_type": "request",
                    "occurred_at": now - timedelta(hours=n % 100),
                    "after": {"status": 403},
                }
                for n, person_id in zip(numbers, people, strict=True)
            ],
        )
        db.session.commit()
        analyze_what_was_written()  # what the database knows of its tables, as it would in use


def _measure(app):
    world = AdminWorld()
    client = sign_in_client(app, world.admin)
    world.grow(SMALL)
    client.get("/")  # warm up: whatever a first request loads once
    small = statements_of(client, "/")
    world.grow(LARGE - SMALL)
    large = statements_of(client, "/")
    return small, large, client


def test_the_administrators_home_runs_a_fixed_number_of_queries_within_its_budget(app, db):
    small, large, client = _measure(app)
    people = home_queue(client, "admin.people")
    assert (people.count, len(people.links)) == (LARGE, 5)
    refusals = home_queue(client, "admin.refusals")
    assert (refusals.count, len(refusals.links)) == (len(KINDS), 5)
    assert f"1,000 in the last 7 days, of {len(KINDS)} kinds" in refusals.words
    assert len(small) == len(large), [_shape(statement) for statement in large]
    assert len(small) <= BUDGET, f"the administrator's home: {len(small)} queries, over its budget of {BUDGET}"


def test_a_load_of_each_waiting_persons_roles_is_over_the_budget(app, db, monkeypatch):
    """Each person's roles loaded with them (one more query), or looked at one by one, is caught."""
    from grants.admin import queues

    monkeypatch.setattr(queues, "set_committed_value", lambda person, key, value: getattr(person, key))
    small, large, _ = _measure(app)
    assert len(small) == len(large) > BUDGET
