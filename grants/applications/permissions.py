"""Who may see and change a bid. An applicant sees only their own organisation's bids."""

from __future__ import annotations

from grants.applications.models import Application, ApplicationStatus
from grants.applications.workflow import WITHDRAWABLE
from grants.core.permissions import Role


def is_member(user, application: Application) -> bool:
    return bool(
        user.is_authenticated
        and user.has_role(Role.APPLICANT)
        and user.organisation_id is not None
        and user.organisation_id == application.lead_organisation_id
    )


def can_view_application(user, application: Application) -> bool:
    if not user.is_authenticated:
        return False
    if user.has_role(Role.PROGRAMME_OFFICER):
        return True  # officers see every bid, drafts included, to help applicants
    return is_member(user, application)


def can_edit_application(user, application: Application) -> bool:
    return (
        is_member(user, application)
        and application.status == ApplicationStatus.DRAFT
        and application.round.is_accepting()
    )


def can_submit_application(user, application: Application) -> bool:
    return can_edit_application(user, application)


def can_withdraw_application(user, application: Application) -> bool:
    return is_member(user, application) and application.status in WITHDRAWABLE


def can_start_application(user) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.APPLICANT) and user.organisation_id)


def can_manage_applications(user) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.PROGRAMME_OFFICER))
