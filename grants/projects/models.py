from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.core.db import Money, TimestampMixin
from grants.extensions import db

STATUSES = ("setup", "active", "closing", "closed")
STATUS_LABELS = {"setup": "Setting up", "active": "Active", "closing": "Closing", "closed": "Closed"}
RAGS = ("red", "amber", "green")


class Project(TimestampMixin, db.Model):
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
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="setup")
    rag: Mapped[str | None] = mapped_column(String(5))

    application = relationship("Application", lazy="select")
    round = relationship("Round", lazy="joined", innerjoin=True)
    lead_organisation = relationship("Organisation", lazy="joined", innerjoin=True)
    place = relationship("Place", lazy="joined")

    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="known_status"),
        CheckConstraint("rag IS NULL OR rag IN ('red', 'amber', 'green')", name="known_rag"),
        CheckConstraint("award_pence > 0", name="award_positive"),
        CheckConstraint("ends_on > starts_on", name="ends_after_start"),
    )

    def __repr__(self) -> str:
        return f"<Project {self.reference} {self.status}>"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]
