"""Self-assessments when a project ends: close-out looks for the self-assessment at the end closed, and
every stage still open closes with the project (``services.close_open_stages``)."""

from __future__ import annotations

from grants.core.times import format_date
from grants.leadership import queries, services
from grants.projects.ending import LeftItem
from grants.projects.models import Project


def closeout_left(project: Project) -> list[LeftItem]:
    """The final self-assessment, closed: how many of those invited answered it."""
    counts = queries.stage_counts(project.id)["final"]
    closed = services.closure_of(project.id, "final")
    if not counts.invited:
        detail = "No one has been invited to the final self-assessment"
    else:
        detail = f"{counts.answered} of {counts.invited} invited {'has' if counts.answered == 1 else 'have'} answered"
        detail += f"; closed on {format_date(closed.closed_at)}" if closed else "; still open"
    return [
        LeftItem(
            key="final_assessment",
            title="Final self-assessment",
            done=closed is not None,
            detail=detail,
            endpoint="leadership.project",
            order=40,
        )
    ]
