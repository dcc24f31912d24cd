"""What every funding service shares: its error, and how it takes hold of a project's money."""

from __future__ import annotations

from typing import Any

from grants.core import errors
from grants.core.db import lock_and_refresh
from grants.core.errors import GrantsError
from grants.core.permissions import Role
from grants.core.times import format_date
from grants.extensions import db
from grants.projects.models import ProjectStatus


class FundingError(GrantsError):
    """A change to a project's money the service refuses; ``field`` names the domain field it concerns
    (``reason``, ``payment_reference``, ``tranche:2:amount_pence``)."""


class ConditionsLapsed(FundingError):
    """The conditions of a requested tranche no longer hold: refused, and the tranche must go back to
    waiting (the caller records that after rolling the refused change back)."""


class AlreadyDone(FundingError, errors.AlreadyDone):
    """A repeat of something that has already happened (a second press, or someone else first): nothing
    changes. A tranche's pages answer it with 409 and the tranche saying what already happened."""


class NotAllowed(FundingError):
    """The person may not do this (their role, or their own request or proposal): answered 403."""


def hold_project(project: Any) -> None:
    """Every change to a project's money starts by locking the project's row, so two changes to the
    same project's agreement, schedule or payments happen one after the other, never interleaved."""
    lock_and_refresh(db.session, project)


class MoneySettled(FundingError):
    """The project has finished (closed, its award given up, ended early): its money is a record now."""


# Why a finished project's money no longer changes, in the words its pages use.
_FINISHED = {
    ProjectStatus.CLOSED: "{reference} is closed",
    ProjectStatus.WITHDRAWN: "The award to {reference} was given up",
    ProjectStatus.ENDED_EARLY: "{reference} ended early",
}


def settled_because(project: Any) -> str | None:
    """Why the project's money is settled ("LV2-0007 ended early"), or None while the project runs."""
    if not project.is_finished:
        return None
    return _FINISHED[project.status].format(reference=project.reference)


_ENDED = {
    ProjectStatus.CLOSED: "{reference} closed",
    ProjectStatus.WITHDRAWN: "The award to {reference} was given up",
    ProjectStatus.ENDED_EARLY: "{reference} ended early",
}


def how_it_ended(project: Any) -> str | None:
    """ "LV2-0007 ended early on 3 March 2025", for a finished project's pages; None while it runs."""
    if not project.is_finished:
        return None
    words = _ENDED[project.status].format(reference=project.reference)
    return f"{words} on {format_date(project.finished_at)}" if project.finished_at else words


def settled_refusal(project: Any, doing: str) -> MoneySettled | None:
    """The refusal of ``doing`` ("request a release") to a finished project's money, or None."""
    because = settled_because(project)
    if because is None:
        return None
    return MoneySettled(f"{because}, so its funding is settled: you cannot {doing}.")


def check_running(project: Any, doing: str) -> None:
    """Refuse any change to a finished project's money. Call it after ``hold_project``, which reads the
    project's status afresh under its lock (an early end confirmed a moment ago is seen)."""
    refusal = settled_refusal(project, doing)
    if refusal is not None:
        raise refusal


def require_officer(actor: Any, doing: str) -> None:
    """Services check who acts as well as the routes: only a programme officer may ``doing``."""
    if actor is None or not actor.has_role(Role.PROGRAMME_OFFICER):
        raise FundingError(f"Only a programme officer can {doing}.")
