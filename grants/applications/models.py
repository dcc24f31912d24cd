from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.core.db import Money, StatusColumn, TimestampMixin, UTCDateTime
from grants.directory.models import Organisation, Place, Theme
from grants.documents.models import Document
from grants.extensions import Model, db


class ApplicationStatus(StrEnum):
    """Where a bid is in its life; stored as these words."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    INELIGIBLE = "ineligible"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    RESERVE = "reserve"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


STATUSES = tuple(member.value for member in ApplicationStatus)  # the words the database keeps
STATUS_LABELS = {
    "draft": "Draft",
    "submitted": "Submitted",
    "ineligible": "Ineligible",
    "under_review": "Under review",
    "approved": "Approved",
    "reserve": "Reserve",
    "rejected": "Not funded",
    "withdrawn": "Withdrawn",
}
STATUS_COLOURS = {
    "draft": "grey",
    "submitted": "blue",
    "ineligible": "orange",
    "under_review": "light-blue",
    "approved": "green",
    "reserve": "yellow",
    "rejected": "red",
    "withdrawn": "grey",
}


class PartnerStatus(StrEnum):
    """Whether a partner's contact has confirmed its part."""

    INVITED = "invited"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


PARTNER_STATUSES = tuple(member.value for member in PartnerStatus)  # the words the database keeps
COMMITMENT_KINDS = {
    "apply_elsewhere": "Apply the approach to another issue",
    "case_study": "Publish a case study",
    "learning_event": "Host a learning event",
    "network": "Contribute to the learning network",
}

application_themes = Table(
    "application_themes",
    db.metadata,
    Column("application_id", ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="RESTRICT"), primary_key=True),
    # The bids of a theme (the officer's theme filter, the portfolio by theme): the key starts with the bid.
    Index("ix_application_themes_theme_id", "theme_id"),
)


class Application(TimestampMixin, Model):
    """A bid by a lead organisation on behalf of a partnership."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="RESTRICT"), nullable=False, index=True)
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    lead_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    lead_applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), nullable=False)
    status: Mapped[ApplicationStatus] = mapped_column(
        StatusColumn(ApplicationStatus), nullable=False, default=ApplicationStatus.DRAFT
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="RESTRICT"), index=True)
    # The answers to its round's form, keyed by each question's stable key (``grants.bidforms.kinds``).
    answers: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict, server_default="{}")
    match_funder: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    match_amount_pence: Mapped[int | None] = mapped_column(Money)
    amount_requested_pence: Mapped[int | None] = mapped_column(Money)
    section_states: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)

    round = relationship("Round", lazy="joined", innerjoin=True)
    lead_organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    lead_applicant = relationship("User", lazy="select")
    place: Mapped[Place | None] = relationship(lazy="joined")
    themes: Mapped[list[Theme]] = relationship(secondary=application_themes, order_by=Theme.name, lazy="selectin")
    partners: Mapped[list[Partner]] = relationship(
        back_populates="application", order_by="Partner.id", cascade="all, delete-orphan", lazy="select"
    )
    measures: Mapped[list[OutcomeMeasurePlan]] = relationship(
        order_by="OutcomeMeasurePlan.position", cascade="all, delete-orphan", lazy="select"
    )
    commitments: Mapped[list[CommitmentPlan]] = relationship(
        order_by="CommitmentPlan.position", cascade="all, delete-orphan", lazy="select"
    )
    budget_lines: Mapped[list[BudgetLine]] = relationship(
        order_by="BudgetLine.position", cascade="all, delete-orphan", lazy="select"
    )
    documents: Mapped[list[Document]] = relationship(
        order_by=[Document.uploaded_at.desc(), Document.id.desc()], lazy="select", viewonly=True
    )

    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="known_status"),
        CheckConstraint(
            "status = 'draft' OR status = 'withdrawn' OR reference IS NOT NULL", name="submitted_has_reference"
        ),
        CheckConstraint("amount_requested_pence IS NULL OR amount_requested_pence > 0", name="amount_positive"),
        CheckConstraint("match_amount_pence IS NULL OR match_amount_pence >= 0", name="match_not_negative"),
        # One live bid per lead organisation per round (a withdrawn bid does not count).
        Index(
            "uq_applications_one_per_lead_per_round",
            "round_id",
            "lead_organisation_id",
            unique=True,
            postgresql_where=text("status <> 'withdrawn'"),
            sqlite_where=text("status <> 'withdrawn'"),
        ),
        Index("ix_applications_status", "status"),
        # The officer's list, newest submission first, read a page at a time in this order rather than
        # sorted whole (PostgreSQL; SQLite cannot order an index's nulls). Its migration is written by
        # hand, as Alembic does not compare an index's ordering (see include_object).
        Index(
            "ix_applications_submitted_at_id",
            text("submitted_at DESC NULLS LAST"),
            text("id DESC"),
            info={"expression_index": True},
        ).ddl_if(dialect="postgresql"),
    )

    def __repr__(self) -> str:
        return f"<Application {self.id} {self.reference or 'draft'} {self.status}>"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS[self.status]

    @property
    def display_title(self) -> str:
        return self.title or "Untitled bid"

    @property
    def was_submitted(self) -> bool:
        """Whether there is a bid as submitted to keep (``applications.bid_pdf``): never for a draft."""
        return self.status != ApplicationStatus.DRAFT and self.submitted_at is not None

    def section_state(self, section: str) -> str:
        """``not_started``, ``in_progress`` or ``completed``."""
        return (self.section_states or {}).get(section, "not_started")

    @property
    def match_evidence(self):
        """The latest pledge letter uploaded (earlier ones are kept, replaced)."""
        return next((document for document in self.documents if document.kind == "match_evidence"), None)

    @property
    def documents_by_id(self) -> dict[int, Document]:
        """The bid's documents by id: a file answering a question is kept as its document's id."""
        return {document.id: document for document in self.documents}

    @property
    def budget_total_pence(self) -> int:
        return sum(line.amount_pence for line in self.budget_lines)


class Partner(Model):
    """An organisation in the partnership, and whether its contact has confirmed its part."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), nullable=False, index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    role: Mapped[str] = mapped_column(Text, nullable=False)
    contact_name: Mapped[str] = mapped_column(String(200), nullable=False)
    contact_email: Mapped[str] = mapped_column(String(254), nullable=False)
    status: Mapped[PartnerStatus] = mapped_column(
        StatusColumn(PartnerStatus), nullable=False, default=PartnerStatus.INVITED
    )
    invitation_nonce: Mapped[str] = mapped_column(String(32), nullable=False)
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_note: Mapped[str | None] = mapped_column(Text)

    application: Mapped[Application] = relationship(back_populates="partners")
    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        CheckConstraint("status IN ('invited', 'confirmed', 'declined')", name="known_status"),
        CheckConstraint("status = 'invited' OR responded_at IS NOT NULL", name="response_has_time"),
    )

    STATUS_LABELS = {"invited": "Waiting for confirmation", "confirmed": "Confirmed", "declined": "Declined"}
    STATUS_COLOURS = {"invited": "yellow", "confirmed": "green", "declined": "red"}

    @property
    def status_label(self) -> str:
        return self.STATUS_LABELS[self.status]

    @property
    def status_colour(self) -> str:
        return self.STATUS_COLOURS[self.status]


class OutcomeMeasurePlan(Model):
    """A measure the partnership will track if funded: it becomes the project's outcome measure."""

    __tablename__ = "application_measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    unit: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    baseline: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float)
    direction: Mapped[str] = mapped_column(String(4), nullable=False, default="up")

    __table_args__ = (CheckConstraint("direction IN ('up', 'down')", name="known_direction"),)


class CommitmentPlan(Model):
    """A learning commitment made in the bid: it becomes the project's commitment if funded."""

    __tablename__ = "application_commitments"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    target_date: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (CheckConstraint(f"kind IN ({', '.join(repr(k) for k in COMMITMENT_KINDS)})", name="known_kind"),)

    @property
    def kind_label(self) -> str:
        return COMMITMENT_KINDS[self.kind]


class BudgetLine(Model):
    __tablename__ = "budget_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    description: Mapped[str] = mapped_column(String(200), nullable=False)
    amount_pence: Mapped[int] = mapped_column(Money, nullable=False)

    __table_args__ = (CheckConstraint("amount_pence > 0", name="amount_positive"),)
