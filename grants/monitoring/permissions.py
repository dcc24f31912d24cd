"""Who may do what in a project's monitoring: the team writes its reports and keeps its milestones, a
programme officer who did not write a report reviews it and adjusts the outcome measures.

Once the project has finished (closed, its award given up, or ended early) its monitoring is a record:
nothing changes. A project in close-out still sends and has reviewed its final report. The ``may_*``
rules say who the person is; the ``can_*`` rules add whether the project still takes the change (the
services refuse a finished project's with the reason, so a page left open says why)."""

from __future__ import annotations

from grants.core.permissions import Role
from grants.monitoring.models import ProgressReport, ReportStatus


def is_project_team(user, project) -> bool:
    """The project team: applicants of the lead organisation."""
    return bool(
        user.is_authenticated and user.has_role(Role.APPLICANT) and user.organisation_id == project.lead_organisation_id
    )


def _is_officer(user) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.PROGRAMME_OFFICER))


def can_write_report(user, report: ProgressReport) -> bool:
    """The team, while the report is still theirs to send and the project has not finished."""
    return report.is_editable and not report.project.is_finished and is_project_team(user, report.project)


def can_review(user, report: ProgressReport) -> bool:
    """A programme officer who did not write it (and never an applicant)."""
    return bool(_is_officer(user) and not user.has_role(Role.APPLICANT) and report.submitted_by_id != user.id)


def can_review_now(user, report: ProgressReport) -> bool:
    """``can_review``, for a report waiting for review of a project that has not finished."""
    return report.status == ReportStatus.SUBMITTED and not report.project.is_finished and can_review(user, report)


def may_keep_milestones(user, project) -> bool:
    """The team or a programme officer."""
    return is_project_team(user, project) or _is_officer(user)


def can_edit_milestones(user, project) -> bool:
    """``may_keep_milestones``, while the project has not finished (its record is kept)."""
    return not project.is_finished and may_keep_milestones(user, project)


def may_adjust_measures(user) -> bool:
    """Programme officers: the measures are part of what was agreed, so the team asks and an officer
    adds or corrects one."""
    return _is_officer(user)


def can_adjust_measures(user, project) -> bool:
    """``may_adjust_measures``, while the project has not finished (its record is kept)."""
    return not project.is_finished and may_adjust_measures(user)
