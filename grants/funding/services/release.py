"""Paying a tranche, with two signatures: a programme officer requests the release of an eligible
tranche, and a finance approver who is someone else approves it with the payment reference.

    scheduled → eligible → requested → released
         (any of the first three) → held → scheduled (→ eligible, if its conditions are met)
    requested → eligible (returned by finance, with a reason)

Released exactly once: the project's row is locked for the whole approval, the release is a
conditional update that only a ``requested`` tranche passes, and the payment table allows one
payment per tranche. Any one of the three would do; together they leave no gap."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy.engine import CursorResult

from grants.accounts.models import User, UserRole
from grants.core import audit
from grants.core.db import utcnow
from grants.core.permissions import Role
from grants.core.workflow import Workflow
from grants.extensions import db
from grants.funding.models import Payment, Tranche, TrancheStatus
from grants.funding.permissions import can_hold
from grants.funding.services.common import AlreadyDone, ConditionsLapsed, FundingError, NotAllowed, hold_project
from grants.funding.services.conditions import all_met, evaluate_project, payment_blockers
from grants.notifications.services import queue_email

# The moves people make. Becoming eligible (and lapsing back) is the conditions' doing: see conditions.py.
# Any tranche not yet paid is cancelled when its project ends without it (see ``cancel_unpaid``).
TRANCHE_WORKFLOW = Workflow(
    "tranche",
    {
        TrancheStatus.SCHEDULED: {TrancheStatus.ELIGIBLE, TrancheStatus.HELD, TrancheStatus.CANCELLED},
        TrancheStatus.ELIGIBLE: {
            TrancheStatus.SCHEDULED,
            TrancheStatus.REQUESTED,
            TrancheStatus.HELD,
            TrancheStatus.CANCELLED,
        },
        TrancheStatus.REQUESTED: {
            TrancheStatus.RELEASED,
            TrancheStatus.ELIGIBLE,
            TrancheStatus.SCHEDULED,
            TrancheStatus.HELD,
            TrancheStatus.CANCELLED,
        },
        TrancheStatus.HELD: {TrancheStatus.SCHEDULED, TrancheStatus.CANCELLED},
        TrancheStatus.RELEASED: set(),
        TrancheStatus.CANCELLED: set(),
    },
    states=TrancheStatus,
)


def _money(tranche: Tranche, **more: Any) -> dict[str, Any]:
    return {"sequence": tranche.sequence, "amount_pence": tranche.amount_pence, **more}


def released_total(project_id: int) -> int:
    total = db.session.scalar(
        db.select(db.func.coalesce(db.func.sum(Payment.amount_pence), 0)).where(Payment.project_id == project_id)
    )
    return int(total)  # PostgreSQL sums whole numbers as a decimal


def _check_payable(tranche: Tranche) -> None:
    """What must hold for money to go, besides the tranche's own conditions: earlier tranches paid, the
    agreement signed, the amount and date the signed agreement says, and no more than the award."""
    blockers = payment_blockers(tranche, conditions=False)
    if blockers:
        raise FundingError(blockers[0])


def request_release(tranche: Tranche, *, actor: Any) -> None:
    """The programme officer's signature: this tranche is ready to pay."""
    project = tranche.project
    hold_project(project)
    db.session.refresh(tranche)
    if not actor.has_role(Role.PROGRAMME_OFFICER):
        raise FundingError("Only a programme officer can request a release.")
    evaluate_project(project, actor=actor)
    if tranche.status == TrancheStatus.REQUESTED:
        raise AlreadyDone(f"The release of tranche {tranche.sequence} has already been requested.")
    if tranche.status == TrancheStatus.RELEASED:
        raise AlreadyDone(f"Tranche {tranche.sequence} has already been released.")
    blockers = payment_blockers(tranche)
    if tranche.status != TrancheStatus.ELIGIBLE or blockers:
        raise FundingError(
            blockers[0]
            if tranche.status == TrancheStatus.SCHEDULED and blockers
            else f"Tranche {tranche.sequence} is {tranche.status_label.lower()}: it cannot be requested now."
        )
    tranche.requested_at, tranche.requested_by_id = utcnow(), actor.id
    TRANCHE_WORKFLOW.move(
        tranche, TrancheStatus.REQUESTED, actor=actor, action="funding.release_requested", **_money(tranche)
    )
    for approver in finance_approvers(exclude=actor.id):
        queue_email(
            approver.email,
            "release_requested",
            {
                "name": approver.name,
                "reference": project.reference,
                "sequence": tranche.sequence,
                "amount_pence": tranche.amount_pence,
                "requested_by": actor.name,
                "tranche_id": tranche.id,
            },
            user=approver,
        )


def finance_approvers(*, exclude: int | None = None) -> list[User]:
    return list(
        db.session.scalars(
            db.select(User)
            .where(
                User.is_active.is_(True),
                User.id != (exclude or 0),
                User.id.in_(db.select(UserRole.user_id).where(UserRole.role == Role.FINANCE_APPROVER.value)),
            )
            .order_by(User.id)
        )
    )


def approval_refusal(tranche: Tranche, actor: Any) -> FundingError | None:
    """Why ``actor`` cannot approve the tranche now, or None: the same words on the page and in the service.
    A refusal of something that has already happened is ``AlreadyDone``."""
    if tranche.status == TrancheStatus.RELEASED:
        return AlreadyDone(f"Tranche {tranche.sequence} has already been released.")
    if not actor.has_role(Role.FINANCE_APPROVER):
        return NotAllowed("You need the finance approver role to approve a release.")
    if tranche.status == TrancheStatus.HELD:
        held_by = db.session.get(User, tranche.held_by_id) if tranche.held_by_id else None
        by = f" by {held_by.name}" if held_by is not None else ""
        reason = (tranche.held_reason or "").rstrip(". ")
        return FundingError(
            f"Tranche {tranche.sequence} is on hold{by} ({reason}). It can be approved once the hold is lifted "
            "and the release requested again."
        )
    if tranche.status != TrancheStatus.REQUESTED:
        return FundingError(f"Tranche {tranche.sequence} has not been requested for release.")
    if tranche.requested_by_id == actor.id:
        return NotAllowed("You requested this release, so someone else must approve it.")
    return None


def approve_release(tranche: Tranche, *, actor: Any, payment_reference: str) -> Payment:
    """The finance approver's signature: the money goes, once."""
    project = tranche.project
    hold_project(project)
    db.session.refresh(tranche)
    reference = " ".join((payment_reference or "").split())
    refusal = approval_refusal(tranche, actor)
    if refusal is not None:
        raise refusal
    if not reference:
        raise FundingError("Enter the payment reference", field="payment_reference")
    if len(reference) > 100:
        raise FundingError("The payment reference must be 100 characters or fewer", field="payment_reference")
    evaluate_project(project, actor=actor)
    if not all_met(tranche):
        raise ConditionsLapsed(
            f"Tranche {tranche.sequence}'s conditions are no longer all met, so it cannot be paid. "
            "It goes back to waiting for them."
        )
    _check_payable(tranche)
    now = utcnow()
    released = cast(
        "CursorResult[Any]",
        db.session.execute(
            db.update(Tranche)
            .where(
                Tranche.id == tranche.id,
                Tranche.status == TrancheStatus.REQUESTED,
                Tranche.requested_by_id != actor.id,
                Tranche.amount_pence == tranche.amount_pence,  # the amount both signatures are for
            )
            .values(status=TrancheStatus.RELEASED, released_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if released != 1:
        raise AlreadyDone(f"Tranche {tranche.sequence} has already been released.")
    payment = Payment(
        tranche_id=tranche.id,
        project_id=project.id,
        amount_pence=tranche.amount_pence,
        reference=reference,
        requested_by_id=tranche.requested_by_id,
        approved_by_id=actor.id,
        approved_at=now,
    )
    db.session.add(payment)
    db.session.flush()
    db.session.refresh(tranche)
    evaluate_project(project, actor=actor)  # the next tranche may be ready now
    audit.record(
        "funding.tranche_released",
        tranche,
        actor=actor,
        before={"status": TrancheStatus.REQUESTED},
        after=_money(
            tranche,
            status=TrancheStatus.RELEASED,
            payment_id=payment.id,
            payment_reference=reference,
            requested_by_id=payment.requested_by_id,
            approved_by_id=actor.id,
        ),
    )
    lead = project.application.lead_applicant
    queue_email(
        lead.email,
        "tranche_released",
        {
            "name": lead.name,
            "reference": project.reference,
            "project_title": project.title,
            "sequence": tranche.sequence,
            "amount_pence": tranche.amount_pence,
            "project_id": project.id,
        },
        user=lead,
    )
    return payment


def return_request(tranche: Tranche, *, actor: Any, reason: str) -> None:
    """Finance sends a request back to the programme team, with the reason."""
    project = tranche.project
    hold_project(project)
    db.session.refresh(tranche)
    if not actor.has_role(Role.FINANCE_APPROVER):
        raise FundingError("Only a finance approver can return a request.")
    if tranche.status == TrancheStatus.RELEASED:
        raise AlreadyDone(f"Tranche {tranche.sequence} has already been released.")
    if tranche.status != TrancheStatus.REQUESTED:
        raise AlreadyDone(
            f"Tranche {tranche.sequence} is not waiting for approval: it is {tranche.status_label.lower()}."
        )
    if not (reason or "").strip():
        raise FundingError("Give the reason for returning the request", field="reason")
    requester = tranche.requested_by
    tranche.requested_at = tranche.requested_by_id = None
    TRANCHE_WORKFLOW.move(
        tranche,
        TrancheStatus.ELIGIBLE,
        actor=actor,
        action="funding.release_returned",
        **_money(tranche, reason=reason.strip()),
    )
    evaluate_project(project, actor=actor)
    if requester is not None:
        queue_email(
            requester.email,
            "release_returned",
            {
                "name": requester.name,
                "reference": project.reference,
                "sequence": tranche.sequence,
                "reason": reason.strip(),
                "returned_by": actor.name,
                "project_id": project.id,
            },
            user=requester,
        )


def hold_tranche(tranche: Tranche, *, actor: Any, reason: str) -> None:
    project = tranche.project
    hold_project(project)
    db.session.refresh(tranche)
    if not can_hold(actor):
        raise FundingError("Only the programme team or finance can hold a tranche.")
    if tranche.status == TrancheStatus.RELEASED:
        raise AlreadyDone(f"Tranche {tranche.sequence} has already been released.")
    if tranche.status == TrancheStatus.HELD:
        raise AlreadyDone(f"Tranche {tranche.sequence} is held already.")
    if not (reason or "").strip():
        raise FundingError("Give the reason for holding the tranche", field="reason")
    tranche.held_at, tranche.held_by_id, tranche.held_reason = utcnow(), actor.id, reason.strip()
    tranche.requested_at = tranche.requested_by_id = None
    TRANCHE_WORKFLOW.move(
        tranche,
        TrancheStatus.HELD,
        actor=actor,
        action="funding.tranche_held",
        **_money(tranche, reason=reason.strip()),
    )


def resume_tranche(tranche: Tranche, *, actor: Any) -> None:
    """Lift a hold: the tranche waits for its conditions again (and is eligible at once if they are met)."""
    project = tranche.project
    hold_project(project)
    db.session.refresh(tranche)
    if not can_hold(actor):
        raise FundingError("Only the programme team or finance can lift a hold.")
    if tranche.status == TrancheStatus.RELEASED:
        raise AlreadyDone(f"Tranche {tranche.sequence} has already been released.")
    if tranche.status != TrancheStatus.HELD:
        raise AlreadyDone(f"Tranche {tranche.sequence} is not held.")
    reason = tranche.held_reason
    tranche.held_at = tranche.held_by_id = tranche.held_reason = None
    TRANCHE_WORKFLOW.move(
        tranche,
        TrancheStatus.SCHEDULED,
        actor=actor,
        action="funding.tranche_resumed",
        **_money(tranche, held_reason=reason),
    )
    evaluate_project(project, actor=actor)
