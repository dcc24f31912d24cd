"""Who may see and do what with a project's money."""

from __future__ import annotations

from grants.core.permissions import Role
from grants.funding.models import TrancheStatus
from grants.funding.services.agreements import can_sign  # noqa: F401 - the lead applicant signs
from grants.funding.services.conditions import can_confirm  # noqa: F401 - the owner confirms
from grants.funding.services.match import can_record as can_record_match  # noqa: F401
from grants.funding.services.release import can_hold  # noqa: F401
from grants.projects.permissions import can_view_project


def can_view_funding(user, project, enabler_id=...) -> bool:
    """Everyone who may see the project sees its agreement, schedule and what each tranche waits for."""
    return can_view_project(user, project, enabler_id)


def can_manage(user) -> bool:
    """Issue agreements, change schedules and conditions, request releases: the programme officer."""
    return bool(user.is_authenticated and user.has_role(Role.PROGRAMME_OFFICER))


def can_see_portfolio(user) -> bool:
    return bool(user.is_authenticated and user.has_any_role(Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER))


def can_approve(user, tranche) -> bool:
    """The second signature: a finance approver who did not request the release."""
    return bool(
        user.is_authenticated
        and user.has_role(Role.FINANCE_APPROVER)
        and tranche.status == TrancheStatus.REQUESTED
        and tranche.requested_by_id != user.id
    )
