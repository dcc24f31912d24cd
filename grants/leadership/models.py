"""Systems leadership, measured by the people who practise it: a framework of domains and behaviours
on a 1–5 scale, and participants' self-assessments at the baseline, midpoint and end of a project."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.core.db import StatusColumn, TimestampMixin, UTCDateTime, utcnow
from grants.extensions import Model, db


class AssessmentStage(StrEnum):
    """When in a project a participant assesses themselves."""

    BASELINE = "baseline"
    MIDPOINT = "midpoint"
    FINAL = "final"


STAGES = tuple(member.value for member in AssessmentStage)  # the words the database keeps
STAGE_LABELS = {"baseline": "At the start", "midpoint": "Halfway", "final": "At the end"}
STAGE_PHRASES = {"baseline": "at the start of", "midpoint": "halfway through", "final": "at the end of"}
SCALE = (1, 2, 3, 4, 5)


class LeadershipFramework(TimestampMixin, Model):
    """The domains and behaviours participants rate themselves on. One framework is current; a
    framework already answered is kept as it was, and changed by starting a new version."""

    __tablename__ = "leadership_frameworks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    is_current: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # What each point of the 1–5 scale means, lowest first.
    scale: Mapped[list] = mapped_column(JSON, nullable=False)

    domains: Mapped[list[LeadershipDomain]] = relationship(
        back_populates="framework",
        order_by="LeadershipDomain.position, LeadershipDomain.id",
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    __table_args__ = (
        Index(
            "uq_leadership_frameworks_one_current",
            "is_current",
            unique=True,
            postgresql_where=text("is_current"),
            sqlite_where=text("is_current"),
        ),
    )


class LeadershipDomain(Model):
    __tablename__ = "leadership_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(
        ForeignKey("leadership_frameworks.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")

    framework: Mapped[LeadershipFramework] = relationship(back_populates="domains", lazy="select")
    behaviours: Mapped[list[LeadershipBehaviour]] = relationship(
        back_populates="domain",
        order_by="LeadershipBehaviour.position, LeadershipBehaviour.id",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class LeadershipBehaviour(Model):
    __tablename__ = "leadership_behaviours"

    id: Mapped[int] = mapped_column(primary_key=True)
    domain_id: Mapped[int] = mapped_column(
        ForeignKey("leadership_domains.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)

    domain: Mapped[LeadershipDomain] = relationship(back_populates="behaviours", lazy="select")


class Participant(Model):
    """Someone in the partnership who rates their own leadership. They need no account: they are
    emailed a link for each stage."""

    __tablename__ = "assessment_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    organisation_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    invitations: Mapped[list[AssessmentInvitation]] = relationship(back_populates="participant", lazy="select")

    __table_args__ = (db.UniqueConstraint("project_id", "email"),)


class AssessmentInvitation(Model):
    """The link a participant uses to answer one stage. Only a digest of its token is kept; it works once."""

    __tablename__ = "assessment_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_participants.id", ondelete="CASCADE"), nullable=False
    )
    stage: Mapped[AssessmentStage] = mapped_column(StatusColumn(AssessmentStage, 10), nullable=False)
    framework_id: Mapped[int] = mapped_column(
        ForeignKey("leadership_frameworks.id", ondelete="RESTRICT"), nullable=False
    )
    token_digest: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    participant: Mapped[Participant] = relationship(back_populates="invitations", lazy="joined", innerjoin=True)
    framework = relationship("LeadershipFramework", lazy="select")

    __table_args__ = (
        db.UniqueConstraint("participant_id", "stage"),
        CheckConstraint(f"stage IN ({', '.join(repr(s) for s in STAGES)})", name="known_stage"),
    )


class AssessmentResponse(Model):
    """A participant's answers for one stage: at most one per participant and stage."""

    __tablename__ = "assessment_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_participants.id", ondelete="CASCADE"), nullable=False
    )
    stage: Mapped[AssessmentStage] = mapped_column(StatusColumn(AssessmentStage, 10), nullable=False)
    framework_id: Mapped[int] = mapped_column(
        ForeignKey("leadership_frameworks.id", ondelete="RESTRICT"), nullable=False
    )
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    scores: Mapped[list[AssessmentScore]] = relationship(
        back_populates="response", cascade="all, delete-orphan", lazy="select"
    )

    __table_args__ = (
        db.UniqueConstraint("participant_id", "stage"),
        CheckConstraint(f"stage IN ({', '.join(repr(s) for s in STAGES)})", name="known_stage"),
    )


class AssessmentScore(Model):
    __tablename__ = "assessment_scores"

    response_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_responses.id", ondelete="CASCADE"), primary_key=True
    )
    behaviour_id: Mapped[int] = mapped_column(
        ForeignKey("leadership_behaviours.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    value: Mapped[int] = mapped_column(Integer, nullable=False)

    response: Mapped[AssessmentResponse] = relationship(back_populates="scores", lazy="select")

    __table_args__ = (CheckConstraint("value BETWEEN 1 AND 5", name="on_the_scale"),)


class StageClosure(Model):
    """A project's stage of self-assessment closed: no more answers are taken for it, and from then on
    its results may be shown beyond the programme staff. Closed by the project team, a programme
    officer, or at close-out; never reopened, so its results never change."""

    __tablename__ = "assessment_stage_closures"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), nullable=False)
    stage: Mapped[AssessmentStage] = mapped_column(StatusColumn(AssessmentStage, 10), nullable=False)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (
        db.UniqueConstraint("project_id", "stage"),
        CheckConstraint(f"stage IN ({', '.join(repr(s) for s in STAGES)})", name="known_stage"),
    )


class ProjectShiftCounts(Model):
    """How many of a project's participants answered each stage, and how many both the start and the end
    (a pair), kept by ``grants.leadership.kept`` in the transaction that changes the answers, so the
    dashboard adds up a row per project rather than every answer. Counts every stage, closed or not:
    who may see which is decided as they are read. Its row is also what two submissions lock in turn."""

    __tablename__ = "leadership_project_counts"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    answered_baseline: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    answered_midpoint: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    answered_final: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    pairs: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)


class ProjectDomainShift(Model):
    """One domain's change in a project, over the participants who have a score for it at both the start
    and the end: how many (``compared``) and the sums of their scores (each the mean of the domain's
    behaviours) at the start and at the end. Sums, not means, so projects add up. No row: no one compared."""

    __tablename__ = "leadership_project_shifts"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    domain: Mapped[str] = mapped_column(String(200), primary_key=True)
    compared: Mapped[int] = mapped_column(Integer, nullable=False)
    baseline_sum: Mapped[float] = mapped_column(Float, nullable=False)
    final_sum: Mapped[float] = mapped_column(Float, nullable=False)

    __table_args__ = (CheckConstraint("compared > 0", name="someone_compared"),)
