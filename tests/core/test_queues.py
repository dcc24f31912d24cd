"""The home page's work queues: each role's queues under its heading, counts, items, the rest a link away."""

from __future__ import annotations

from datetime import date

import pytest

from grants.core import queues
from grants.core.permissions import Role
from grants.core.queues import Queue, WorkItem, register_queue, work_for
from tests.factories import UserFactory
from tests.fixtures.clients import sign_in_client
from tests.helpers import text


@pytest.fixture
def own_queues(monkeypatch):
    monkeypatch.setattr(queues, "_QUEUES", [])


def _letters(user):
    return Queue(
        "test.letters",
        "Letters to send",
        count=7,
        items=[
            WorkItem("Send the letter to Harbourside", "/letters/1", why="Drafted", due=date(2027, 3, 1), overdue=True)
        ],
        more=("All letters", "/letters/"),
    )


def test_a_persons_queues_come_under_each_of_their_roles_in_order(app, db, own_queues):
    register_queue(Role.FINANCE_APPROVER, "test.second", lambda user: Queue("test.second", "Second", 0), order=20)
    register_queue(Role.FINANCE_APPROVER, "test.first", lambda user: Queue("test.first", "First", 2), order=10)
    register_queue(Role.APPLICANT, "test.hidden", lambda user: None)
    person = UserFactory(roles=[Role.APPLICANT, Role.FINANCE_APPROVER])
    work = work_for(person)
    assert [(w.role, [q.key for q in w.queues], w.waiting) for w in work] == [
        (Role.APPLICANT, [], 0),
        (Role.FINANCE_APPROVER, ["test.first", "test.second"], 2),
    ]


def test_registering_a_queue_twice_keeps_one(own_queues):
    register_queue(Role.ADMIN, "test.once", _letters)
    register_queue(Role.ADMIN, "test.once", _letters)
    assert queues.registered_queues(Role.ADMIN) == ["test.once"]


def test_the_home_page_shows_counts_items_deadlines_and_the_rest_as_a_link(app, db, own_queues):
    register_queue(Role.ADMIN, "test.letters", _letters)
    register_queue(
        Role.ADMIN, "test.empty", lambda user: Queue("test.empty", "Calls to return", 0, empty="No calls to return.")
    )
    client = sign_in_client(app, UserFactory(roles=[Role.ADMIN]))
    page = text(client.get("/").get_data(as_text=True))
    assert "Your work" in page
    assert "7 things need you." in page
    assert "Letters to send : 7" in page or "Letters to send: 7" in page
    assert "Send the letter to Harbourside" in page and "Drafted" in page
    assert "Overdue since 1 March 2027" in page
    assert "All letters (6 more)" in page
    assert "Calls to return" in page and "No calls to return." in page


def test_a_person_with_nothing_waiting_is_told_so(app, db, own_queues):
    register_queue(Role.ADMIN, "test.empty", lambda user: Queue("test.empty", "Calls to return", 0))
    client = sign_in_client(app, UserFactory(roles=[Role.ADMIN]))
    page = text(client.get("/").get_data(as_text=True))
    assert "Nothing needs you right now: every list below is clear." in page


def test_a_queue_waiting_on_someone_else_is_shown_but_not_counted_as_needing_you(app, db, own_queues):
    register_queue(Role.ADMIN, "test.letters", _letters)
    register_queue(
        Role.ADMIN,
        "test.returned",
        lambda user: Queue("test.returned", "Letters returned", 3, for_information=True),
    )
    client = sign_in_client(app, UserFactory(roles=[Role.ADMIN]))
    page = text(client.get("/").get_data(as_text=True))
    assert "7 things need you." in page
    assert "Letters returned" in page and "For information: this waits for someone else" in page
