"""A whole programme run through the website only, from an empty database to open data, in the two
shapes Grants is deployed in; at the end every email a step promised has arrived, exactly once.

The steps are in ``tests/programme/run.py`` (what happens) and ``scenario.py`` (how each person does
it, reading every form from its page, CSRF on). What is not done through the website is set-up a
deployment does too, and is marked as such there: reference data, the first administrator and
officer from the command line, and the clock.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.opendata.schema import package_errors
from tests.programme import run, scenario, shapes

BIDS = scenario.ORGANISATIONS  # each with one partner (two sectors, one confirmed partner: the defaults)
ASSESSED = BIDS - 1  # one withdraws
STAFF_WITH_TWO_FACTOR = 5  # administrator, officer, two chairs and the finance approver
LETTERS_PER_BID = 2  # the lead and the partner

# Kind of email -> how many the run's steps promise (each recipient once).
EXPECTED_EMAIL = {
    "two_factor_changed": STAFF_WITH_TWO_FACTOR,  # turning two-factor sign-in on, to the person
    "enabler_invitation": 1,  # the officer invites the enabler: a link to choose a password
    "password_changed": 1,  # the enabler chose it (told their password has changed)
    "partner_invitation": BIDS,  # each partner: the link to confirm their part
    "partner_response": BIDS,  # each lead: their partner confirmed
    "application_submitted": BIDS,  # each lead: the bid is in
    "application_withdrawn": 1,  # the lead who withdrew
    "review_assigned": ASSESSED + 1,  # one reviewer a bid, and the conflicted bid's second reviewer
    "review_look_again": 1,  # the reviewer the chair asked to look again
    "decision_approved": 2 * LETTERS_PER_BID,  # letters when the decisions take effect
    "decision_reserve": 1 * LETTERS_PER_BID,
    "decision_rejected": (ASSESSED - 3) * LETTERS_PER_BID,
    "enabler_assigned_enabler": 1,
    "enabler_assigned_lead": 1,
    "agreement_issued": 1,  # to the lead: read and sign
    "agreement_signed": 1,  # to the lead: their record
    "tranche_eligible": 1,  # to the officer: every condition of tranche 1 is met
    "release_requested": 1,  # to the finance approver: the second signature is needed
    "tranche_released": 1,  # to the lead
    "report_accepted": 1,  # to the lead
    "learning_item_reviewed": 1,  # to the lead: the case study is published
}


def check_the_post(deployment: shapes.Deployment) -> None:
    """Every promised email arrived exactly once, and nothing else was sent."""
    deployment.post_room.wait_until_drained(deployment.app)
    rows = shapes.outbox(deployment.app)
    assert dict(shapes.kinds(rows)) == EXPECTED_EMAIL
    delivered = deployment.post_room.received()
    if deployment.shape == "production":
        # Each outbox row reached the SMTP server once (matched by its Message-ID), and only those.
        arrived = Counter(message.notification_id for message in delivered)
        assert arrived == Counter({row_id: 1 for row_id, _, _, _ in rows})
        assert {row[3] for row in rows} == {"sent"}
    else:
        assert {row[3] for row in rows} == {"captured"}
        assert len(delivered) == len(rows)
    by_recipient = Counter(message.to for message in delivered)
    assert by_recipient == Counter(recipient for _, _, recipient, _ in rows)


def run_and_check(deployment: shapes.Deployment) -> None:
    programme = run.run(deployment)
    package = scenario.officer_downloads_360giving(programme)
    assert len(package["grants"]) == 2
    assert package_errors(package) == []
    check_the_post(deployment)


def test_a_programme_run_in_the_embedded_default(tmp_path):
    """SQLite file, jobs in-process (no REDIS_URL), email captured in the database."""
    deployment = shapes.embedded(tmp_path)
    try:
        run_and_check(deployment)
    finally:
        deployment.close()


def test_a_programme_run_in_the_production_shape(tmp_path, postgres_server_url, redis_url, mailbox):
    """A fresh PostgreSQL database, Redis, a Celery worker process and an SMTP server."""
    deployment = shapes.production(
        tmp_path, postgres_server_url=postgres_server_url, redis_url=redis_url, mailbox=mailbox
    )
    try:
        run_and_check(deployment)
    finally:
        deployment.close()
