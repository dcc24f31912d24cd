"""Who may do what in a project's monitoring: the team writes its reports and keeps its milestones, a
programme officer who did not write a report reviews it and adjusts the outcome measures."""

from __future__ import annotations

from grants.core.permissions import Role
from grants.monitoring.models import ProgressReport
from grants.projects.models import ProjectStatus


def is_project_team(user, project) -> bool:
    """The project team: applicants of the lead organisation."""
    return bool(
        user.is_authenticated and user.has_role(Role.APPLICANT) and user.organisation_id == project.lead_organisation_id
    )


def can_review(user, report: ProgressReport) -> bool:
    """A programme officer who did not write it (and never an applicant)."""
    return bool(
        user.is_authenticated
        and user.has_role(Role.PROGRAMME_OFFICER)
        and not user.has_role(Role.APPLICANT)
        and report.submitted_by_id != user.id
    )


def can_edit_milestones(user, project) -> bool:
    """The team or a programme officer, while the project runs (a closed project's record is kept)."""
    if project.status == ProjectStatus.CLOSED:
        return False
    return is_project_team(user, project) or bool(user.is_authenticated and user.has_role(Role.PROGRAMME_OFFICER))


def can_adjust_measures(user, project) -> bool:
    """Programme officers, while the project runs: the measures are part of what was agreed, so the
    team asks and an officer adds or corrects one (a closed project's record is kept)."""
    return project.status != ProjectStatus.CLOSED and bool(
        user.is_authenticated and user.has_role(Role.PROGRAMME_OFFICER)
    )
