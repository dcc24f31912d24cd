"""How a project shows its progress: milestones, progress reports on the round's schedule, and the
outcome measures from its bid with the values it reports over time."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, Float, ForeignKey, Index, Integer, String, Text, and_
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.core.db import StatusColumn, TimestampMixin, UTCDateTime, utcnow
from grants.extensions import Model, db


class ReportStatus(StrEnum):
    """Where a progress report is."""

    DUE = "due"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    CHANGES_REQUESTED = "changes_requested"


REPORT_STATUSES = tuple(member.value for member in ReportStatus)  # the words the database keeps
REPORT_STATUS_LABELS = {
    "due": "To do",
    "submitted": "Submitted, waiting for review",
    "accepted": "Accepted",
    "changes_requested": "Changes requested",
}
EDITABLE_REPORT_STATUSES = (ReportStatus.DUE, ReportStatus.CHANGES_REQUESTED)  # the team still has to send it
REPORT_STATUS_COLOURS = {"due": "grey", "submitted": "blue", "accepted": "green", "changes_requested": "orange"}
RAGS = ("red", "amber", "green")


def _in(column: str, values) -> str:
    quoted = ", ".join(f"'{value}'" for value in values)  # a StrEnum member's words, not its repr
    return f"{column} IN ({quoted})"


class Milestone(TimestampMixin, Model):
    """Something the partnership means to have done by a date, and who is responsible for it."""

    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    done_on: Mapped[date | None] = mapped_column(Date)
    owner: Mapped[str] = mapped_column(String(200), nullable=False, default="")

    __table_args__ = (CheckConstraint("length(title) > 0", name="titled"),)

    def is_overdue(self, today: date) -> bool:
        return self.done_on is None and self.due_on < today


class ProgressReport(TimestampMixin, Model):
    """A report for a period of the project, written by the project team and reviewed by a programme
    officer: ``due → submitted → accepted``, or ``→ changes_requested → submitted ...``."""

    __tablename__ = "progress_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), nullable=False)
    sequence: Mapped[int] = mapped_column(Integer, nullable=False)
    is_final: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[ReportStatus] = mapped_column(StatusColumn(ReportStatus), nullable=False, default=ReportStatus.DUE)
    narrative: Mapped[str] = mapped_column(Text, nullable=False, default="")
    partnership_change: Mapped[str] = mapped_column(Text, nullable=False, default="")
    rag: Mapped[str | None] = mapped_column(String(5))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    review_comment: Mapped[str | None] = mapped_column(Text)
    submissions: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # The project's milestones as they stood when the report was last submitted (title, due, done),
    # so the report reads later as it was sent, whatever happens to the milestones afterwards.
    milestones_at_submission: Mapped[list | None] = mapped_column(JSON)
    # Likewise the outcome measures (name, unit, baseline, target, direction, keyed by measure id), which
    # a programme officer may correct afterwards.
    measures_at_submission: Mapped[list | None] = mapped_column(JSON)

    project = relationship("Project", lazy="joined", innerjoin=True)
    submitted_by = relationship("User", foreign_keys=[submitted_by_id], lazy="select")
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id], lazy="select")

    __table_args__ = (
        db.UniqueConstraint("project_id", "sequence"),
        CheckConstraint(_in("status", REPORT_STATUSES), name="known_status"),
        CheckConstraint("rag IS NULL OR " + _in("rag", RAGS), name="known_rag"),
        CheckConstraint("period_end >= period_start", name="period_ordered"),
        CheckConstraint(
            "status = 'due' OR (submitted_at IS NOT NULL AND submitted_by_id IS NOT NULL)", name="submitted_by"
        ),
        CheckConstraint(
            "status NOT IN ('accepted', 'changes_requested') "
            "OR (reviewed_at IS NOT NULL AND reviewed_by_id IS NOT NULL)",
            name="reviewed_by",
        ),
        CheckConstraint("status <> 'changes_requested' OR review_comment IS NOT NULL", name="changes_explained"),
        CheckConstraint("reviewed_by_id IS NULL OR reviewed_by_id <> submitted_by_id", name="reviewer_not_author"),
        Index("ix_progress_reports_status_due_on", "status", "due_on"),
    )

    @property
    def status_label(self) -> str:
        return REPORT_STATUS_LABELS[self.status]

    @property
    def status_colour(self) -> str:
        return REPORT_STATUS_COLOURS[self.status]

    @property
    def title(self) -> str:
        return "Final report" if self.is_final else f"Progress report {self.sequence}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_REPORT_STATUSES

    # In Python for one report, in SQL for counting every project's at once.
    @hybrid_method
    def is_overdue(self, today: date) -> bool:
        return self.is_editable and self.due_on < today

    @is_overdue.inplace.expression
    @classmethod
    def _is_overdue_expression(cls, today: date):
        return and_(cls.status.in_(EDITABLE_REPORT_STATUSES), cls.due_on < today)


class OutcomeMeasure(TimestampMixin, Model):
    """A measure from the bid the project reports against: where it started, where it aims to be."""

    __tablename__ = "outcome_measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    unit: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    baseline: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float)
    direction: Mapped[str] = mapped_column(String(4), nullable=False, default="up")
    source_plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("application_measures.id", ondelete="SET NULL"), unique=True
    )

    values: Mapped[list[OutcomeValue]] = relationship(
        back_populates="measure", order_by="OutcomeValue.recorded_on", lazy="select", cascade="all, delete-orphan"
    )

    __table_args__ = (CheckConstraint("direction IN ('up', 'down')", name="known_direction"),)


class OutcomeValue(Model):
    """A measure's value at the end of a reporting period."""

    __tablename__ = "outcome_values"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("outcome_measures.id", ondelete="CASCADE"), nullable=False)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("progress_reports.id", ondelete="CASCADE"), index=True)
    recorded_on: Mapped[date] = mapped_column(Date, nullable=False)
    value: Mapped[float] = mapped_column(Float, nullable=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    measure: Mapped[OutcomeMeasure] = relationship(back_populates="values", lazy="select")

    __table_args__ = (
        db.UniqueConstraint("measure_id", "report_id"),
        Index("ix_outcome_values_measure_id", "measure_id"),
    )
