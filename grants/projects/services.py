"""Creating a project from an approved bid, with everything it starts with."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from grants.core import audit
from grants.core.dates import add_months, first_of_next_month
from grants.core.db import lock_and_refresh, utcnow
from grants.core.errors import AlreadyDone, GrantsError
from grants.core.times import format_date, to_london
from grants.extensions import db
from grants.projects.models import Project, ProjectStatus, ProjectUpdate, ProjectUpdateRevision


def project_for(application_id: int) -> Project | None:
    project: Project | None = db.session.scalar(db.select(Project).where(Project.application_id == application_id))
    return project


def create_project(application: Any, *, decided_on: date, actor: Any = None) -> Project:
    """The project for an approved bid; if it exists already, that one (so running twice creates
    nothing twice). It starts on the first of the next month and runs for the round's project length."""
    existing = project_for(application.id)
    if existing is not None:
        return existing
    months = application.round.project_months
    starts_on = first_of_next_month(decided_on)
    project = Project(
        application_id=application.id,
        round_id=application.round_id,
        reference=application.reference,
        title=application.title,
        lead_organisation_id=application.lead_organisation_id,
        place_id=application.place_id,
        award_pence=application.amount_requested_pence,
        starts_on=starts_on,
        ends_on=add_months(starts_on, months) - timedelta(days=1),  # the last day of its final month
        status=ProjectStatus.SETUP,
    )
    db.session.add(project)
    db.session.flush()
    audit.record(
        "project.created",
        project,
        actor=actor,
        after={
            "application_id": application.id,
            "award_pence": project.award_pence,
            "starts_on": starts_on.isoformat(),
            "ends_on": project.ends_on.isoformat(),
        },
    )
    for _, step in _SET_UP:
        step(project, application, months=months, actor=actor)
    return project


# What the areas above set up for a new project (learning commitments, reports, tranches), run in
# order; each area adds its own step when it is set up, so projects need not know them.
_SET_UP: list[tuple[int, Callable[..., object]]] = []


def on_project_set_up(step: Callable[..., object], *, order: int) -> None:
    """Run ``step(project, application, months=..., actor=...)`` for every new project, by ``order``."""
    if all(existing is not step for _, existing in _SET_UP):
        _SET_UP.append((order, step))
        _SET_UP.sort(key=lambda pair: pair[0])


# --- The project log --------------------------------------------------------------------------------

UPDATE_FIELDS = (
    "happened_on",
    "kind",
    "hours",
    "what_happened",
    "shifting",
    "risks",
    "rag",
    "next_steps",
    "private_note",
)


class ProjectError(GrantsError):
    """A change to a project the service refuses, naming the domain field it is about where there is one."""


class ProjectAlreadyDone(ProjectError, AlreadyDone):
    """A second press of something already done (or the slower of two at once): nothing happens twice."""


def _content(update: ProjectUpdate) -> dict[str, Any]:
    content = {key: getattr(update, key) for key in UPDATE_FIELDS}
    content["happened_on"] = update.happened_on.isoformat()
    return content


def refresh_rag(project: Project) -> None:
    """The project's RAG and last update date: a programme officer's override while it stands,
    otherwise the latest update's."""
    latest = db.session.scalar(
        db.select(ProjectUpdate)
        .where(ProjectUpdate.project_id == project.id)
        .order_by(ProjectUpdate.happened_on.desc(), ProjectUpdate.id.desc())
        .limit(1)
    )
    project.last_update_on = latest.happened_on if latest else None
    project.rag = project.rag_override or (latest.rag if latest else None)


def _check_date(project: Project, happened_on: date) -> None:
    if happened_on > date.today():
        raise ProjectError("The date must be today or in the past", field="happened_on")
    earliest = to_london(project.round.closes_at).date()
    if happened_on < earliest:
        raise ProjectError(
            f"The date must be on or after {format_date(earliest)}, when bids for this round closed",
            field="happened_on",
        )


def _clear_override(project: Project) -> bool:
    if project.rag_override is None:
        return False
    project.rag_override = None
    project.rag_override_reason = None
    project.rag_overridden_by_id = None
    project.rag_overridden_at = None
    return True


def check_running(project: Project, doing: str) -> None:
    """Refuse a change to a project that has ended: its pages are a record."""
    if project.is_finished:
        raise ProjectError(f"{project.reference} is {project.status_label.lower()}, so you cannot {doing}.")


def log_update(project: Project, values: dict[str, Any], *, actor: Any) -> ProjectUpdate:
    """A new entry in the project log. Its RAG becomes the project's: a new update replaces any override."""
    check_running(project, "add to its log")
    _check_date(project, values["happened_on"])
    update = ProjectUpdate(project_id=project.id, author_id=actor.id, **{k: values[k] for k in UPDATE_FIELDS})
    db.session.add(update)
    db.session.flush()
    override_cleared = _clear_override(project)
    refresh_rag(project)
    audit.record(
        "project.update_logged",
        project,
        actor=actor,
        after={
            "update_id": update.id,
            "rag": update.rag,
            "happened_on": update.happened_on.isoformat(),
            "rag_override_cleared": override_cleared,
        },
    )
    return update


def edit_update(update: ProjectUpdate, values: dict[str, Any], *, actor: Any) -> None:
    """Change an update, keeping the earlier version."""
    project = db.session.get_one(Project, update.project_id)
    check_running(project, "change its log")
    _check_date(project, values["happened_on"])
    before = _content(update)
    for key in UPDATE_FIELDS:
        setattr(update, key, values[key])
    after = _content(update)
    if before == after:
        return
    db.session.add(
        ProjectUpdateRevision(update_id=update.id, version=update.version, content=before, edited_by_id=actor.id)
    )
    update.version += 1
    db.session.flush()
    refresh_rag(project)
    changed = [key for key in after if after[key] != before[key] and key != "private_note"]
    audit.record(
        "project.update_edited",
        project,
        actor=actor,
        before={k: before[k] for k in changed},
        after={"update_id": update.id, **{k: after[k] for k in changed}},
    )


def override_rag(project: Project, rag: str | None, reason: str, *, actor: Any) -> None:
    """A programme officer's RAG for the project, until the next update (or until cleared with None).
    Refuses (``ProjectAlreadyDone``), changing nothing, when exactly this is already in place (the form
    sent twice). A project that has ended keeps the RAG it ended with."""
    lock_and_refresh(db.session, project)
    check_running(project, "change its RAG")
    if rag is not None and not (reason or "").strip():
        raise ProjectError("Give the reason for overriding the RAG", field="reason")
    if (project.rag_override, project.rag_override_reason) == (rag, reason.strip() if rag else None):
        raise ProjectAlreadyDone("The project's RAG had already been saved as it is.")
    before = {"rag": project.rag, "rag_override": project.rag_override}
    project.rag_override = rag
    project.rag_override_reason = reason.strip() if rag else None
    project.rag_overridden_by_id = actor.id if rag else None
    project.rag_overridden_at = utcnow() if rag else None
    refresh_rag(project)
    db.session.flush()
    audit.record(
        "project.rag_overridden" if rag else "project.rag_override_cleared",
        project,
        actor=actor,
        before=before,
        after={"rag": project.rag, "reason": project.rag_override_reason},
    )
