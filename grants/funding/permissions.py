"""Who may see and do what with a project's money. Once the project has finished (closed, its award given
up, ended early) its money is a record: nobody may change it, and its pages offer no action."""

from __future__ import annotations

from grants.core.permissions import Role
from grants.funding.models import WAIVABLE_KINDS, TrancheStatus
from grants.projects.permissions import can_view_project


def can_view_funding(user, project, enabler_id=...) -> bool:
    """Everyone who may see the project sees its agreement, schedule and what each tranche waits for."""
    return can_view_project(user, project, enabler_id)


def can_change(user, project) -> bool:
    """Whether anything about the project's money may still change: not once the project has finished."""
    return bool(user.is_authenticated and not project.is_finished)


def can_manage(user) -> bool:
    """Issue agreements, change schedules and conditions, request releases: the programme officer."""
    return bool(user.is_authenticated and user.has_role(Role.PROGRAMME_OFFICER))


def can_see_portfolio(user) -> bool:
    return bool(user.is_authenticated and user.has_any_role(Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER))


def can_sign(user, agreement) -> bool:
    """The project's lead applicant signs, for the lead organisation."""
    project = agreement.project
    return bool(
        user.is_authenticated
        and user.id == project.application.lead_applicant_id
        and user.organisation_id == project.lead_organisation_id
    )


def can_confirm(user, condition) -> bool:
    """A custom condition is confirmed by its named owner (by a programme officer once the owner no
    longer can, say an enabler who has moved on); a built-in one the service cannot see yet, by a
    programme officer."""
    from grants.funding.services.conditions import is_automatic, owner_can_confirm  # evaluators register there

    is_officer = user.has_role(Role.PROGRAMME_OFFICER)
    if condition.kind == "custom":
        if condition.owner_id == user.id:
            return owner_can_confirm(condition)
        return is_officer and not owner_can_confirm(condition)
    return not is_automatic(condition.kind) and is_officer


def can_record_match(user) -> bool:
    """Confirm the board's match funding and record it received: the programme team or finance."""
    return bool(user.is_authenticated and user.has_any_role(Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER))


def can_hold(user) -> bool:
    """Hold a tranche, or lift the hold: the programme team or finance."""
    return bool(user.is_authenticated and user.has_any_role(Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER))


def can_hold_tranche(user, tranche) -> bool:
    """Hold this tranche now: one neither paid, cancelled nor held already, of a project still running."""
    return bool(
        can_hold(user)
        and tranche.status not in (TrancheStatus.RELEASED, TrancheStatus.HELD, TrancheStatus.CANCELLED)
        and can_change(user, tranche.project)
    )


def can_approve(user, tranche) -> bool:
    """The second signature: a finance approver who did not request the release."""
    return bool(
        user.is_authenticated
        and user.has_role(Role.FINANCE_APPROVER)
        and tranche.status == TrancheStatus.REQUESTED
        and tranche.requested_by_id != user.id
        and can_change(user, tranche.project)
    )


def can_propose_waiver(user, condition) -> bool:
    """A programme officer proposes to waive a built-in condition not yet met, while its tranche is unpaid."""
    return bool(
        user.is_authenticated
        and user.has_role(Role.PROGRAMME_OFFICER)
        and condition.kind in WAIVABLE_KINDS
        and not condition.is_met
        and condition.waiver_proposed_at is None
        and condition.tranche.status not in (TrancheStatus.RELEASED, TrancheStatus.REQUESTED, TrancheStatus.CANCELLED)
        and can_change(user, condition.tranche.project)
    )


def can_agree_waiver(user, condition) -> bool:
    """A finance approver who did not propose the waiver agrees to it, while the condition is still unmet."""
    return bool(
        user.is_authenticated
        and user.has_role(Role.FINANCE_APPROVER)
        and condition.waiver_pending
        and condition.met_at is None
        and condition.waiver_proposed_by_id != user.id
        and can_change(user, condition.tranche.project)
    )


def can_withdraw_waiver(user, condition) -> bool:
    """The officer who proposed a waiver takes it back before it is agreed."""
    return bool(
        user.is_authenticated
        and condition.waiver_pending
        and condition.waiver_proposed_by_id == user.id
        and can_change(user, condition.tranche.project)
    )
