"""The finance approver's home runs the same number of statements with 10 items in each of its queues as
with 1,000, within its budget: each queue is a count and a short list, whatever waits.

The world is made in bulk: projects with a release
requested, a tranche held, a request the approver returned and a waiver proposed; as many proposals to end
a project early; as many projects ended early with a repayment owed.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import insert

from grants.applications.models import Application
from grants.core.audit import AuditEvent
from grants.core.db import utcnow
from grants.core.permissions import Role
from grants.directory.models import Organisation
from grants.extensions import db
from grants.funding.models import Tranche, TrancheCondition
from grants.projects.models import Project, ProjectEnding
from tests.factories import OrganisationFactory, RoundFactory, UserFactory
from tests.fixtures.clients import sign_in_client
from tests.performance.test_query_budgets import (  # noqa: F401  (the fixture applies here too)
    _shape,
    analyze_what_was_written,
    selectin_batch_of_a_page,
    statements_of,
)
from tests.work_queues import home_queue

BUDGET = 14  # the person and their roles, then a count and a list for each of the six queues
SMALL, LARGE = 10, 1_000
QUEUES = (
    "funding.releases",
    "funding.waivers",
    "funding.early_ends",
    "funding.repayments",
    "funding.holds",
    "funding.returned",
)


class FinanceWorld:
    def __init__(self):
        self.round = RoundFactory(status="decided")
        self.finance = UserFactory(roles=[Role.FINANCE_APPROVER], name="James Whitfield")
        self.colleague = UserFactory(roles=[Role.FINANCE_APPROVER])
        self.officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
        self.lead = UserFactory(roles=[Role.APPLICANT], organisation=OrganisationFactory())
        self.made = 0

    def grow(self, count: int) -> None:
        """``count`` more items in each of the finance approver's queues."""
        running = self._projects(count, status="active")
        ended = self._projects(count, status="ended_early")
        self._tranches(running)
        now = utcnow()
        db.session.execute(
            insert(ProjectEnding),
            [
                {
                    "project_id": project_id,
                    "kind": "ended_early",
                    "status": "proposed",
                    "reason": "The partnership broke up.",
                    "proposed_by_id": self.officer.id,
                }
                for project_id in running
            ]
            + [
                {
                    "project_id": project_id,
                    "kind": "ended_early",
                    "status": "confirmed",
                    "reason": "The partnership broke up.",
                    "proposed_by_id": self.officer.id,
                    "decided_by_id": self.colleague.id,
                    "decided_at": now,
                    "repayment_pence": 100_000,
                }
                for project_id in ended
            ],
        )
        db.session.commit()
        analyze_what_was_written()  # what the database knows of its tables, as it would in use

    def _projects(self, count: int, *, status: str) -> list[int]:
        """``count`` projects, each from a bid of its own (the bids bulk-made: what a project shows on the
        home is its own reference and title)."""
        today, now = date.today(), utcnow()
        numbers = range(self.made + 1, self.made + count + 1)
        self.made += count
        organisations = db.session.scalars(  # a lead organisation each: one live bid per lead in a round
            insert(Organisation).returning(Organisation.id, sort_by_parameter_order=True),
            [
                {"name": f"Partnership {n}", "sector": "voluntary_community", "org_id": f"GB-CHC-{5_000_000 + n}"}
                for n in numbers
            ],
        ).all()
        bids = db.session.scalars(
            insert(Application).returning(Application.id, sort_by_parameter_order=True),
            [
                {
                    "round_id": self.round.id,
                    "reference": f"{self.round.code}-{n:05d}",
                    "lead_organisation_id": organisation_id,
                    "lead_applicant_id": self.lead.id,
                    "status": "approved",
                    "title": f"Project {n}",
                    "section_states": {},
                    "amount_requested_pence": 2_700_000,
                    "match_amount_pence": 1_000_000,
                    "submitted_at": now,
                }
                for n, organisation_id in zip(numbers, organisations, strict=True)
            ],
        ).all()
        return list(
            db.session.scalars(
                insert(Project).returning(Project.id, sort_by_parameter_order=True),
                [
                    {
                        "application_id": bid_id,
                        "round_id": self.round.id,
                        "reference": f"{self.round.code}-{n:05d}",
                        "title": f"Project {n}",
                        "lead_organisation_id": organisation_id,
                        "award_pence": 2_700_000,
                        "starts_on": today - timedelta(days=100),
                        "ends_on": today + timedelta(days=265),
                        "status": status,
                        "finished_at": now if status == "ended_early" else None,
                    }
                    for n, bid_id, organisation_id in zip(numbers, bids, organisations, strict=True)
                ],
            )
        )

    def _tranches(self, project_ids: list[int]) -> None:
        """Each project's first tranche requested, its second held, its third returned to the programme
        team by the finance approver, with a waiver proposed for one of its conditions."""
        today, now = date.today(), utcnow()
        unset = dict.fromkeys(("requested_at", "requested_by_id", "held_at", "held_by_id", "held_reason"))
        common = {**unset, "percentage": None, "due_on": today + timedelta(days=10)}
        rows = []
        for project_id in project_ids:
            rows += [
                {
                    **common,
                    "project_id": project_id,
                    "sequence": 1,
                    "amount_pence": 1_350_000,
                    "status": "requested",
                    "requested_at": now,
                    "requested_by_id": self.officer.id,
                },
                {
                    **common,
                    "project_id": project_id,
                    "sequence": 2,
                    "amount_pence": 810_000,
                    "status": "held",
                    "held_at": now,
                    "held_by_id": self.colleague.id,
                    "held_reason": "Bank details changed.",
                },
                {**common, "project_id": project_id, "sequence": 3, "amount_pence": 540_000, "status": "eligible"},
            ]
        table = Tranche.__table__  # rows unlike in their empty columns still go in one statement
        ids = db.session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).all()
        returned = ids[2::3]
        db.session.execute(
            insert(TrancheCondition),
            [
                {
                    "tranche_id": tranche_id,
                    "kind": "match_confirmed",
                    "position": 0,
                    "waiver_reason": "The board confirmed it in its minutes.",
                    "waiver_proposed_at": now,
                    "waiver_proposed_by_id": self.officer.id,
                }
                for tranche_id in returned
            ],
        )
        for action, actor, after in (
            ("funding.release_requested", self.officer, {"status": "requested"}),
            ("funding.release_returned", self.finance, {"status": "eligible", "reason": "Wrong invoice."}),
        ):
            db.session.execute(
                insert(AuditEvent),
                [
                    {
                        "action": action,
                        "actor_id": actor.id,
                        "object_type": "tranche",
                        "object_id": str(tranche_id),
                        "after": after,
                    }
                    for tranche_id in returned
                ],
            )


def _measure(app):
    world = FinanceWorld()
    client = sign_in_client(app, world.finance)
    world.grow(SMALL)
    client.get("/")  # warm up: whatever a first request loads once
    small = statements_of(client, "/")
    world.grow(LARGE - SMALL)
    large = statements_of(client, "/")
    return small, large, client


def test_the_finance_approvers_home_runs_a_fixed_number_of_queries_within_its_budget(app, db):
    small, large, client = _measure(app)
    for key in QUEUES:
        shown = home_queue(client, key)
        assert (shown.count, len(shown.links)) == (LARGE, 5), key
    assert "£13,500,000 in total" in home_queue(client, "funding.releases").words  # 1,000 of £13,500
    assert len(small) == len(large), [_shape(statement) for statement in large]
    assert len(small) <= BUDGET, f"the finance approver's home: {len(small)} queries, over its budget of {BUDGET}"


def test_a_lazy_load_for_each_release_shown_is_over_the_budget(app, db, monkeypatch):
    """Each release's project loaded when the home shows it, rather than with the release: five more
    queries for each queue of tranches, the same at 10 and at 1,000 (five are shown), but over the budget."""
    from sqlalchemy.orm import lazyload

    from grants.funding import finance_queues

    monkeypatch.setattr(
        finance_queues, "_tranches", lambda: db.select(Tranche).join(Tranche.project).options(lazyload(Tranche.project))
    )
    small, large, _ = _measure(app)
    assert len(small) == len(large) > BUDGET
