"""The programme officer's home: every queue on it in a fixed number of queries, whether each has 10
items or 1,000 (see ``test_query_budgets`` for how statements are counted)."""

from __future__ import annotations

import re

import pytest

from grants.core.permissions import Role
from tests.factories import UserFactory
from tests.fixtures.clients import sign_in_client
from tests.performance import home_worlds
from tests.performance.test_query_budgets import (  # noqa: F401  (the fixture, autouse here too)
    Measured,
    _shape,
    selectin_batch_of_a_page,
    statements_of,
)

BUDGET = 20  # the person and their session (2), then two for each of the nine queues
QUEUES = (
    "conversations.unread",
    "applications.eligibility",
    "reviews.needing_reviewers",
    "monitoring.reports",
    "learning.reviews",
    "funding.ready",
    "funding.conditions_overdue",
    "notifications.failed",
    "rounds.closing_soon",
)
SMALL, LARGE = 10, 1_000


def measure_home(client, grow) -> Measured:
    grow(SMALL)
    client.get("/")  # warm up
    small = statements_of(client, "/")
    grow(LARGE - SMALL)
    return Measured(small, statements_of(client, "/"))


def counts(client) -> dict[str, int]:
    html = client.get("/").get_data(as_text=True)
    return {
        key: int(count) for key, count in re.findall(r'data-queue="([^"]+)".*?data-count="(\d+)"', html, flags=re.S)
    }


def assert_fixed_and_within(measured: Measured, budget: int) -> None:
    small, large = len(measured.small), len(measured.large)
    if small != large:
        from collections import Counter

        grown = Counter(map(_shape, measured.large)) - Counter(map(_shape, measured.small))
        raise AssertionError(f"{small} queries with {SMALL} items a queue, {large} with {LARGE}; more of: {grown}")
    assert small <= budget, f"{small} queries, over the budget of {budget}"


def test_the_officers_home_runs_a_fixed_number_of_queries(app, db):
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    client = sign_in_client(app, officer)
    measured = measure_home(client, lambda count: home_worlds.grow_officer_work(officer, count))
    shown = counts(client)
    assert {key: shown.get(key) for key in QUEUES} == dict.fromkeys(QUEUES, LARGE)
    assert_fixed_and_within(measured, BUDGET)


def test_a_queue_that_loads_something_for_each_item_is_caught(app, db, monkeypatch):
    """Each round closing soon read again on its own, rather than with the list."""
    from grants.extensions import db as database
    from grants.rounds import officer_queues
    from grants.rounds.models import Round

    listed = officer_queues.rounds_closing_soon

    def one_query_per_round(user):
        queue = listed(user)
        for item in queue.items:
            database.session.get(Round, int(item.href.rsplit("/", 1)[1]), populate_existing=True)
        return queue

    monkeypatch.setattr(officer_queues, "SHOWN", LARGE)
    monkeypatch.setattr(officer_queues, "rounds_closing_soon", one_query_per_round)
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    client = sign_in_client(app, officer)
    with pytest.raises(AssertionError, match=f"queries with {SMALL} items a queue, .* with {LARGE}"):
        assert_fixed_and_within(
            measure_home(client, lambda count: home_worlds.grow_officer_work(officer, count)), BUDGET
        )
