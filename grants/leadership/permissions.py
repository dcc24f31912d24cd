"""Who may do what in leadership self-assessments: the project team manages its participants; only
programme staff see anyone's own answers."""

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
