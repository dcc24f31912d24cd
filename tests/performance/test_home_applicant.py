"""Query budget for the applicant's home: every queue of theirs built in the same number of statements
with 10 items in each as with 1,000, and no more than its budget. The world grows in bulk: each item is
a row of its own (its own round, bid, project), so a load per item would show as a statement per item."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import insert

from grants.applications.models import Application, Partner
from grants.bidforms.default import DEFAULT_FORM
from grants.bidforms.models import FormPage, FormQuestion
from grants.core.db import utcnow
from grants.extensions import db
from grants.funding.models import GrantAgreement
from grants.leadership import services as leadership
from grants.leadership.models import AssessmentInvitation, Participant
from grants.learning.models import LearningCommitment, LearningItem
from grants.monitoring.models import ProgressReport
from grants.projects.models import Project
from grants.reviews.models import Decision
from grants.rounds.models import Round
from tests.conftest import rolled_back
from tests.factories import ApplicantFactory, OrganisationFactory, UserFactory
from tests.fixtures.clients import sign_in_client
from tests.performance import home_worlds, test_query_budgets
from tests.performance.test_query_budgets import (
    Measured,
    analyze_what_was_written,
    assert_within_budget,
    load_selectin_batches_a_page_long,
    statements_of,
)
from tests.work_queues import home_queue

# Two to know who is signed in, and two for each of the applicant's nine queues (three for one), and two
# for the forms of the drafts shown (their sections: the pages of each round's form).
BUDGET = 23
SMALL, LARGE = 10, 1000
KEYS = (
    "conversations.unread",
    "applications.drafts",
    "applications.partners",
    "reviews.decisions",
    "funding.agreements",
    "monitoring.changes",
    "monitoring.reports",
    "learning.commitments",
    "leadership.assessments",
)
_numbers = itertools.count(1)


def _ids(model, rows: list[dict]) -> list[int]:
    return list(db.session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), rows))


def _rounds(count: int, *, open_: bool) -> list[int]:
    now = utcnow()
    rows = []
    for _ in range(count):
        n = next(_numbers)
        opens, closes = (
            (now - timedelta(days=5), now + timedelta(days=n % 60 + 1))
            if open_
            else (
                now - timedelta(days=200),
                now - timedelta(days=100),
            )
        )
        rows.append(
            {
                "code": f"H{n:06d}",
                "title": f"Wave {n}",
                "opens_at": opens,
                "closes_at": closes,
                "budget_pence": 67_500_000,
                "status": "open" if open_ else "decided",
            }
        )
    ids = _ids(Round, rows)
    _forms(ids)
    return ids


def _forms(round_ids: list[int]) -> None:
    """The programme's form for each round, its pages and questions written in bulk."""
    pages = _ids(
        FormPage,
        [
            {"round_id": round_id, "position": position, "key": key, "title": title, "description": description}
            for round_id in round_ids
            for position, (key, title, description, _questions) in enumerate(DEFAULT_FORM, start=1)
        ],
    )
    per_round = len(DEFAULT_FORM)
    db.session.execute(
        insert(FormQuestion),
        [
            {
                "round_id": round_id,
                "page_id": page_id,
                "position": number,
                "title": question.get("title", question["key"]),
                "hint": "",
                "choices": [],
                **{k: v for k, v in question.items() if k not in ("title", "hint")},
            }
            for index, round_id in enumerate(round_ids)
            for page_id, (_key, _title, _description, questions) in zip(
                pages[index * per_round : (index + 1) * per_round], DEFAULT_FORM, strict=True
            )
            for number, question in enumerate(questions, start=1)
        ],
    )


def grow_applicant_work(person, partner_organisation, officer, author, framework, count: int) -> None:
    """``count`` more of every kind of work on the person's home: drafts (each with a partner yet to
    confirm), and funded bids whose decisions are unread, each with an unread message, each project with an
    agreement to sign, a report due, a report and a learning item sent back, a commitment due and a
    self-assessment waiting."""
    now, today = utcnow(), date.today()
    organisation = person.organisation_id
    drafts = _ids(
        Application,
        [
            {
                "round_id": round_id,
                "lead_organisation_id": organisation,
                "lead_applicant_id": person.id,
                "status": "draft",
                "title": f"Draft {round_id}",
                "section_states": {"partnership": "completed", "issue": "completed"},
            }
            for round_id in _rounds(count, open_=True)
        ],
    )
    db.session.execute(
        insert(Partner),
        [
            {
                "application_id": application_id,
                "organisation_id": partner_organisation.id,
                "role": "Health partner",
                "contact_name": f"Contact {application_id}",
                "contact_email": f"contact{application_id}@example.org",
                "status": "invited",
                "invitation_nonce": secrets.token_hex(16),
                "invited_at": now - timedelta(days=2),
            }
            for application_id in drafts
        ],
    )
    funded_rounds = _rounds(count, open_=False)
    funded = _ids(
        Application,
        [
            {
                "round_id": round_id,
                "reference": f"H{round_id:06d}-1",
                "lead_organisation_id": organisation,
                "lead_applicant_id": person.id,
                "status": "approved",
                "title": f"Funded {round_id}",
                "section_states": {},
                "submitted_at": now - timedelta(days=120),
            }
            for round_id in funded_rounds
        ],
    )
    db.session.execute(
        insert(Decision),
        [
            {
                "application_id": a,
                "outcome": "approved",
                "rationale": "Agreed.",
                "effective_at": now - timedelta(days=1),
            }
            for a in funded
        ],
    )
    projects = _ids(
        Project,
        [
            {
                "application_id": application_id,
                "round_id": round_id,
                "reference": f"P{application_id:07d}",
                "title": f"Project {application_id}",
                "lead_organisation_id": organisation,
                "award_pence": 2_700_000,
                "starts_on": today - timedelta(days=100),
                "ends_on": today + timedelta(days=265),
                "status": "active",
            }
            for application_id, round_id in zip(funded, funded_rounds, strict=True)
        ],
    )
    db.session.execute(
        insert(GrantAgreement),
        [
            {"project_id": p, "status": "issued", "terms": "Terms.", "award_pence": 2_700_000, "issued_at": now}
            for p in projects
        ],
    )
    report = {"period_start": today - timedelta(days=100), "period_end": today - timedelta(days=10)}
    db.session.execute(
        insert(ProgressReport),
        [{"project_id": p, "sequence": 1, "due_on": today + timedelta(days=4), **report} for p in projects]
        + [
            {
                "project_id": p,
                "sequence": 2,
                "due_on": today - timedelta(days=1),
                "status": "changes_requested",
                "submitted_at": now - timedelta(days=3),
                "submitted_by_id": author.id,
                "reviewed_at": now - timedelta(days=1),
                "reviewed_by_id": officer.id,
                "review_comment": "Add the outcome values.",
                **report,
            }
            for p in projects
        ],
    )
    db.session.execute(
        insert(LearningItem),
        [
            {"project_id": p, "title": f"Lesson {p}", "status": "returned", "author_id": author.id, "reviewed_at": now}
            for p in projects
        ],
    )
    db.session.execute(
        insert(LearningCommitment),
        [
            {"project_id": p, "kind": "case_study", "description": "Publish a case study.", "due_on": today}
            for p in projects
        ],
    )
    home_worlds.unread_messages("programme", officer.id, application_ids=funded)
    participants = _ids(
        Participant, [{"project_id": p, "name": f"Leader {p}", "email": f"leader{p}@example.org"} for p in projects]
    )
    db.session.execute(
        insert(AssessmentInvitation),
        [
            {
                "participant_id": participant,
                "stage": "baseline",
                "framework_id": framework.id,
                "token_digest": secrets.token_hex(32),
            }
            for participant in participants
        ],
    )
    db.session.commit()
    analyze_what_was_written()  # what the database knows of its tables, as it would in use


def _world(app):
    person = ApplicantFactory()
    framework = leadership.ensure_framework()
    db.session.commit()
    grow = lambda count: grow_applicant_work(  # noqa: E731
        person, OrganisationFactory(sector="nhs"), UserFactory(), UserFactory(), framework, count
    )
    return sign_in_client(app, person), grow


@dataclass
class Home:
    """The applicant's home measured on one world, grown from ``SMALL`` to ``LARGE`` items in each queue:
    as it is, and with each draft's round left to load when the draft is shown (``_LazyRound``)."""

    measured: Measured
    lazy: Measured
    counts: dict[str, int]
    drafts: str


@pytest.fixture(scope="module")
def home(app) -> Iterator[Home]:
    """The world is built once for the module (a thousand items in each of nine queues), in a transaction
    rolled back at the end; each test reads what was measured on it."""
    from grants.applications import applicant_queues

    def lazily(client) -> list[str]:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(applicant_queues, "contains_eager", lambda *args: _LazyRound())
            return statements_of(client, "/")

    with rolled_back(app), pytest.MonkeyPatch.context() as patch:
        load_selectin_batches_a_page_long(patch)  # as for every budget
        client, grow = _world(app)
        grow(SMALL)
        client.get("/")  # warm up: whatever a first request loads once
        small, lazy_small = statements_of(client, "/"), lazily(client)
        grow(LARGE - SMALL)
        large, lazy_large = statements_of(client, "/"), lazily(client)
        counts = {key: home_queue(client, key).count for key in KEYS}
        yield Home(
            Measured(small, large),
            Measured(lazy_small, lazy_large),
            counts,
            home_queue(client, "applications.drafts").words,
        )


def test_the_applicants_home_runs_a_fixed_number_of_queries_within_its_budget(home, monkeypatch):
    monkeypatch.setitem(test_query_budgets.BUDGETS, "applicant_home", BUDGET)
    assert_within_budget("applicant_home", home.measured)


def test_every_queue_counts_all_its_items_and_shows_the_first_few(home):
    assert home.counts == {**dict.fromkeys(KEYS, LARGE), "monitoring.changes": 2 * LARGE}
    words = home.drafts
    assert words.count("Finish Draft") == 5 and f"({LARGE - 5:,} more)" in words and "2 of 8 sections done" in words


def test_a_load_for_each_item_is_caught(home, monkeypatch):
    """Each draft's round loaded when the item shows it, rather than with the draft: only the first few
    are shown, so it is the budget that catches it."""
    monkeypatch.setitem(test_query_budgets.BUDGETS, "applicant_home", BUDGET)
    with pytest.raises(AssertionError, match=rf"applicant_home: \d+ queries, over its budget of {BUDGET}"):
        assert_within_budget("applicant_home", home.lazy)


class _LazyRound:
    """In place of ``contains_eager(Application.round)``: the round left to load when it is read."""

    def load_only(self, *args):
        from sqlalchemy.orm import lazyload

        return lazyload(Application.round)
