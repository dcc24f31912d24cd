"""Compiling the progress report: the job itself, run by the ``progress.compile`` task, the weekly
digest and ``flask jobs compile-progress``.

Unlike a service it commits, because others must see how far it has got: it claims the compilation
(``running``), reads every figure with a fixed number of set-based queries, builds the project rows in
a few steps (committing ``projects_done`` after each, for the progress bar), then writes the figures and
rows together with ``done``. If anything fails the compilation ends ``failed`` with the error and
no rows: a report is whole or absent.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app

from grants.core.db import utcnow
from grants.core.times import to_london
from grants.extensions import db
from grants.funding.models import MATCH_STATUSES
from grants.leadership import kept as leadership_kept
from grants.leadership import queries as leadership
from grants.leadership.services import current_framework
from grants.learning.models import COMMITMENT_STATUS_LABELS
from grants.monitoring.queries import AGAINST_TARGET, against_target
from grants.progress import queries
from grants.progress.models import CompilationStatus, CompiledProject, ProgressCompilation
from grants.projects.models import FINISHED_STATUSES, LIVE_STATUSES, RAGS, STATUSES, Project, ProjectStatus

log = logging.getLogger(__name__)
PROGRESS_STEPS = 4
COMMITMENT_STATES = tuple(COMMITMENT_STATUS_LABELS)  # planned, in progress, done, and overdue (read from the date)


def is_abandoned(compilation: ProgressCompilation, now) -> bool:
    """A compile that can no longer finish: running for longer than any task may run (its worker was
    stopped), or queued for longer than the broker keeps a message unacknowledged (its job was lost)."""
    config = current_app.config
    if compilation.status == CompilationStatus.RUNNING:
        started = compilation.started_at or compilation.requested_at
        return started < now - timedelta(seconds=config["CELERY_TASK_TIME_LIMIT"])
    if compilation.status == CompilationStatus.QUEUED:
        return compilation.requested_at < now - timedelta(seconds=config["CELERY_VISIBILITY_TIMEOUT"])
    return False


def compile_progress(compilation_id: int) -> ProgressCompilation | None:
    """Compile a queued compilation (or one whose worker died while compiling it). Running it again for
    a compilation that is done, failed or being compiled by someone else changes nothing."""
    if not _claim(compilation_id):
        return db.session.get(ProgressCompilation, compilation_id)
    try:
        figures, rows = _compile(compilation_id)
    except Exception as error:  # the report is whole or absent: record why, keep no rows
        db.session.rollback()
        log.exception("progress compilation %s failed", compilation_id)
        return _finish(compilation_id, status=CompilationStatus.FAILED, error=f"{type(error).__name__}: {error}"[:2000])
    return _finish(compilation_id, status=CompilationStatus.DONE, figures=figures, rows=rows)


def _claim(compilation_id: int) -> bool:
    """Mark the compilation running, if it is this job's to compile. The row lock makes a second
    delivery of the same job wait, then find it running and leave it."""
    now = utcnow()
    compilation = db.session.scalar(
        db.select(ProgressCompilation).where(ProgressCompilation.id == compilation_id).with_for_update()
    )
    if compilation is None or not (compilation.status == CompilationStatus.QUEUED or is_abandoned(compilation, now)):
        db.session.rollback()  # let go of the row
        return False
    projects_total = db.session.scalar(db.select(db.func.count()).select_from(Project))
    compilation.status, compilation.started_at = CompilationStatus.RUNNING, now
    compilation.projects_total, compilation.projects_done = projects_total, 0
    db.session.commit()
    return True


def _finish(compilation_id: int, **values) -> ProgressCompilation:
    compilation = db.session.get(ProgressCompilation, compilation_id)
    for key, value in {"figures": None, "rows": None, "error": None, **values}.items():
        setattr(compilation, key, value)
    compilation.finished_at = utcnow()
    if compilation.status == CompilationStatus.DONE:
        compilation.projects_done = compilation.projects_total = len(compilation.rows)
        db.session.add_all(
            CompiledProject(compilation_id=compilation.id, project_id=row["project_id"]) for row in compilation.rows
        )
    db.session.commit()
    return compilation


def _record_progress(compilation_id: int, projects_done: int) -> None:
    db.session.execute(
        db.update(ProgressCompilation)
        .where(ProgressCompilation.id == compilation_id)
        .values(projects_done=projects_done)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


# --- The figures ------------------------------------------------------------------------------------------


@dataclass
class Sources:
    """What the queries found, keyed by project id."""

    today: date
    updates: dict
    released: dict
    cancelled: dict
    match: dict
    measures: dict
    commitments: dict
    reports: dict
    shifts: dict  # project id → its leadership figures as kept (``grants.leadership.kept``)
    domains: list[str]  # the current framework's, in its order
    closed: dict  # project id → {stage: when it closed}

    def shift_of(self, project_id: int, *, closed_only: bool = False) -> leadership_kept.ProjectShift:
        shift = self.shifts.get(project_id, leadership_kept.NOTHING_ANSWERED)
        return shift.seen(self.closed.get(project_id, {})) if closed_only else shift


def _compile(compilation_id: int) -> tuple[dict, list[dict]]:
    today = date.today()
    projects = queries.projects()
    project_ids = [project.id for project in projects]
    framework = current_framework()
    sources = Sources(
        today=today,
        updates=queries.updates_by_project(),
        released=queries.released_by_project(),
        cancelled=queries.cancelled_by_project(),
        match=queries.match_by_project(),
        measures=queries.measures_by_project(),
        commitments=queries.commitments_by_project(today),
        reports=queries.reports_by_project(today),
        shifts=leadership_kept.kept(project_ids),
        domains=[domain.name for domain in framework.domains] if framework else [],
        closed=leadership.closed_stages(project_ids),
    )
    db.session.commit()  # the reading is done; what follows is arithmetic
    rows: list[dict] = []
    for step in range(1, PROGRESS_STEPS + 1):
        for project in projects[len(rows) : len(projects) * step // PROGRESS_STEPS]:
            rows.append(project_row(project, sources))
        _record_progress(compilation_id, len(rows))
    return portfolio_figures(rows, sources), rows


def leadership_result(shifts, domains: list[str]) -> dict:
    """The baseline-to-final shift on pairs of these projects, as the leadership pages show it, kept in
    full: who sees how much of it is decided when it is shown (``leadership.queries.visible_changes``)."""
    return leadership_kept.added_up(shifts, domains)


def measure_row(measure) -> dict:
    return {
        "name": measure.name,
        "unit": measure.unit,
        "direction": measure.direction,
        "baseline": measure.baseline,
        "target": measure.target,
        "latest": measure.latest,
        "latest_on": measure.latest_on.isoformat() if measure.latest_on else None,
        "state": against_target(measure.direction, measure.baseline, measure.target, measure.latest),
    }


def money_of(project, released: int, cancelled: int) -> dict[str, int]:
    """A project's award in four parts that add up to it: given up (an award withdrawn, before any
    payment: not counted as awarded), released, not to be paid (the tranches cancelled when it ended
    early or closed without them), and still to release (nothing, once a project has finished)."""
    if project.status == ProjectStatus.WITHDRAWN:
        return {"given_up_pence": project.award_pence, "not_paid_pence": 0, "remaining_pence": 0}
    if project.status in FINISHED_STATUSES:
        return {"given_up_pence": 0, "not_paid_pence": project.award_pence - released, "remaining_pence": 0}
    return {
        "given_up_pence": 0,
        "not_paid_pence": cancelled,
        "remaining_pence": max(project.award_pence - released - cancelled, 0),
    }


def project_row(project, sources: Sources) -> dict:
    closed = sources.closed.get(project.id, {})
    updates, last_update_on = sources.updates.get(project.id, (0, None))
    released = sources.released.get(project.id, 0)
    match_status, match_amount = sources.match.get(project.id, (None, 0))
    measures = [measure_row(measure) for measure in sources.measures.get(project.id, [])]
    commitments = sources.commitments.get(project.id, {})
    reports = sources.reports.get(project.id, {})
    finished_at = project.finished_at
    return {
        "project_id": project.id,
        "application_id": project.application_id,
        "reference": project.reference,
        "title": project.title,
        "place": project.place or "",
        "status": project.status,
        "finished_on": to_london(finished_at).date().isoformat() if finished_at else None,
        "rag": project.rag,
        "updates": updates,
        "last_update_on": last_update_on.isoformat() if last_update_on else None,
        "award_pence": project.award_pence,
        "released_pence": released,
        **money_of(project, released, sources.cancelled.get(project.id, 0)),
        "match_pence": {status: match_amount if status == match_status else 0 for status in MATCH_STATUSES},
        "measures": measures,
        "measures_by_state": _counts(measure["state"] for measure in measures),
        "commitments": {state: commitments.get(state, 0) for state in COMMITMENT_STATES},
        "reports": {state: reports.get(state, 0) for state in queries.REPORT_STATES},
        "leadership": leadership_result([sources.shift_of(project.id)], sources.domains),
        # Beyond programme staff only closed stages are shown: their results never change.
        "leadership_closed": leadership_result([sources.shift_of(project.id, closed_only=True)], sources.domains),
        "leadership_open": leadership.results_still_open(closed),
    }


def _counts(states) -> dict[str, int]:
    counted = Counter(states)
    return {state: counted[state] for state in AGAINST_TARGET}


def portfolio_figures(rows: list[dict], sources: Sources) -> dict:
    project_ids = [row["project_id"] for row in rows]
    closed_shifts = {project_id: sources.shift_of(project_id, closed_only=True) for project_id in project_ids}
    live = [row for row in rows if row["status"] in LIVE_STATUSES]
    # A finished project's last RAG is history: the RAG figures are of the projects still running.
    rags = Counter(row["rag"] or "none" for row in live)
    statuses = Counter(row["status"] for row in rows)
    return {
        "as_of": sources.today.isoformat(),
        "projects": len(rows),
        "by_status": {status: statuses[status] for status in STATUSES},
        "live": len(live),
        "by_rag": {rag: rags[rag] for rag in (*RAGS, "none")},
        "updates": sum(row["updates"] for row in rows),
        # Awarded: what the funded projects hold; an award given up is counted apart, never as awarded.
        "awarded_pence": sum(row["award_pence"] - row["given_up_pence"] for row in rows),
        "given_up": statuses[ProjectStatus.WITHDRAWN],
        "given_up_pence": sum(row["given_up_pence"] for row in rows),
        "released_pence": sum(row["released_pence"] for row in rows),
        "remaining_pence": sum(row["remaining_pence"] for row in rows),
        "not_paid_pence": sum(row["not_paid_pence"] for row in rows),
        "match_pence": _total_of(rows, "match_pence", MATCH_STATUSES),
        "measures": _total_of(rows, "measures_by_state", AGAINST_TARGET),
        "commitments": _total_of(rows, "commitments", COMMITMENT_STATES),
        "reports": _total_of(rows, "reports", queries.REPORT_STATES),
        "leadership": {
            "all": leadership_result([sources.shift_of(project_id) for project_id in project_ids], sources.domains),
            # What anyone but programme staff may see: only stages closed, of projects big enough to be
            # shown alone. (Reports compiled before stages closed have "steering" instead: not shown.)
            "closed": leadership_result(leadership_kept.shown_alone(closed_shifts).values(), sources.domains),
        },
    }


def _total_of(rows: list[dict], key: str, states) -> dict[str, int]:
    """The sum over the rows of a {state: number} figure, with every state present."""
    totals: Counter = Counter()
    for row in rows:
        totals.update(row[key])
    return {state: totals[state] for state in states}
