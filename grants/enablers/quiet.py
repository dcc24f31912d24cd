"""When an enabler's update on a project is due: one rule, read by the reminder sent after a quiet
spell and by the enabler's home.

Only the current enabler of an active project is asked for updates: an assignment that has ended (even
today, as it does when the project ends) is never quiet. The quiet spell runs from the enabler's own
latest update in this assignment, or from the assignment's start, and an update is due ``QUIET_DAYS``
after it began. Both are SQL expressions over ``EnablerAssignment`` joined to its ``Project``, so a
list of every due update is one statement."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, func, select

from grants.projects.models import EnablerAssignment, Project, ProjectStatus, ProjectUpdate

QUIET_DAYS = 30


def quiet_since():
    """The day the current enabler's quiet spell began: their latest update in this assignment, or the
    assignment's start."""
    last_update = (
        select(func.max(ProjectUpdate.happened_on))
        .where(
            ProjectUpdate.project_id == EnablerAssignment.project_id,
            ProjectUpdate.author_id == EnablerAssignment.enabler_id,
            ProjectUpdate.happened_on >= EnablerAssignment.starts_on,
        )
        .correlate(EnablerAssignment)
        .scalar_subquery()
    )
    return func.coalesce(last_update, EnablerAssignment.starts_on)


def updates_expected():
    """The assignments whose enabler is asked for updates: current, on an active project."""
    return and_(Project.status == ProjectStatus.ACTIVE, EnablerAssignment.ends_on.is_(None))


def due_on(since: date) -> date:
    """The day an update falls due, for a quiet spell that began on ``since``."""
    return since + timedelta(days=QUIET_DAYS)


def quiet_by(day: date):
    """The spell has lasted ``QUIET_DAYS`` by ``day``: an update is due on or before it."""
    return quiet_since() <= day - timedelta(days=QUIET_DAYS)
