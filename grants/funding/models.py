"""Money for a project: its grant agreement (in versions), tranches with their conditions, the payment
record of each release, and the match funding from the health and wellbeing board.

The rules that matter most are database rules as well as Python ones: a tranche is paid at most once
(one payment per tranche, and the release itself is a conditional update); the two signatures on a
payment are different people; a signed agreement and a released tranche never change."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import DDL, JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.core.db import Money, StatusColumn, TimestampMixin, UTCDateTime, utcnow
from grants.extensions import Model, db


class AgreementStatus(StrEnum):
    """Where a version of a grant agreement is."""

    DRAFT = "draft"
    ISSUED = "issued"
    SIGNED = "signed"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"
    ENDED = "ended"  # signed, then the award was given up: the signed words stay, in force no longer


AGREEMENT_STATUSES = tuple(member.value for member in AgreementStatus)  # the words the database keeps
AGREEMENT_STATUS_LABELS = {
    "draft": "Draft",
    "issued": "Waiting for signature",
    "signed": "Signed",
    "superseded": "Replaced by a later version",
    "withdrawn": "Withdrawn before signature",
    "ended": "Ended: the award was given up",
}


class TrancheStatus(StrEnum):
    """Where a tranche is on its way to being paid."""

    SCHEDULED = "scheduled"
    ELIGIBLE = "eligible"
    REQUESTED = "requested"
    RELEASED = "released"
    HELD = "held"
    CANCELLED = "cancelled"  # never to be paid: its project was given up, ended early or closed without it


TRANCHE_STATUSES = tuple(member.value for member in TrancheStatus)  # the words the database keeps
TRANCHE_STATUS_LABELS = {
    "scheduled": "Waiting for conditions",
    "eligible": "Ready to request",
    "requested": "Waiting for finance approval",
    "released": "Released",
    "held": "Held",
    "cancelled": "Cancelled",
}
TRANCHE_STATUS_COLOURS = {
    "scheduled": "grey",
    "eligible": "blue",
    "requested": "yellow",
    "released": "green",
    "held": "red",
    "cancelled": "grey",
}


class MatchStatus(StrEnum):
    """Where the board's match funding is."""

    PLEDGED = "pledged"
    CONFIRMED = "confirmed"
    RECEIVED = "received"


MATCH_STATUSES = tuple(member.value for member in MatchStatus)  # the words the database keeps
MATCH_STATUS_LABELS = {"pledged": "Pledged", "confirmed": "Confirmed", "received": "Received"}
CONDITION_KINDS = {
    "agreement_signed": "Grant agreement signed",
    "match_confirmed": "Match funding confirmed",
    "enabler_assigned": "Enabler assigned",
    "report_accepted": "Progress report accepted",
    "learning_evidenced": "Learning commitment evidenced",
    "custom": "Other condition",
}
# Built-in kinds whose words name what they wait for (the reports of a tranche, say): kind ->
# ``label(project, tranche) -> str``, registered by the area that knows.
LABELLERS: dict = {}
# Built-in conditions a programme may waive, with a reason and two people. The signed agreement never.
WAIVABLE_KINDS = ("match_confirmed", "enabler_assigned", "report_accepted", "learning_evidenced")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class GrantAgreement(TimestampMixin, Model):
    """The agreement a project's lead signs. A signed version never changes its words or signature; a
    variation is a new version, signed again, which replaces it, and an award given up ends it."""

    __tablename__ = "grant_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    status: Mapped[AgreementStatus] = mapped_column(
        StatusColumn(AgreementStatus), nullable=False, default=AgreementStatus.DRAFT
    )
    terms: Mapped[str] = mapped_column(Text, nullable=False)
    # The schedule the words describe: [[sequence, amount_pence, "due date"], ...].
    schedule: Mapped[list | None] = mapped_column(JSON)
    award_pence: Mapped[int] = mapped_column(Money, nullable=False)
    variation_reason: Mapped[str | None] = mapped_column(Text)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    signed_name: Mapped[str | None] = mapped_column(String(200))
    signed_ip: Mapped[str | None] = mapped_column(String(45))
    signed_user_agent: Mapped[str | None] = mapped_column(String(300))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    project = relationship("Project", lazy="joined", innerjoin=True)
    issued_by = relationship("User", foreign_keys=[issued_by_id], lazy="select")
    signed_by = relationship("User", foreign_keys=[signed_by_id], lazy="select")

    __table_args__ = (
        db.UniqueConstraint("project_id", "version"),
        CheckConstraint(_in("status", AGREEMENT_STATUSES), name="known_status"),
        CheckConstraint("award_pence > 0", name="award_positive"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("status IN ('draft', 'withdrawn') OR issued_at IS NOT NULL", name="issued_when_not_draft"),
        CheckConstraint(
            "status NOT IN ('signed', 'superseded', 'ended') "
            "OR (signed_at IS NOT NULL AND signed_by_id IS NOT NULL AND signed_name IS NOT NULL)",
            name="signed_by_someone",
        ),
        # At most one agreement in force, and at most one being prepared, per project.
        Index(
            "uq_grant_agreements_one_signed_per_project",
            "project_id",
            unique=True,
            postgresql_where=text("status = 'signed'"),
            sqlite_where=text("status = 'signed'"),
        ),
        Index(
            "uq_grant_agreements_one_open_per_project",
            "project_id",
            unique=True,
            postgresql_where=text("status IN ('draft', 'issued')"),
            sqlite_where=text("status IN ('draft', 'issued')"),
        ),
    )

    @property
    def status_label(self) -> str:
        return AGREEMENT_STATUS_LABELS[self.status]

    @property
    def is_editable(self) -> bool:
        return self.status in (AgreementStatus.DRAFT, AgreementStatus.ISSUED)


class Tranche(TimestampMixin, Model):
    """One payment of a project's award. The tranches of a project always sum to its award."""

    __tablename__ = "tranches"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), nullable=False)
    sequence: Mapped[int] = mapped_column(Integer, nullable=False)
    # The round's plan percentage it came from; None once the amount is set by hand.
    percentage: Mapped[int | None] = mapped_column(Integer)
    amount_pence: Mapped[int] = mapped_column(Money, nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[TrancheStatus] = mapped_column(
        StatusColumn(TrancheStatus), nullable=False, default=TrancheStatus.SCHEDULED
    )
    eligible_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    held_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    project = relationship("Project", lazy="joined", innerjoin=True)
    requested_by = relationship("User", foreign_keys=[requested_by_id], lazy="select")
    cancelled_by = relationship("User", foreign_keys=[cancelled_by_id], lazy="select")
    conditions: Mapped[list[TrancheCondition]] = relationship(
        back_populates="tranche",
        order_by="TrancheCondition.position, TrancheCondition.id",
        cascade="all, delete-orphan",
        lazy="select",
    )

    __table_args__ = (
        db.UniqueConstraint("project_id", "sequence"),
        CheckConstraint("amount_pence > 0", name="amount_positive"),
        CheckConstraint("sequence >= 1", name="sequence_positive"),
        CheckConstraint(_in("status", TRANCHE_STATUSES), name="known_status"),
        CheckConstraint(
            "status NOT IN ('requested', 'released') OR (requested_at IS NOT NULL AND requested_by_id IS NOT NULL)",
            name="requested_by_someone",
        ),
        CheckConstraint("status <> 'released' OR released_at IS NOT NULL", name="released_when"),
        CheckConstraint("status <> 'held' OR (held_reason IS NOT NULL AND held_at IS NOT NULL)", name="held_why"),
        CheckConstraint(
            "status <> 'cancelled' OR (cancel_reason IS NOT NULL AND cancelled_at IS NOT NULL)", name="cancelled_why"
        ),
        Index("ix_tranches_status_due_on", "status", "due_on"),
    )

    @property
    def status_label(self) -> str:
        return TRANCHE_STATUS_LABELS[self.status]

    @property
    def status_colour(self) -> str:
        return TRANCHE_STATUS_COLOURS[self.status]

    @property
    def is_open(self) -> bool:
        """Not yet paid nor cancelled: its amount, date and conditions can still change."""
        return self.status not in (TrancheStatus.RELEASED, TrancheStatus.CANCELLED)


class TrancheCondition(TimestampMixin, Model):
    """What must be true before a tranche is paid. The built-in kinds are met from the service's own
    state; a custom one (and a built-in one the service cannot yet see) is confirmed by its owner."""

    __tablename__ = "tranche_conditions"

    id: Mapped[int] = mapped_column(primary_key=True)
    tranche_id: Mapped[int] = mapped_column(ForeignKey("tranches.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    met_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    note: Mapped[str | None] = mapped_column(Text)
    # A waiver: proposed by a programme officer with a reason, agreed by a finance approver who is
    # someone else. Only an agreed waiver counts; a proposal withdrawn leaves the columns empty again.
    waiver_reason: Mapped[str | None] = mapped_column(Text)
    waiver_proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waiver_proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    waived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waived_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    tranche: Mapped[Tranche] = relationship(back_populates="conditions", lazy="select")
    owner = relationship("User", foreign_keys=[owner_id], lazy="select")
    met_by = relationship("User", foreign_keys=[met_by_id], lazy="select")
    waiver_proposed_by = relationship("User", foreign_keys=[waiver_proposed_by_id], lazy="select")
    waived_by = relationship("User", foreign_keys=[waived_by_id], lazy="select")

    __table_args__ = (
        CheckConstraint(_in("kind", CONDITION_KINDS), name="known_kind"),
        CheckConstraint(
            "kind <> 'custom' OR (description IS NOT NULL AND owner_id IS NOT NULL)", name="custom_described"
        ),
        Index(
            "uq_tranche_conditions_one_builtin_per_tranche",
            "tranche_id",
            "kind",
            unique=True,
            postgresql_where=text("kind <> 'custom'"),
            sqlite_where=text("kind <> 'custom'"),
        ),
        Index("ix_tranche_conditions_tranche_id", "tranche_id"),
        CheckConstraint(f"waiver_proposed_at IS NULL OR {_in('kind', WAIVABLE_KINDS)}", name="waivable_kind"),
        CheckConstraint(
            "waiver_proposed_at IS NULL OR (waiver_reason IS NOT NULL AND waiver_proposed_by_id IS NOT NULL)",
            name="waiver_reason_given",
        ),
        CheckConstraint(
            "waived_at IS NULL OR (waiver_proposed_at IS NOT NULL AND waived_by_id IS NOT NULL "
            "AND waived_by_id <> waiver_proposed_by_id)",
            name="waiver_two_people",
        ),
    )

    @property
    def is_met(self) -> bool:
        """Met, or waived with two signatures."""
        return self.met_at is not None or self.waived_at is not None

    @property
    def is_waived(self) -> bool:
        return self.waived_at is not None

    @property
    def waiver_pending(self) -> bool:
        return self.waiver_proposed_at is not None and self.waived_at is None

    @property
    def kind_label(self) -> str:
        """The condition in general words, without reading anything else (for long lists)."""
        return self.description if self.kind == "custom" else CONDITION_KINDS[self.kind]

    @property
    def label(self) -> str:
        if self.kind == "custom":
            return self.description
        if self.kind in LABELLERS and self.tranche is not None:
            return LABELLERS[self.kind](self.tranche.project, self.tranche)
        return CONDITION_KINDS[self.kind]


class Payment(Model):
    """A released tranche: the money that left, and the two people who signed for it. One per tranche;
    rows are never changed or deleted."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    tranche_id: Mapped[int] = mapped_column(ForeignKey("tranches.id", ondelete="RESTRICT"), nullable=False, unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), nullable=False, index=True)
    amount_pence: Mapped[int] = mapped_column(Money, nullable=False)
    reference: Mapped[str] = mapped_column(String(100), nullable=False)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), nullable=False)
    approved_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), nullable=False)
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    approved_by = relationship("User", foreign_keys=[approved_by_id], lazy="select")
    requested_by = relationship("User", foreign_keys=[requested_by_id], lazy="select")

    __table_args__ = (
        CheckConstraint("amount_pence > 0", name="amount_positive"),
        CheckConstraint("approved_by_id <> requested_by_id", name="two_people"),
        CheckConstraint("length(reference) > 0", name="reference_given"),
    )


class MatchFunding(TimestampMixin, Model):
    """The health and wellbeing board's contribution: pledged in the bid, then confirmed and received."""

    __tablename__ = "match_funding"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), nullable=False)
    funder: Mapped[str] = mapped_column(String(200), nullable=False)
    amount_pence: Mapped[int] = mapped_column(Money, nullable=False)
    status: Mapped[MatchStatus] = mapped_column(StatusColumn(MatchStatus), nullable=False, default=MatchStatus.PLEDGED)
    evidence_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    confirmation_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"))
    confirmation_note: Mapped[str | None] = mapped_column(Text)
    received_on: Mapped[date | None] = mapped_column(Date)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    received_reference: Mapped[str | None] = mapped_column(String(100))
    receipt_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"))

    project = relationship("Project", lazy="select")
    evidence = relationship("Document", foreign_keys=[evidence_document_id], lazy="select")
    confirmation_document = relationship("Document", foreign_keys=[confirmation_document_id], lazy="select")
    receipt_document = relationship("Document", foreign_keys=[receipt_document_id], lazy="select")

    __table_args__ = (
        CheckConstraint("amount_pence >= 0", name="amount_not_negative"),
        CheckConstraint(_in("status", MATCH_STATUSES), name="known_status"),
        CheckConstraint(
            "status = 'pledged' OR (confirmed_at IS NOT NULL AND confirmed_by_id IS NOT NULL)", name="confirmed_by"
        ),
        CheckConstraint("status <> 'received' OR received_on IS NOT NULL", name="received_when"),
        Index("ix_match_funding_project_id", "project_id", unique=True),
    )

    @property
    def status_label(self) -> str:
        return MATCH_STATUS_LABELS[self.status]


# Database rules no code path (or console session) can get round: a signed agreement keeps its words and
# signature, and changes only its status, to replaced by a later version or ended when the award is given
# up (then never again); a released tranche keeps its amount and status; a payment is never changed or
# removed.
IMMUTABLE_SQL = {
    "postgresql": [
        """
        CREATE OR REPLACE FUNCTION grant_agreements_signed_unchanged() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                IF OLD.status IN ('signed', 'superseded', 'ended') THEN
                    RAISE EXCEPTION 'a signed grant agreement cannot be deleted';
                END IF;
                RETURN OLD;
            END IF;
            IF OLD.status IN ('superseded', 'withdrawn', 'ended') THEN
                RAISE EXCEPTION 'a replaced, ended or withdrawn grant agreement cannot be changed';
            END IF;
            IF OLD.status = 'signed' AND (
                NEW.status NOT IN ('signed', 'superseded', 'ended')
                OR NEW.terms IS DISTINCT FROM OLD.terms OR NEW.award_pence IS DISTINCT FROM OLD.award_pence
                OR NEW.schedule::text IS DISTINCT FROM OLD.schedule::text
                OR NEW.version IS DISTINCT FROM OLD.version OR NEW.project_id IS DISTINCT FROM OLD.project_id
                OR NEW.variation_reason IS DISTINCT FROM OLD.variation_reason
                OR NEW.issued_at IS DISTINCT FROM OLD.issued_at OR NEW.issued_by_id IS DISTINCT FROM OLD.issued_by_id
                OR NEW.signed_at IS DISTINCT FROM OLD.signed_at OR NEW.signed_by_id IS DISTINCT FROM OLD.signed_by_id
                OR NEW.signed_name IS DISTINCT FROM OLD.signed_name OR NEW.signed_ip IS DISTINCT FROM OLD.signed_ip
                OR NEW.signed_user_agent IS DISTINCT FROM OLD.signed_user_agent
                OR NEW.created_at IS DISTINCT FROM OLD.created_at
                OR (NEW.superseded_at IS DISTINCT FROM OLD.superseded_at AND NEW.status <> 'superseded')
            ) THEN
                RAISE EXCEPTION 'a signed grant agreement cannot be changed';
            END IF;
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql
        """,
        """
        CREATE TRIGGER grant_agreements_signed_unchanged BEFORE UPDATE OR DELETE ON grant_agreements
        FOR EACH ROW EXECUTE FUNCTION grant_agreements_signed_unchanged()
        """,
        """
        CREATE OR REPLACE FUNCTION tranches_released_unchanged() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                IF OLD.status = 'released' THEN
                    RAISE EXCEPTION 'a released tranche cannot be deleted';
                END IF;
                RETURN OLD;
            END IF;
            IF OLD.status = 'released' AND (
                NEW.status <> 'released' OR NEW.amount_pence <> OLD.amount_pence
                OR NEW.released_at IS DISTINCT FROM OLD.released_at OR NEW.due_on <> OLD.due_on
                OR NEW.sequence <> OLD.sequence OR NEW.project_id <> OLD.project_id
                OR NEW.requested_by_id IS DISTINCT FROM OLD.requested_by_id
                OR NEW.requested_at IS DISTINCT FROM OLD.requested_at
            ) THEN
                RAISE EXCEPTION 'a released tranche cannot be changed';
            END IF;
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql
        """,
        """
        CREATE TRIGGER tranches_released_unchanged BEFORE UPDATE OR DELETE ON tranches
        FOR EACH ROW EXECUTE FUNCTION tranches_released_unchanged()
        """,
        """
        CREATE OR REPLACE FUNCTION payments_append_only() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'payments are never changed or removed';
        END;
        $$ LANGUAGE plpgsql
        """,
        """
        CREATE TRIGGER payments_append_only BEFORE UPDATE OR DELETE ON payments
        FOR EACH ROW EXECUTE FUNCTION payments_append_only()
        """,
    ],
    "sqlite": [
        """
        CREATE TRIGGER grant_agreements_signed_unchanged BEFORE UPDATE ON grant_agreements
        WHEN OLD.status IN ('superseded', 'withdrawn', 'ended') OR (OLD.status = 'signed' AND (
            NEW.status NOT IN ('signed', 'superseded', 'ended')
            OR NEW.terms IS NOT OLD.terms OR NEW.award_pence IS NOT OLD.award_pence OR NEW.schedule IS NOT OLD.schedule
            OR NEW.version IS NOT OLD.version OR NEW.project_id IS NOT OLD.project_id
            OR NEW.variation_reason IS NOT OLD.variation_reason
            OR NEW.issued_at IS NOT OLD.issued_at OR NEW.issued_by_id IS NOT OLD.issued_by_id
            OR NEW.signed_at IS NOT OLD.signed_at OR NEW.signed_by_id IS NOT OLD.signed_by_id
            OR NEW.signed_name IS NOT OLD.signed_name OR NEW.signed_ip IS NOT OLD.signed_ip
            OR NEW.signed_user_agent IS NOT OLD.signed_user_agent OR NEW.created_at IS NOT OLD.created_at
            OR (NEW.superseded_at IS NOT OLD.superseded_at AND NEW.status <> 'superseded')))
        BEGIN SELECT RAISE(ABORT, 'a signed grant agreement cannot be changed'); END
        """,
        """
        CREATE TRIGGER tranches_released_unchanged BEFORE UPDATE ON tranches
        WHEN OLD.status = 'released' AND (NEW.status <> 'released' OR NEW.amount_pence <> OLD.amount_pence
            OR NEW.released_at IS NOT OLD.released_at OR NEW.due_on <> OLD.due_on OR NEW.sequence <> OLD.sequence
            OR NEW.project_id <> OLD.project_id OR NEW.requested_by_id IS NOT OLD.requested_by_id
            OR NEW.requested_at IS NOT OLD.requested_at)
        BEGIN SELECT RAISE(ABORT, 'a released tranche cannot be changed'); END
        """,
        """
        CREATE TRIGGER tranches_released_not_deleted BEFORE DELETE ON tranches
        WHEN OLD.status = 'released'
        BEGIN SELECT RAISE(ABORT, 'a released tranche cannot be deleted'); END
        """,
        """
        CREATE TRIGGER grant_agreements_signed_not_deleted BEFORE DELETE ON grant_agreements
        WHEN OLD.status IN ('signed', 'superseded', 'ended')
        BEGIN SELECT RAISE(ABORT, 'a signed grant agreement cannot be deleted'); END
        """,
        """
        CREATE TRIGGER payments_no_update BEFORE UPDATE ON payments
        BEGIN SELECT RAISE(ABORT, 'payments are never changed or removed'); END
        """,
        """
        CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments
        BEGIN SELECT RAISE(ABORT, 'payments are never changed or removed'); END
        """,
    ],
}
_TABLE_OF = {"grant_agreements": GrantAgreement, "tranches": Tranche, "payments": Payment}
for _dialect, _statements in IMMUTABLE_SQL.items():
    for _statement in _statements:
        _table = next(name for name in _TABLE_OF if f" ON {name}" in _statement or f"FUNCTION {name}" in _statement)
        event.listen(_TABLE_OF[_table].__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect))
