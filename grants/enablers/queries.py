"""Reading for the enabler's home: what is due on their projects, and the projects they supported
before. Learning commitments and tranche conditions are areas above this one (learning, funding); each
says where to find its part when it is set up, and the home refuses to show "nothing due" before both
have."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import contains_eager

from grants.extensions import db
from grants.projects.models import FINISHED_STATUSES, EnablerAssignment, Project

_COMMITMENTS_DUE: list[Callable[[list[int], date], list]] = []
_CONDITIONS_OWNED: list[Callable[[int, list[int]], list]] = []


def list_commitments_due_with(source: Callable[[list[int], date], list]) -> None:
    """``source(project_ids, until)``: the projects' unfinished learning commitments due by ``until``,
    soonest first (one query)."""
    _COMMITMENTS_DUE[:] = [source]


def list_conditions_owned_with(source: Callable[[int, list[int]], list]) -> None:
    """``source(owner_id, project_ids)``: the unmet tranche conditions this person confirms on these
    projects, of tranches still to be released, with their tranche, soonest first (one query)."""
    _CONDITIONS_OWNED[:] = [source]


def commitments_due(project_ids: list[int], until: date) -> list:
    if not _COMMITMENTS_DUE:
        raise RuntimeError("the learning area has not said where a project's learning commitments are")
    return _COMMITMENTS_DUE[0](project_ids, until)


def conditions_owned(owner_id: int, project_ids: list[int]) -> list:
    if not _CONDITIONS_OWNED:
        raise RuntimeError("the funding area has not said where the tranche conditions an enabler owns are")
    return _CONDITIONS_OWNED[0](owner_id, project_ids)


def past_support(enabler_id: int, limit: int) -> list[EnablerAssignment]:
    """The enabler's support that has ended (the project ended, or it passed to another enabler), the
    most recent first, with its project: one query."""
    return list(
        db.session.scalars(
            db.select(EnablerAssignment)
            .join(Project, Project.id == EnablerAssignment.project_id)
            .options(contains_eager(EnablerAssignment.project))
            .where(
                EnablerAssignment.enabler_id == enabler_id,
                db.or_(EnablerAssignment.ends_on.is_not(None), Project.status.in_(FINISHED_STATUSES)),
            )
            .order_by(EnablerAssignment.ends_on.desc().nulls_last(), EnablerAssignment.id.desc())
            .limit(limit)
        )
    )
