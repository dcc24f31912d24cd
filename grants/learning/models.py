from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from grants.applications.models import COMMITMENT_KINDS
from grants.core.db import TimestampMixin
from grants.extensions import db

COMMITMENT_STATUSES = ("planned", "in_progress", "done")


class LearningCommitment(TimestampMixin, db.Model):
    """A project's commitment to apply and share what it learns, carried over from its bid."""

    __tablename__ = "learning_commitments"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="planned")
    source_plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("application_commitments.id", ondelete="SET NULL"), unique=True
    )

    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in COMMITMENT_KINDS)})", name="known_kind"),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in COMMITMENT_STATUSES)})", name="known_status"),
    )

    @property
    def kind_label(self) -> str:
        return COMMITMENT_KINDS[self.kind]
