"""What every part of the programme-scale data shares: the sizes asked for, the random source and the
clock, the rows made so far, and a writer that inserts them in batches with SQLAlchemy Core."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import insert

from grants.core.db import utcnow
from grants.extensions import db

BATCH = 5_000  # rows per INSERT ... VALUES statement group
DOMAIN = "scale.example.org"


class SizeError(ValueError):
    """The sizes asked for cannot make a valid programme."""


@dataclass(frozen=True)
class Sizes:
    applications: int = 5_000
    projects: int = 1_000
    updates: int = 50_000
    ranking_bids: int = 1_000
    busiest_updates: int = 500

    def check(self) -> None:
        if min(self.projects, self.ranking_bids, self.busiest_updates) < 1:
            raise SizeError("--projects, --ranking-bids and --busiest-project-updates must each be at least 1.")
        if self.updates < self.busiest_updates:
            raise SizeError("--updates must be at least --busiest-project-updates.")
        needed = self.ranking_bids + self.projects + self.open_round_bids + self.ranking_extras
        if self.applications < needed:
            raise SizeError(
                f"--applications must be at least {needed:,}: the round being ranked, its drafts and withdrawals, "
                "a bid for every project, and the open round."
            )

    @property
    def open_round_bids(self) -> int:
        return max(1, self.applications // 10)

    @property
    def ranking_extras(self) -> int:
        """Drafts, withdrawals and ineligible bids in the round being ranked, beside those under review."""
        return self.ranking_bids * 8 // 100

    @property
    def decided_bids(self) -> int:
        return self.applications - self.ranking_bids - self.ranking_extras - self.open_round_bids


class Writer:
    """Inserts lists of rows (dicts with the same keys) a batch at a time, and counts them by table."""

    def __init__(self):
        self.counts: Counter[str] = Counter()

    def rows(self, model, rows: list[dict]) -> None:
        table = getattr(model, "__table__", model)
        for start in range(0, len(rows), BATCH):
            db.session.execute(insert(table), rows[start : start + BATCH])
        self.counts[table.name] += len(rows)

    def ids(self, model, rows: list[dict]) -> list[int]:
        """Inserts the rows and returns their new ids, in the rows' order."""
        table = getattr(model, "__table__", model)
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        ids: list[int] = []
        for start in range(0, len(rows), BATCH):
            ids.extend(db.session.execute(statement, rows[start : start + BATCH]).scalars())
        self.counts[table.name] += len(rows)
        return ids


@dataclass
class Place:
    id: int
    name: str
    region: str

    @property
    def town(self) -> str:
        return self.name.split(",")[0]


@dataclass
class Organisation:
    id: int
    name: str
    sector: str
    place: Place
    applicant_id: int | None = None


@dataclass
class Round:
    id: int
    code: str
    status: str
    opens_at: datetime
    closes_at: datetime
    assessment_deadline: date
    project_months: int
    report_every_months: int
    criteria: list[tuple[int, int]] = field(default_factory=list)  # (id, position)
    pages: list[str] = field(default_factory=list)  # its form's page keys, in order


@dataclass
class Bid:
    round: Round
    lead: Organisation
    status: str
    theme: int  # index into Scale.themes
    quality: float
    created_at: datetime
    reference: str | None = None
    submitted_at: datetime | None = None
    amount_pence: int | None = None
    title: str = ""
    sections: list[str] = field(default_factory=list)
    id: int = 0
    measure_plans: list[tuple[int, dict]] = field(default_factory=list)  # (id, row)
    commitment_plans: list[tuple[int, dict]] = field(default_factory=list)
    decided_on: date | None = None


@dataclass
class Scale:
    """Everything made so far, for the parts made after it."""

    sizes: Sizes
    rng: random.Random
    writer: Writer = field(default_factory=Writer)
    now: datetime = field(default_factory=utcnow)
    places: list[Place] = field(default_factory=list)
    themes: list[tuple[int, str, str]] = field(default_factory=list)  # (id, slug, name)
    organisations: list[Organisation] = field(default_factory=list)
    people: dict[str, list[int]] = field(default_factory=dict)  # role -> user ids
    names: dict[int, str] = field(default_factory=dict)  # user id -> name
    enablers: list[tuple[int, set[str]]] = field(default_factory=list)  # (user id, regions)
    enabler_capacity: int = 3
    rounds: list[Round] = field(default_factory=list)
    bids: list[Bid] = field(default_factory=list)
    projects: list = field(default_factory=list)  # grants.demo.scale.projects.ProjectPlan

    @property
    def today(self) -> date:
        return self.now.date()

    def person(self, role: str, number: int = 0) -> int:
        """One of the people with a role, in turn."""
        people = self.people[role]
        return people[number % len(people)]
