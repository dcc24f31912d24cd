"""What every funding service shares: its error, and how it takes hold of a project's money."""

from __future__ import annotations

from grants.core.db import lock_and_refresh
from grants.core.errors import GrantsError
from grants.extensions import db


class FundingError(GrantsError):
    """A change to a project's money the service refuses; ``field`` names the form field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def hold_project(project) -> None:
    """Every change to a project's money starts by locking the project's row, so two changes to the
    same project's agreement, schedule or payments happen one after the other, never interleaved."""
    lock_and_refresh(db.session, project)
