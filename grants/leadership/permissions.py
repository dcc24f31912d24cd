"""Who may do what in leadership self-assessments: the project team manages its participants and closes
its stages; only programme staff see anyone's own answers, and the results of stages still open."""

from __future__ import annotations

from grants.core.permissions import Role

STAFF = (Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER)


def can_manage_participants(user, project) -> bool:
    """The project team (applicants of the lead organisation) and programme officers."""
    if not user.is_authenticated:
        return False
    if user.has_role(Role.PROGRAMME_OFFICER):
        return True
    return user.has_role(Role.APPLICANT) and user.organisation_id == project.lead_organisation_id


def can_see_individuals(user) -> bool:
    """Individual answers are for programme staff only."""
    return bool(user.is_authenticated and user.has_any_role(*STAFF))


def can_close_stage(user, project) -> bool:
    """Closing a stage of self-assessment (no more answers; its results shown beyond the staff): the
    project team and programme officers, as for inviting participants."""
    return can_manage_participants(user, project)


def can_see_open_results(user) -> bool:
    """Results of stages still open, which may change with the next answer, are for programme staff only:
    anyone else comparing them before and after a late answer could work that answer out."""
    return can_see_individuals(user)
