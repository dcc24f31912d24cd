from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.core.db import StatusColumn, TimestampMixin, UTCDateTime, utcnow
from grants.extensions import Model


class AssignmentStatus(StrEnum):
    """Where a reviewer's assignment to a bid is."""

    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    CONFLICTED = "conflicted"
    WITHDRAWN = "withdrawn"


ASSIGNMENT_STATUSES = tuple(member.value for member in AssignmentStatus)  # the words the database keeps
ASSIGNMENT_LABELS = {
    "assigned": "Conflict not yet declared",
    "in_progress": "Scoring",
    "submitted": "Scores submitted",
    "conflicted": "Conflict declared",
    "withdrawn": "Unassigned",
}
ASSIGNMENT_COLOURS = {
    "assigned": "grey",
    "in_progress": "light-blue",
    "submitted": "green",
    "conflicted": "red",
    "withdrawn": "grey",
}


class DecisionOutcome(StrEnum):
    """What the chair decided for a bid: the bid's status once the decision takes effect."""

    APPROVED = "approved"
    RESERVE = "reserve"
    REJECTED = "rejected"


OUTCOMES = tuple(member.value for member in DecisionOutcome)  # the words the database keeps
OUTCOME_LABELS = {"approved": "Approve", "reserve": "Reserve", "rejected": "Reject"}


class ConflictDeclaration(Model):
    """A steering member's answer, before seeing a bid, to whether they have a conflict of interest."""

    __tablename__ = "conflict_declarations"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), nullable=False)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), nullable=False, index=True)
    has_conflict: Mapped[bool] = mapped_column(Boolean, nullable=False)
    nature: Mapped[str | None] = mapped_column(Text)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    __table_args__ = (
        UniqueConstraint("application_id", "reviewer_id"),
        CheckConstraint("NOT has_conflict OR nature IS NOT NULL", name="conflict_has_nature"),
    )


class ReviewAssignment(TimestampMixin, Model):
    """A steering member asked to score one bid by a due date."""

    __tablename__ = "review_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), nullable=False)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), nullable=False, index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[AssignmentStatus] = mapped_column(
        StatusColumn(AssignmentStatus), nullable=False, default=AssignmentStatus.ASSIGNED
    )
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    look_again_note: Mapped[str | None] = mapped_column(Text)
    look_again_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application = relationship("Application", lazy="joined", innerjoin=True)
    reviewer = relationship("User", foreign_keys=[reviewer_id], lazy="joined", innerjoin=True)
    scores: Mapped[list[Score]] = relationship(back_populates="assignment", cascade="all, delete-orphan", lazy="select")

    __table_args__ = (
        UniqueConstraint("application_id", "reviewer_id"),
        Index("ix_review_assignments_application_status", "application_id", "status"),
        Index("ix_review_assignments_status_due_on", "status", "due_on"),  # the reviews overdue, counted
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in ASSIGNMENT_STATUSES)})", name="known_status"),
        CheckConstraint("status <> 'submitted' OR submitted_at IS NOT NULL", name="submitted_has_time"),
    )

    @property
    def status_label(self) -> str:
        return ASSIGNMENT_LABELS[self.status]

    @property
    def status_colour(self) -> str:
        return ASSIGNMENT_COLOURS[self.status]

    @property
    def is_active(self) -> bool:
        """Still expected to score (not conflicted, not taken off the bid)."""
        return self.status in {AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS, AssignmentStatus.SUBMITTED}


class Score(Model):
    """A reviewer's current score for one criterion of one bid, with the reason for it."""

    __tablename__ = "scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("review_assignments.id", ondelete="CASCADE"), nullable=False)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("rubric_criteria.id", ondelete="RESTRICT"), nullable=False)
    value: Mapped[int | None] = mapped_column(Integer)
    justification: Mapped[str] = mapped_column(Text, nullable=False, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    assignment: Mapped[ReviewAssignment] = relationship(back_populates="scores")
    criterion = relationship("RubricCriterion", lazy="joined", innerjoin=True)

    __table_args__ = (
        UniqueConstraint("assignment_id", "criterion_id"),
        # The ranking adds up every submitted score of a round from the index alone (PostgreSQL).
        Index("ix_scores_assignment_id_covering", "assignment_id", postgresql_include=["criterion_id", "value"]),
    )


class BidScore(Model):
    """A bid's figures from the scores that count (submitted, by reviewers still on the bid without a
    conflict), kept by ``grants.reviews.kept`` in the transaction that changes them, so the ranking reads
    them rather than adding up every score of the round on every view. No row: no score counts yet."""

    __tablename__ = "bid_scores"

    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True)
    weighted: Mapped[float | None] = mapped_column(Float)  # out of 100; None until every criterion is scored
    disagreements: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # criteria reviewers disagree on
    # criterion id (a string: JSON's keys) → [sum, count, lowest, highest] of its counted scores
    spread: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)


class ScoreRevision(Model):
    """Every saved version of a score: the history kept when a reviewer revises."""

    __tablename__ = "score_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("review_assignments.id", ondelete="CASCADE"), nullable=False, index=True
    )
    criterion_id: Mapped[int] = mapped_column(ForeignKey("rubric_criteria.id", ondelete="RESTRICT"), nullable=False)
    value: Mapped[int | None] = mapped_column(Integer)
    justification: Mapped[str] = mapped_column(Text, nullable=False, default="")
    submitted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class Decision(TimestampMixin, Model):
    """The chair's decision on a bid: recorded first, then made to take effect for the whole round."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    outcome: Mapped[DecisionOutcome] = mapped_column(StatusColumn(DecisionOutcome), nullable=False)
    rationale: Mapped[str] = mapped_column(Text, nullable=False)
    rank_override_reason: Mapped[str | None] = mapped_column(Text)
    conditions: Mapped[str | None] = mapped_column(Text)
    feedback: Mapped[str | None] = mapped_column(Text)
    feedback_released: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    effective_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application = relationship("Application", lazy="joined", innerjoin=True)
    decided_by = relationship("User", lazy="select")

    __table_args__ = (
        CheckConstraint(f"outcome IN ({', '.join(repr(o) for o in OUTCOMES)})", name="known_outcome"),
        CheckConstraint("length(rationale) > 0", name="has_rationale"),
    )
