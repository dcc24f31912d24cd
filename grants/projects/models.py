from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Date, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.core.db import Money, StatusColumn, TimestampMixin, UTCDateTime, utcnow
from grants.extensions import Model


class ProjectStatus(StrEnum):
    """Where a funded project is in its life."""

    SETUP = "setup"
    ACTIVE = "active"
    CLOSING = "closing"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"  # the award given up before any money was paid
    ENDED_EARLY = "ended_early"  # stopped after some payments


STATUSES = tuple(member.value for member in ProjectStatus)  # the words the database keeps
STATUS_LABELS = {
    "setup": "Setting up",
    "active": "Active",
    "closing": "Closing",
    "closed": "Closed",
    "withdrawn": "Award given up",
    "ended_early": "Ended early",
}
# A project still running: its team reports, its enabler logs, its money can be paid.
LIVE_STATUSES = frozenset({ProjectStatus.SETUP, ProjectStatus.ACTIVE, ProjectStatus.CLOSING})
# A project at its end: its pages are a record, read-only but for learning that may still be published.
FINISHED_STATUSES = frozenset({ProjectStatus.CLOSED, ProjectStatus.WITHDRAWN, ProjectStatus.ENDED_EARLY})
RAGS = ("red", "amber", "green")


class Project(TimestampMixin, Model):
    """A funded partnership project, created when its bid is approved. It keeps the bid's reference."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="RESTRICT"), nullable=False, unique=True
    )
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="RESTRICT"), nullable=False, index=True)
    reference: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    lead_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="RESTRICT"), index=True)
    award_pence: Mapped[int] = mapped_column(Money, nullable=False)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[ProjectStatus] = mapped_column(
        StatusColumn(ProjectStatus), nullable=False, default=ProjectStatus.SETUP
    )
    # The project's RAG: its latest update's, unless a programme officer has overridden it since.
    rag: Mapped[str | None] = mapped_column(String(5))
    rag_override: Mapped[str | None] = mapped_column(String(5))
    rag_override_reason: Mapped[str | None] = mapped_column(Text)
    rag_overridden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rag_overridden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_update_on: Mapped[date | None] = mapped_column(Date)
    # Close-out: when and by whom the project was closed (or given up, or ended early), the officer's
    # note, and why each thing left undone will not happen (``{item key: reason}``).
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closeout_note: Mapped[str | None] = mapped_column(Text)
    closeout_exceptions: Mapped[dict | None] = mapped_column(JSON)

    application = relationship("Application", lazy="select")
    round = relationship("Round", lazy="joined", innerjoin=True)
    lead_organisation = relationship("Organisation", lazy="joined", innerjoin=True)
    place = relationship("Place", lazy="joined")
    # The proposals to end it before its close-out, newest first: read with the project page, changed only
    # through ``ProjectEnding`` itself.
    endings = relationship(
        "ProjectEnding",
        lazy="select",
        viewonly=True,
        order_by="(ProjectEnding.proposed_at.desc(), ProjectEnding.id.desc())",
    )

    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="known_status"),
        CheckConstraint("rag IS NULL OR rag IN ('red', 'amber', 'green')", name="known_rag"),
        CheckConstraint("rag_override IS NULL OR rag_override IN ('red', 'amber', 'green')", name="known_rag_override"),
        CheckConstraint("award_pence > 0", name="award_positive"),
        CheckConstraint("ends_on > starts_on", name="ends_after_start"),
        CheckConstraint(
            "status NOT IN ('closed', 'withdrawn', 'ended_early') OR finished_at IS NOT NULL", name="finished_when"
        ),
    )

    def __repr__(self) -> str:
        return f"<Project {self.reference} {self.status}>"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def rag_label(self) -> str:
        return RAG_LABELS.get(self.rag, "Not yet rated")


RAG_LABELS = {"red": "Red", "amber": "Amber", "green": "Green"}
RAG_COLOURS = {"red": "red", "amber": "orange", "green": "green", None: "grey"}
UPDATE_KINDS = {
    "workshop": "Workshop",
    "coaching": "Coaching",
    "partnership_meeting": "Partnership meeting",
    "site_visit": "Site visit",
    "other": "Other",
}


class ProjectUpdate(TimestampMixin, Model):
    """An entry in the enabler's log of a project. Edits keep the earlier version as a revision."""

    __tablename__ = "project_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), nullable=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    happened_on: Mapped[date] = mapped_column(Date, nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    hours: Mapped[float | None] = mapped_column(Float)
    what_happened: Mapped[str] = mapped_column(Text, nullable=False)
    shifting: Mapped[str] = mapped_column(Text, nullable=False, default="")
    risks: Mapped[str] = mapped_column(Text, nullable=False, default="")
    rag: Mapped[str] = mapped_column(String(5), nullable=False)
    next_steps: Mapped[str] = mapped_column(Text, nullable=False, default="")
    private_note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    author = relationship("User", lazy="joined")

    __table_args__ = (
        Index("ix_project_updates_project_happened", "project_id", "happened_on"),
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in UPDATE_KINDS)})", name="known_kind"),
        CheckConstraint("rag IN ('red', 'amber', 'green')", name="known_rag"),
        CheckConstraint("hours IS NULL OR (hours >= 0 AND hours <= 200)", name="hours_range"),
    )

    @property
    def kind_label(self) -> str:
        return UPDATE_KINDS[self.kind]


class ProjectUpdateRevision(Model):
    """An update as it was before an edit."""

    __tablename__ = "project_update_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(
        ForeignKey("project_updates.id", ondelete="CASCADE"), nullable=False, index=True
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    content: Mapped[dict] = mapped_column(JSON, nullable=False)
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class EnablerAssignment(TimestampMixin, Model):
    """An enabler supporting a project for a while. A project has at most one current enabler;
    past assignments are kept as its history. The enablers area makes and ends them; they live here
    because who may see and log on a project depends on them."""

    __tablename__ = "enabler_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), nullable=False)
    enabler_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), nullable=False, index=True)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    end_reason: Mapped[str | None] = mapped_column(Text)
    capacity_override_reason: Mapped[str | None] = mapped_column(Text)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    enabler = relationship("User", foreign_keys=[enabler_id], lazy="joined", innerjoin=True)
    project = relationship("Project", lazy="select")

    __table_args__ = (
        Index(
            "uq_enabler_assignments_one_current_per_project",
            "project_id",
            unique=True,
            postgresql_where=text("ends_on IS NULL"),
            sqlite_where=text("ends_on IS NULL"),
        ),
        Index("ix_enabler_assignments_project_id", "project_id"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
    )

    @property
    def is_current(self) -> bool:
        return self.ends_on is None


class EndingKind(StrEnum):
    """How a project ends before its close-out."""

    WITHDRAWN = "withdrawn"  # the partnership gives up its award, before any payment
    ENDED_EARLY = "ended_early"  # the project stops after some payments


class EndingStatus(StrEnum):
    """Where a proposal to end a project is: it takes effect only once a second person confirms it."""

    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


ENDING_KIND_LABELS = {"withdrawn": "Award given up", "ended_early": "Ended early"}
ENDING_STATUS_LABELS = {"proposed": "Waiting for confirmation", "confirmed": "Confirmed", "cancelled": "Cancelled"}


class ProjectEnding(TimestampMixin, Model):
    """A proposal to end a project before its close-out, and what became of it. An award given up is
    recorded by the lead applicant or a programme officer and confirmed by an officer; an early end is
    proposed by an officer and confirmed by a finance approver who is someone else, with any amount to
    be repaid. At most one proposal waits at a time."""

    __tablename__ = "project_endings"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), nullable=False)
    kind: Mapped[EndingKind] = mapped_column(StatusColumn(EndingKind, 12), nullable=False)
    status: Mapped[EndingStatus] = mapped_column(
        StatusColumn(EndingStatus, 10), nullable=False, default=EndingStatus.PROPOSED
    )
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), nullable=False)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    # Money the partnership owes back after an early end, and when it came back.
    repayment_pence: Mapped[int | None] = mapped_column(Money)
    repayment_received_on: Mapped[date | None] = mapped_column(Date)
    repayment_reference: Mapped[str | None] = mapped_column(String(100))
    repayment_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    project = relationship("Project", lazy="select")
    proposed_by = relationship("User", foreign_keys=[proposed_by_id], lazy="joined", innerjoin=True)
    decided_by = relationship("User", foreign_keys=[decided_by_id], lazy="select")

    __table_args__ = (
        Index(
            "uq_project_endings_one_proposed",
            "project_id",
            unique=True,
            postgresql_where=text("status = 'proposed'"),
            sqlite_where=text("status = 'proposed'"),
        ),
        Index("ix_project_endings_project_id", "project_id"),
        CheckConstraint("kind IN ('withdrawn', 'ended_early')", name="known_kind"),
        CheckConstraint("status IN ('proposed', 'confirmed', 'cancelled')", name="known_status"),
        CheckConstraint("length(reason) > 0", name="reason_given"),
        CheckConstraint(
            "status = 'proposed' OR (decided_by_id IS NOT NULL AND decided_at IS NOT NULL)", name="decided_by"
        ),
        # Ending a project after payments changes money owed: never one person's decision.
        CheckConstraint(
            "kind <> 'ended_early' OR status <> 'confirmed' OR decided_by_id <> proposed_by_id", name="two_people"
        ),
        CheckConstraint("repayment_pence IS NULL OR repayment_pence > 0", name="repayment_positive"),
        CheckConstraint("repayment_pence IS NULL OR kind = 'ended_early'", name="repayment_when_ended_early"),
        CheckConstraint(
            "repayment_received_on IS NULL OR (repayment_pence IS NOT NULL AND status = 'confirmed')",
            name="received_when_owed",
        ),
    )

    @property
    def kind_label(self) -> str:
        return ENDING_KIND_LABELS[self.kind]

    @property
    def status_label(self) -> str:
        return ENDING_STATUS_LABELS[self.status]

    @property
    def is_waiting(self) -> bool:
        return self.status == EndingStatus.PROPOSED

    @property
    def repayment_outstanding(self) -> bool:
        return bool(self.repayment_pence and self.status == EndingStatus.CONFIRMED and not self.repayment_received_on)
