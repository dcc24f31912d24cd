"""Starting a bid twice at the same moment makes one bid, and both answers lead to it, never a 500: on
PostgreSQL, with real commits, from threads that meet at a barrier, many times over. A double click
sends the same page twice (the same key); two colleagues send two pages (two keys), and the database's
one-live-bid-per-lead index decides."""

from __future__ import annotations

import threading

import pytest

from grants.applications.models import Application
from grants.core import once
from tests.factories import ApplicantFactory, RoundFactory
from tests.fixtures.clients import sign_in_client

ROUNDS = 6


def _start_at_once(clients, round_id: int, keys: list[str]) -> list[tuple[int, str]]:
    barrier = threading.Barrier(len(clients))
    answers: list[tuple[int, str]] = []

    def send(client, key):
        barrier.wait(10)
        response = client.post(f"/rounds/{round_id}/start", data={"title": "Better together", "submission": key})
        answers.append((response.status_code, response.headers.get("Location", "")))

    threads = [threading.Thread(target=send, args=(client, key)) for client, key in zip(clients, keys, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return answers


@pytest.mark.parametrize("same_page", [True, False], ids=["double click", "two colleagues"])
def test_a_bid_started_twice_at_the_same_moment_is_one_bid(app, committed_db, same_page):
    lead = ApplicantFactory()
    colleague = ApplicantFactory(organisation=lead.organisation)
    round_ids = [RoundFactory().id for _ in range(ROUNDS)]
    clients = [sign_in_client(app, lead), sign_in_client(app, lead if same_page else colleague)]
    organisation_id = lead.organisation_id
    committed_db.session.commit()
    committed_db.session.remove()
    for round_id in round_ids:
        key = once.new_key()
        answers = _start_at_once(clients, round_id, [key, key] if same_page else [key, once.new_key()])
        bids = committed_db.session.scalars(
            committed_db.select(Application).where(
                Application.round_id == round_id, Application.lead_organisation_id == organisation_id
            )
        ).all()
        assert len(bids) == 1
        assert all(code in (302, 303) for code, _ in answers), answers
        assert {location for _, location in answers} == {f"/applications/{bids[0].id}"}
        assert bids[0].title == "Better together"
        committed_db.session.remove()
