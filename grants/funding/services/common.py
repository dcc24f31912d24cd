"""What every funding service shares: its error, and how it takes hold of a project's money."""

from __future__ import annotations

from typing import Any

from grants.core import errors
from grants.core.db import lock_and_refresh
from grants.core.errors import GrantsError
from grants.core.permissions import Role
from grants.extensions import db


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


def require_officer(actor: Any, doing: str) -> None:
    """Services check who acts as well as the routes: only a programme officer may ``doing``."""
    if actor is None or not actor.has_role(Role.PROGRAMME_OFFICER):
        raise FundingError(f"Only a programme officer can {doing}.")
