from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Column, Date, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.bidforms.models import FormPage
from grants.core.db import Money, StatusColumn, TimestampMixin, UTCDateTime, utcnow
from grants.directory.models import Theme
from grants.extensions import Model, db


class RoundStatus(StrEnum):
    """Where a round is in its life; stored as these words."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    ASSESSING = "assessing"
    DECIDED = "decided"
    ARCHIVED = "archived"


STATUSES = tuple(member.value for member in RoundStatus)  # the words the database keeps
STATUS_LABELS = {
    "draft": "Draft",
    "open": "Open",
    "closed": "Closed",
    "assessing": "Assessing",
    "decided": "Decided",
    "archived": "Archived",
}
DEFAULT_AWARD_PENCE = 2_700_000
DEFAULT_MATCH_PENCE = 1_000_000
DEFAULT_TRANCHE_PLAN = [50, 30, 20]
DEFAULT_ELIGIBILITY = {
    "min_partner_sectors": 2,
    "min_confirmed_partners": 1,
    "match_at_least_required": True,
    "min_learning_commitments": 1,
}

round_themes = Table(
    "round_themes",
    db.metadata,
    Column("round_id", ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="RESTRICT"), primary_key=True),
)


class Round(TimestampMixin, Model):
    """A wave of the programme: a call for bids, its rules, and the budget it chooses within."""

    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    guidance: Mapped[str] = mapped_column(Text, nullable=False, default="")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    assessment_deadline: Mapped[date | None] = mapped_column(Date)
    award_pence: Mapped[int] = mapped_column(Money, nullable=False, default=DEFAULT_AWARD_PENCE)
    match_required_pence: Mapped[int] = mapped_column(Money, nullable=False, default=DEFAULT_MATCH_PENCE)
    match_funder_label: Mapped[str] = mapped_column(
        String(120), nullable=False, default="the local health and wellbeing board"
    )
    places: Mapped[int | None] = mapped_column(Integer)
    budget_pence: Mapped[int] = mapped_column(Money, nullable=False)
    project_months: Mapped[int] = mapped_column(Integer, nullable=False, default=12, server_default="12")
    # Progress reports: one for every so many months from the project's start, and a final report.
    report_every_months: Mapped[int] = mapped_column(Integer, nullable=False, default=3, server_default="3")
    tranche_plan: Mapped[list] = mapped_column(JSON, nullable=False, default=lambda: list(DEFAULT_TRANCHE_PLAN))
    # The words of its grant agreements, with {{ placeholders }}; None for the service's default.
    agreement_template: Mapped[str | None] = mapped_column(Text)
    eligibility: Mapped[dict] = mapped_column(JSON, nullable=False, default=lambda: dict(DEFAULT_ELIGIBILITY))
    status: Mapped[RoundStatus] = mapped_column(StatusColumn(RoundStatus), nullable=False, default=RoundStatus.DRAFT)
    last_reference_number: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    themes: Mapped[list[Theme]] = relationship(secondary=round_themes, order_by=Theme.name, lazy="selectin")
    criteria: Mapped[list[RubricCriterion]] = relationship(
        back_populates="round", order_by="RubricCriterion.position", cascade="all, delete-orphan", lazy="select"
    )
    # Its application form (``grants.bidforms``), whole: ``grants.bidforms.queries.form_of``.
    pages: Mapped[list[FormPage]] = relationship(order_by="FormPage.position", lazy="select", viewonly=True)

    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        CheckConstraint("award_pence > 0", name="award_positive"),
        CheckConstraint("match_required_pence >= 0", name="match_not_negative"),
        CheckConstraint("budget_pence >= award_pence", name="budget_at_least_one_award"),
        CheckConstraint("places IS NULL OR places > 0", name="places_positive"),
        CheckConstraint("project_months BETWEEN 1 AND 120", name="project_months_range"),
        CheckConstraint("report_every_months BETWEEN 1 AND 12", name="report_every_months_range"),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="known_status"),
    )

    def __repr__(self) -> str:
        return f"<Round {self.code} {self.status}>"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def is_upcoming(self, now: datetime | None = None) -> bool:
        return self.status == RoundStatus.OPEN and (now or utcnow()) < self.opens_at

    def is_accepting(self, now: datetime | None = None) -> bool:
        """Bids can be started, changed and submitted: published, opened, and not yet closed.

        The clock decides, not the status alone: at the closing time nothing more is accepted even
        if the sweep that marks the round closed has not yet run.
        """
        now = now or utcnow()
        return self.status == RoundStatus.OPEN and self.opens_at <= now < self.closes_at

    @property
    def form_frozen(self) -> bool:
        """Its questions are fixed once it is published: only their guidance can change after."""
        return self.status != RoundStatus.DRAFT

    @property
    def rule(self) -> dict:
        return {**DEFAULT_ELIGIBILITY, **(self.eligibility or {})}


class RubricCriterion(Model):
    """One thing the steering group scores, with its weight and scale."""

    __tablename__ = "rubric_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    guidance: Mapped[str] = mapped_column(Text, nullable=False, default="")
    weight: Mapped[int] = mapped_column(Integer, nullable=False)
    scale_min: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    scale_max: Mapped[int] = mapped_column(Integer, nullable=False, default=5)
    # The keys of the form's questions it assesses: the reviewer sees their answers beside its score.
    question_keys: Mapped[list] = mapped_column(JSON, nullable=False, default=list, server_default="[]")

    round: Mapped[Round] = relationship(back_populates="criteria")

    __table_args__ = (
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint("scale_max > scale_min", name="scale_ordered"),
    )


SUGGESTED_RUBRIC = [
    (
        "Strength of the partnership across sectors",
        20,
        "How many sectors take part, how equal the partners are, and whether they already work together.",
    ),
    ("Clarity of the shared vision", 15, "Whether the partners describe, in plain language, one vision they all hold."),
    (
        "Fit of a systems-leadership approach to the issue",
        20,
        "Why the issue needs leaders across the system rather than a single service's fix.",
    ),
    ("Citizen and community voice", 15, "How residents and communities shape the work, building on their strengths."),
    (
        "Measurable outcomes",
        15,
        "Whether the outcomes are specific, with baselines and targets, and new ways of measuring impact.",
    ),
    (
        "Commitment to share and apply learning",
        15,
        "How the partnership will apply what it learns to other issues and share it with others.",
    ),
]

# The questions of the default form each suggested criterion assesses, by the criterion's title: the
# reviewer sees their answers beside its score. An officer can change them on each round.
SUGGESTED_QUESTION_KEYS: dict[str, list[str]] = {
    "Strength of the partnership across sectors": ["partnership"],
    "Clarity of the shared vision": ["shared_vision"],
    "Fit of a systems-leadership approach to the issue": ["systems_leadership"],
    "Citizen and community voice": [],
    "Measurable outcomes": ["outcomes", "measures"],
    "Commitment to share and apply learning": ["learning_plan", "commitments"],
}
