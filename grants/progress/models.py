"""A compiled progress report: the portfolio's figures and one row per project, as they stood when it
was compiled. Compiled by a job (``queued → running → done | failed``) and kept, so that last week's
report still reads as it did."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.core.db import StatusColumn, UTCDateTime, utcnow
from grants.extensions import Model


class CompilationStatus(StrEnum):
    """Where a compilation of the programme's progress is."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


STATUSES = tuple(member.value for member in CompilationStatus)  # the words the database keeps
ACTIVE_STATUSES = (CompilationStatus.QUEUED, CompilationStatus.RUNNING)
STATUS_LABELS = {"queued": "Waiting to start", "running": "Compiling", "done": "Compiled", "failed": "Failed"}
STATUS_COLOURS = {"queued": "grey", "running": "blue", "done": "green", "failed": "red"}
TRIGGERS = {"officer": "From the progress page", "weekly": "For the weekly digest", "cli": "From the command line"}


def _in(column: str, values) -> str:
    quoted = ", ".join(f"'{value}'" for value in values)  # a StrEnum member's words, not its repr
    return f"{column} IN ({quoted})"


class ProgressCompilation(Model):
    """One compile of the progress report. ``figures`` are the portfolio's totals and ``rows`` one dict
    per project in reference order; both are written together when the compile finishes, never in part."""

    __tablename__ = "progress_compilations"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[CompilationStatus] = mapped_column(
        StatusColumn(CompilationStatus, 10), nullable=False, default=CompilationStatus.QUEUED
    )
    trigger: Mapped[str] = mapped_column(String(10), nullable=False)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    projects_total: Mapped[int | None] = mapped_column(Integer)
    projects_done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    figures: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    rows: Mapped[list | None] = mapped_column(JSON(none_as_null=True))
    error: Mapped[str | None] = mapped_column(Text)

    requested_by = relationship("User", lazy="select")

    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="known_status"),
        CheckConstraint(_in("trigger", TRIGGERS), name="known_trigger"),
        CheckConstraint("projects_done >= 0", name="projects_done_not_negative"),
        CheckConstraint("status <> 'done' OR (figures IS NOT NULL AND rows IS NOT NULL)", name="done_has_figures"),
        CheckConstraint("status NOT IN ('done', 'failed') OR finished_at IS NOT NULL", name="finished_when"),
        Index("ix_progress_compilations_status_finished_at", "status", "finished_at"),
        # One compile at a time, even when two people press the button at once: every queued or running
        # compile has the same key (the constant 1), so a second one is refused by the database.
        Index(
            "uq_progress_compilations_one_active",
            text("(1)"),
            unique=True,
            postgresql_where=text(_in("status", ACTIVE_STATUSES)),
            sqlite_where=text(_in("status", ACTIVE_STATUSES)),
            info={"expression_index": True},
        ),
    )

    def __repr__(self) -> str:
        return f"<ProgressCompilation {self.id} {self.status}>"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS[self.status]

    @property
    def trigger_label(self) -> str:
        return TRIGGERS[self.trigger]


class CompiledProject(Model):
    """A project a finished compilation has a row for: written with its rows, so that a project's page can
    ask whether the latest report lists it by index rather than by reading the report's rows."""

    __tablename__ = "progress_compiled_projects"

    compilation_id: Mapped[int] = mapped_column(
        ForeignKey("progress_compilations.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_progress_compiled_projects_project_id", "project_id"),)
