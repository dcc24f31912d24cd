from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.core.db import Money, TimestampMixin, UTCDateTime
from grants.extensions import db

AGREEMENT_STATUSES = ("draft", "issued", "signed", "superseded")
TRANCHE_STATUSES = ("scheduled", "eligible", "requested", "released", "held")
MATCH_STATUSES = ("pledged", "confirmed", "received")


class GrantAgreement(TimestampMixin, db.Model):
    """The agreement a project's lead signs. A signed version never changes; a variation is a new one."""

    __tablename__ = "grant_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="draft")
    terms: Mapped[str] = mapped_column(Text, nullable=False)
    award_pence: Mapped[int] = mapped_column(Money, nullable=False)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    project = relationship("Project", lazy="joined", innerjoin=True)

    __table_args__ = (
        UniqueConstraint("project_id", "version"),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in AGREEMENT_STATUSES)})", name="known_status"),
        CheckConstraint("award_pence > 0", name="award_positive"),
    )


class Tranche(TimestampMixin, db.Model):
    """One payment of a project's award. The tranches of a project always sum to its award."""

    __tablename__ = "tranches"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), nullable=False)
    sequence: Mapped[int] = mapped_column(Integer, nullable=False)
    percentage: Mapped[int] = mapped_column(Integer, nullable=False)
    amount_pence: Mapped[int] = mapped_column(Money, nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="scheduled")

    project = relationship("Project", lazy="joined", innerjoin=True)

    __table_args__ = (
        UniqueConstraint("project_id", "sequence"),
        CheckConstraint("amount_pence > 0", name="amount_positive"),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in TRANCHE_STATUSES)})", name="known_status"),
    )


class MatchFunding(TimestampMixin, db.Model):
    """The health and wellbeing board's contribution: pledged in the bid, then confirmed and received."""

    __tablename__ = "match_funding"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), nullable=False)
    funder: Mapped[str] = mapped_column(String(200), nullable=False)
    amount_pence: Mapped[int] = mapped_column(Money, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="pledged")
    evidence_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))

    project = relationship("Project", lazy="select")

    __table_args__ = (
        CheckConstraint("amount_pence >= 0", name="amount_not_negative"),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in MATCH_STATUSES)})", name="known_status"),
    )
