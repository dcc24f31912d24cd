"""How a finished project is spoken of where a change is refused because its pages are now a record."""

from __future__ import annotations

from grants.projects.models import Project, ProjectStatus


def how_it_ended(project: Project) -> str:
    """The start of a refusal: "LV2-0007 has closed", "The award to LV2-0007 has been given up",
    "LV2-0007 has ended early" (the project's status label, for a project that has not finished)."""
    if project.status == ProjectStatus.CLOSED:
        return f"{project.reference} has closed"
    if project.status == ProjectStatus.WITHDRAWN:
        return f"The award to {project.reference} has been given up"
    if project.status == ProjectStatus.ENDED_EARLY:
        return f"{project.reference} has ended early"
    return f"{project.reference} is {project.status_label.lower()}"
