"""Reading for the progress report. Each figure is one set-based query over every project, grouped by
project, so a compile runs the same number of queries for three projects or a thousand. The rules
(which outcome values count, when a commitment is overdue, who sees small groups) are the areas' own."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy.orm import defer, joinedload

from grants.accounts.models import User, UserRole
from grants.core.permissions import Role
from grants.directory.models import Place
from grants.extensions import db
from grants.funding.models import MatchFunding, Payment, Tranche, TrancheStatus
from grants.learning.models import LearningCommitment
from grants.monitoring.models import ProgressReport, ReportStatus
from grants.monitoring.queries import measures_with_latest
from grants.progress.models import ACTIVE_STATUSES, CompilationStatus, CompiledProject, ProgressCompilation
from grants.projects.models import LIVE_STATUSES, Project, ProjectUpdate

# --- The portfolio, a figure at a time ------------------------------------------------------------------


def projects():
    """Every project, in reference order, with the place it serves."""
    return db.session.execute(
        db.select(
            Project.id,
            Project.application_id,
            Project.reference,
            Project.title,
            Place.name.label("place"),
            Project.status,
            Project.rag,  # the effective RAG: an officer's override while it stands, else the latest update's
            Project.award_pence,
            Project.finished_at,
        )
        .outerjoin(Place, Place.id == Project.place_id)
        .order_by(Project.reference)
    ).all()


def updates_by_project() -> dict[int, tuple[int, date]]:
    """Project id → (how many updates its enabler has logged, the date of the latest)."""
    rows = db.session.execute(
        db.select(ProjectUpdate.project_id, db.func.count(), db.func.max(ProjectUpdate.happened_on)).group_by(
            ProjectUpdate.project_id
        )
    )
    return {project_id: (count, latest) for project_id, count, latest in rows}


def released_by_project() -> dict[int, int]:
    """Project id → the money released to it: its payments, one for each released tranche."""
    rows = db.session.execute(
        db.select(Payment.project_id, db.func.sum(Payment.amount_pence)).group_by(Payment.project_id)
    )
    return {project_id: int(amount) for project_id, amount in rows}


def cancelled_by_project() -> dict[int, int]:
    """Project id → the money of its tranches cancelled (never to be paid: the project ended without them)."""
    rows = db.session.execute(
        db.select(Tranche.project_id, db.func.sum(Tranche.amount_pence))
        .where(Tranche.status == TrancheStatus.CANCELLED)
        .group_by(Tranche.project_id)
    )
    return {project_id: int(amount) for project_id, amount in rows}


def match_by_project() -> dict[int, tuple[str, int]]:
    """Project id → (the state of its match funding, the amount)."""
    rows = db.session.execute(db.select(MatchFunding.project_id, MatchFunding.status, MatchFunding.amount_pence))
    return {project_id: (status, int(amount)) for project_id, status, amount in rows}


def measures_by_project() -> dict[int, list]:
    """Project id → its outcome measures, each with its latest counted value."""
    found: dict[int, list] = defaultdict(list)
    for row in measures_with_latest():
        found[row.project_id].append(row)
    return found


def commitments_by_project(today: date) -> dict[int, dict[str, int]]:
    """Project id → {state: how many learning commitments are in it}, overdue read from the due date."""
    states = db.select(
        LearningCommitment.project_id.label("project_id"), LearningCommitment.state(today).label("state")
    ).subquery()
    rows = db.session.execute(
        db.select(states.c.project_id, states.c.state, db.func.count()).group_by(states.c.project_id, states.c.state)
    )
    found: dict[int, dict[str, int]] = defaultdict(dict)
    for project_id, state, count in rows:
        found[project_id][state] = count
    return found


REPORT_STATES = ("accepted", "submitted", "changes_requested", "overdue")


def reports_by_project(today: date) -> dict[int, dict[str, int]]:
    """Project id → how many of its progress reports are accepted, submitted (waiting for review), sent
    back with changes requested, and overdue (still to send, past the due date: a report sent back may be
    both; never for a finished project, whose reports are a record). One query."""

    def count(condition):
        return db.func.sum(db.case((condition, 1), else_=0))

    rows = db.session.execute(
        db.select(
            ProgressReport.project_id,
            count(ProgressReport.status == ReportStatus.ACCEPTED),
            count(ProgressReport.status == ReportStatus.SUBMITTED),
            count(ProgressReport.status == ReportStatus.CHANGES_REQUESTED),
            count(db.and_(ProgressReport.is_overdue(today), Project.status.in_(LIVE_STATUSES))),
        )
        .join(Project, Project.id == ProgressReport.project_id)
        .group_by(ProgressReport.project_id)
    )
    return {
        project_id: dict(zip(REPORT_STATES, (int(number or 0) for number in numbers), strict=True))
        for project_id, *numbers in rows
    }


def steering_group() -> list[User]:
    """Active steering-group members and chairs, who receive the weekly digest."""
    roles = (Role.STEERING_MEMBER.value, Role.STEERING_CHAIR.value)
    return db.session.scalars(
        db.select(User)
        .where(User.is_active.is_(True), User.id.in_(db.select(UserRole.user_id).where(UserRole.role.in_(roles))))
        .order_by(User.name, User.id)
    ).all()


# --- Compilations ------------------------------------------------------------------------------------------


def latest_done() -> ProgressCompilation | None:
    return db.session.scalar(
        db.select(ProgressCompilation)
        .where(ProgressCompilation.status == CompilationStatus.DONE)
        .order_by(ProgressCompilation.finished_at.desc(), ProgressCompilation.id.desc())
        .limit(1)
    )


def latest_done_listing(project_id: int) -> tuple[int, datetime] | None:
    """The latest finished compilation (its id and when it finished) if it lists this project, for the link
    to the project's compiled progress: one query, by index (the report's rows are not read)."""
    latest = (
        db.select(ProgressCompilation.id)
        .where(ProgressCompilation.status == CompilationStatus.DONE)
        .order_by(ProgressCompilation.finished_at.desc(), ProgressCompilation.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    found = db.session.execute(
        db.select(ProgressCompilation.id, ProgressCompilation.finished_at)
        .join(CompiledProject, CompiledProject.compilation_id == ProgressCompilation.id)
        .where(ProgressCompilation.id == latest, CompiledProject.project_id == project_id)
    ).first()
    return (found.id, found.finished_at) if found else None


def active() -> ProgressCompilation | None:
    """The compile queued or under way, if there is one (there is never more than one)."""
    return db.session.scalar(
        db.select(ProgressCompilation).where(ProgressCompilation.status.in_(ACTIVE_STATUSES)).limit(1)
    )


def latest_attempt() -> ProgressCompilation | None:
    return db.session.scalar(
        db.select(ProgressCompilation)
        .order_by(ProgressCompilation.requested_at.desc(), ProgressCompilation.id.desc())
        .limit(1)
    )


def compilations_statement():
    """Every compilation, newest first, without the report itself (which can be large)."""
    return (
        db.select(ProgressCompilation)
        .options(
            defer(ProgressCompilation.figures),
            defer(ProgressCompilation.rows),
            joinedload(ProgressCompilation.requested_by),
        )
        .order_by(ProgressCompilation.requested_at.desc(), ProgressCompilation.id.desc())
    )
