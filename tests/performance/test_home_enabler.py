"""The enabler's home: its queues in a fixed number of queries, whether the enabler has 10 projects due
an update (and conditions to confirm) or 1,000."""

from __future__ import annotations

from grants.core.permissions import Role
from tests.factories import EnablerProfileFactory, UserFactory
from tests.fixtures.clients import sign_in_client
from tests.performance import home_worlds
from tests.performance.test_home_officer import LARGE, assert_fixed_and_within, counts, measure_home
from tests.performance.test_query_budgets import selectin_batch_of_a_page  # noqa: F401  (autouse here too)

BUDGET = 8  # the person and their session (2), then two for each of the three queues
QUEUES = ("conversations.unread", "enablers.updates", "funding.enabler_conditions")


def test_the_enablers_home_runs_a_fixed_number_of_queries(app, db):
    enabler = EnablerProfileFactory().user
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    client = sign_in_client(app, enabler)
    measured = measure_home(client, lambda count: home_worlds.grow_enabler_work(enabler, officer, count))
    shown = counts(client)
    assert {key: shown.get(key) for key in QUEUES} == dict.fromkeys(QUEUES, LARGE)
    assert_fixed_and_within(measured, BUDGET)
