"""Who may see and change a bid. An applicant sees only their own organisation's bids."""

from __future__ import annotations

from collections.abc import Callable

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


# Who else may read a bid's documents: those assessing it, whom the steering group's area (reviews,
# above this one) knows. It says how to tell them when it is set up (``let_assessors_read_with``).
_ASSESSING: list[Callable[[object, Application], bool]] = []


def let_assessors_read_with(predicate: Callable[[object, Application], bool]) -> None:
    """``predicate(user, application)``: whether the person is assessing the bid."""
    _ASSESSING[:] = [predicate]


def is_assessing(user, application: Application) -> bool:
    """A reviewer who declared no conflict with the bid, or a chair without one (the reviews area's rule)."""
    if not _ASSESSING:  # never turn a reviewer away, nor let one in, for want of asking
        raise RuntimeError("the reviews area has not said who is assessing a bid")
    return _ASSESSING[0](user, application)


def can_read_documents(user, application: Application) -> bool:
    """The bid's documents: for those who may see the bid, and for those assessing it."""
    return can_view_application(user, application) or is_assessing(user, application)


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
