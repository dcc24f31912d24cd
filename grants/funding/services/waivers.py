"""Waiving a built-in condition of a tranche: never by one person, never the signed agreement.

A programme officer proposes the waiver with the reason; a finance approver who is someone else agrees
to it, and only then does the condition count as met. Until then the officer who proposed it can
withdraw it. Finance approvers are told of a proposal; the officer who proposed it, of what became of it.
The database holds the rules too (see ``TrancheCondition``'s check constraints)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy.engine import CursorResult

from grants.accounts.models import User
from grants.core import audit
from grants.core.db import utcnow
from grants.core.permissions import Role
from grants.extensions import db
from grants.funding.models import WAIVABLE_KINDS, Tranche, TrancheCondition, TrancheStatus
from grants.funding.services.common import AlreadyDone, FundingError, NotAllowed, check_running, hold_project
from grants.funding.services.conditions import evaluate_project
from grants.notifications.services import queue_email


def _take_hold(condition: TrancheCondition) -> Tranche:
    tranche = condition.tranche
    hold_project(tranche.project)
    db.session.refresh(tranche)
    db.session.refresh(condition)
    return tranche


def _check_open(tranche: Tranche) -> None:
    if tranche.status == TrancheStatus.CANCELLED:
        raise FundingError(
            f"Tranche {tranche.sequence} was cancelled and will never be paid; its conditions are settled."
        )
    if tranche.status == TrancheStatus.RELEASED:
        raise AlreadyDone(f"Tranche {tranche.sequence} has already been released.")
    if tranche.status == TrancheStatus.REQUESTED:
        raise FundingError(
            f"Tranche {tranche.sequence} is waiting for finance approval. Its conditions cannot change now."
        )


def _record(condition: TrancheCondition, **more: Any) -> dict[str, Any]:
    return {"tranche_id": condition.tranche_id, "kind": condition.kind, "reason": condition.waiver_reason, **more}


def propose_waiver(condition: TrancheCondition, *, actor: Any, reason: str) -> int:
    """The officer's proposal; returns how many finance approvers (other than them) were asked to agree."""
    tranche = _take_hold(condition)
    if actor is None or not actor.has_role(Role.PROGRAMME_OFFICER):
        raise NotAllowed("Only a programme officer can propose to waive a condition.")
    check_running(tranche.project, "waive a condition")
    if condition.kind == "agreement_signed":
        raise FundingError("The grant agreement must be signed before any money is paid. It can never be waived.")
    if condition.kind not in WAIVABLE_KINDS:
        raise FundingError("Only a built-in condition is waived. Remove a condition you added instead.")
    _check_open(tranche)
    if condition.is_waived:
        raise AlreadyDone(f"“{condition.label}” has already been waived for tranche {tranche.sequence}.")
    if condition.waiver_pending:
        raise AlreadyDone(f"A waiver of “{condition.label}” has already been proposed for tranche {tranche.sequence}.")
    if condition.is_met:
        raise FundingError(f"“{condition.label}” is met already: there is nothing to waive.")
    reason = (reason or "").strip()
    if not reason:
        raise FundingError("Give the reason for waiving the condition", field="reason")
    condition.waiver_reason, condition.waiver_proposed_at, condition.waiver_proposed_by_id = reason, utcnow(), actor.id
    db.session.flush()
    audit.record("funding.waiver_proposed", condition, actor=actor, after=_record(condition))
    return _tell_finance(condition, actor)


def agree_waiver(condition: TrancheCondition, *, actor: Any) -> None:
    """The second person: a finance approver who did not propose it. The condition then counts as met."""
    tranche = _take_hold(condition)
    if actor is None or not actor.has_role(Role.FINANCE_APPROVER):
        raise NotAllowed("You need the finance approver role to agree to a waiver.")
    check_running(tranche.project, "agree to a waiver")
    if condition.is_waived:
        raise AlreadyDone(f"The waiver of “{condition.label}” for tranche {tranche.sequence} has already been agreed.")
    if not condition.waiver_pending:
        raise AlreadyDone(
            f"No waiver of “{condition.label}” is waiting for agreement for tranche {tranche.sequence}: "
            "it may have been withdrawn."
        )
    if condition.waiver_proposed_by_id == actor.id:
        raise NotAllowed("You proposed this waiver, so another finance approver must agree to it.")
    _check_open(tranche)
    if condition.met_at is not None:  # met since it was proposed: a waiver would outlive its reason
        raise FundingError(
            f"“{condition.label}” has been met since the waiver was proposed, so there is nothing to waive. "
            "The officer who proposed it can withdraw it."
        )
    now = utcnow()
    agreed = cast(
        "CursorResult[Any]",
        db.session.execute(
            db.update(TrancheCondition)
            .where(
                TrancheCondition.id == condition.id,
                TrancheCondition.waived_at.is_(None),
                TrancheCondition.met_at.is_(None),
                TrancheCondition.waiver_proposed_at.is_not(None),
                TrancheCondition.waiver_proposed_by_id != actor.id,
            )
            .values(waived_at=now, waived_by_id=actor.id, updated_at=now)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if agreed != 1:
        raise AlreadyDone(f"The waiver of “{condition.label}” for tranche {tranche.sequence} has already been agreed.")
    db.session.refresh(condition)
    audit.record("funding.waiver_agreed", condition, actor=actor, after=_record(condition, agreed_by_id=actor.id))
    _tell_proposer(condition, "waiver_agreed", actor)
    evaluate_project(tranche.project, actor=actor)


def withdraw_waiver(condition: TrancheCondition, *, actor: Any) -> None:
    """The officer who proposed a waiver takes it back before it is agreed."""
    tranche = _take_hold(condition)
    check_running(tranche.project, "withdraw a waiver")
    if condition.is_waived:
        raise FundingError(
            f"The waiver of “{condition.label}” for tranche {tranche.sequence} has been agreed, so it stands."
        )
    if not condition.waiver_pending:
        raise AlreadyDone(f"No waiver of “{condition.label}” is proposed for tranche {tranche.sequence}.")
    if actor is None or condition.waiver_proposed_by_id != actor.id:
        raise NotAllowed("Only the programme officer who proposed the waiver can withdraw it.")
    proposer, before = condition.waiver_proposed_by, _record(condition)
    condition.waiver_reason = condition.waiver_proposed_at = condition.waiver_proposed_by_id = None
    db.session.flush()
    audit.record("funding.waiver_withdrawn", condition, actor=actor, before=before)
    _tell_proposer(condition, "waiver_withdrawn", actor, proposer=proposer, reason=before["reason"])


def _context(condition: TrancheCondition, **more: Any) -> dict[str, Any]:
    tranche = condition.tranche
    project = tranche.project
    return {
        "reference": project.reference,
        "project_title": project.title,
        "sequence": tranche.sequence,
        "condition": condition.label,
        "reason": condition.waiver_reason,
        "tranche_id": tranche.id,
        **more,
    }


def _tell_finance(condition: TrancheCondition, proposer: User) -> int:
    from grants.funding.services.release import finance_approvers

    approvers = finance_approvers(exclude=proposer.id)
    for approver in approvers:
        queue_email(
            approver.email,
            "waiver_proposed",
            _context(condition, name=approver.name, proposed_by=proposer.name),
            user=approver,
        )
    return len(approvers)


def _tell_proposer(
    condition: TrancheCondition, template: str, actor: Any, *, proposer: User | None = None, reason: str | None = None
) -> None:
    proposer = proposer or condition.waiver_proposed_by
    if proposer is None:
        return
    context = _context(condition, name=proposer.name, by=actor.name)
    if reason is not None:
        context["reason"] = reason
    queue_email(proposer.email, template, context, user=proposer)
