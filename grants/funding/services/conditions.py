"""What each tranche waits for, and the moment it is ready to pay.

Built-in conditions are met from the service's own state by an *evaluator*: a function of the project and tranche
registered for the condition's kind. Areas register evaluators for what they own (the agreement and
match funding here; reports and learning in their areas). A built-in kind with no evaluator yet, and
every custom condition, is confirmed by hand by its owner.

``evaluate_project`` runs whenever something a condition depends on changes (the ``project_changed``
signal, or directly from this area's own changes): it marks conditions met or unmet and moves each
unpaid tranche between ``scheduled`` and ``eligible``, telling the programme officers when one
becomes ready. A cancelled tranche, and every tranche of a finished project, is left as it is: its
conditions no longer matter and nobody is told of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from grants.accounts.models import User, UserRole
from grants.core import audit
from grants.core.db import utcnow
from grants.core.money import format_pence
from grants.core.permissions import Role
from grants.extensions import db
from grants.funding.models import (
    CONDITION_KINDS,
    LABELLERS,
    AgreementStatus,
    GrantAgreement,
    MatchFunding,
    MatchStatus,
    Payment,
    Tranche,
    TrancheCondition,
    TrancheStatus,
)
from grants.funding.permissions import can_confirm
from grants.funding.services.common import FundingError, check_running, hold_project, require_officer
from grants.notifications.services import queue_email

Evaluator = Callable[[object, Tranche], bool]
EVALUATORS: dict[str, Evaluator] = {}


def register_evaluator(
    kind: str, evaluator: Evaluator, *, label: Callable[[object, Tranche], str] | None = None
) -> None:
    """``evaluator(project, tranche) -> bool``: whether the condition of this kind is met for the tranche;
    ``label(project, tranche) -> str``, if given, says in words what exactly it waits for."""
    if kind not in CONDITION_KINDS or kind == "custom":
        raise ValueError(f"{kind!r} is not a built-in condition")
    EVALUATORS[kind] = evaluator
    if label is not None:
        LABELLERS[kind] = label


def is_automatic(kind: str) -> bool:
    return kind in EVALUATORS


def is_confirmed_by_hand(condition: TrancheCondition) -> bool:
    """Confirmed by a person (``met_by_id``), not by an evaluator. A built-in condition confirmed by
    hand before the service could tell for itself (a progress report accepted, learning shared, before
    those areas were in the service) stays confirmed: the evaluator does not undo a person's
    decision. A programme officer can still reopen it."""
    return condition.met_at is not None and condition.met_by_id is not None


def _agreement_signed(project: Any, tranche: Tranche | None = None) -> bool:
    return bool(
        db.session.scalar(
            db.select(GrantAgreement.id).where(
                GrantAgreement.project_id == project.id, GrantAgreement.status == AgreementStatus.SIGNED
            )
        )
    )


def _match_confirmed(project: Any, tranche: Tranche | None = None) -> bool:
    return bool(
        db.session.scalar(
            db.select(MatchFunding.id).where(
                MatchFunding.project_id == project.id,
                MatchFunding.status.in_((MatchStatus.CONFIRMED, MatchStatus.RECEIVED)),
            )
        )
    )


def _enabler_assigned(project: Any, tranche: Tranche | None = None) -> bool:
    from grants.enablers.services import current_assignment

    return current_assignment(project) is not None


register_evaluator("agreement_signed", _agreement_signed)
register_evaluator("match_confirmed", _match_confirmed)
register_evaluator("enabler_assigned", _enabler_assigned)


def default_kinds(sequence: int, count: int, *, match: bool = True) -> list[str]:
    """The first tranche waits for the agreement, the match funding (when the bid pledged any: its
    round's form asks for it) and an enabler; later ones for an accepted progress report; the last also
    for evidence that learning was shared."""
    if sequence == 1:
        return (
            ["agreement_signed", "match_confirmed", "enabler_assigned"]
            if match
            else [
                "agreement_signed",
                "enabler_assigned",
            ]
        )
    if sequence == count:
        return ["report_accepted", "learning_evidenced"]
    return ["report_accepted"]


def add_default_conditions(tranches: list[Tranche], *, match: bool = True) -> None:
    for tranche in tranches:
        for position, kind in enumerate(default_kinds(tranche.sequence, len(tranches), match=match)):
            tranche.conditions.append(TrancheCondition(kind=kind, position=position))


# --- Evaluation ---------------------------------------------------------------------------------------


def evaluate_project(project: Any, *, actor: Any = None) -> list[Tranche]:
    """Bring every unpaid tranche's conditions and status up to date. Returns tranches newly eligible.
    A finished project's tranches (paid, or cancelled) are never moved again."""
    if project.is_finished:
        return []
    tranches = list(
        db.session.scalars(
            db.select(Tranche)
            .where(
                Tranche.project_id == project.id,
                Tranche.status.not_in((TrancheStatus.RELEASED, TrancheStatus.CANCELLED)),
            )
            .order_by(Tranche.sequence)
            .execution_options(populate_existing=True)
        )
    )
    if not tranches:
        return []
    newly_eligible = []
    for tranche in tranches:
        for condition in tranche.conditions:
            if condition.kind in EVALUATORS and not is_confirmed_by_hand(condition) and not condition.is_waived:
                met = EVALUATORS[condition.kind](project, tranche)
                if met and condition.met_at is None:
                    condition.met_at = utcnow()
                elif not met and condition.met_at is not None:
                    condition.met_at, condition.met_by_id = None, None
        if _update_status(tranche, actor):
            newly_eligible.append(tranche)
    db.session.flush()
    for tranche in newly_eligible:
        _tell_officers(tranche)
    return newly_eligible


def all_met(tranche: Tranche) -> bool:
    return all(condition.is_met for condition in tranche.conditions)


def _first_lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def waiting_for(tranche: Tranche) -> list[str]:
    """The conditions the tranche still waits for, in words."""
    return [condition.label for condition in tranche.conditions if not condition.is_met]


def payment_blockers(tranche: Tranche, *, conditions: bool = True) -> list[str]:
    """Everything that stops the tranche being requested and paid now, in words; empty when nothing
    does. This is the one rule behind "Ready to request": the tranche's status (and so every page,
    dashboard, list and the officers' email that reads it), the request button, and the request and
    release themselves. ``conditions=False`` leaves out its own conditions (a request waiting for
    approval lapses on those separately)."""
    blockers = []
    waiting = waiting_for(tranche) if conditions else []
    if waiting:
        blockers.append(
            f"Tranche {tranche.sequence} is still waiting for: {', '.join(_first_lower(w) for w in waiting)}."
        )
    return blockers + _beyond_conditions(tranche)


def is_blocked(tranche: Tranche) -> bool:
    """Whether ``payment_blockers`` would name anything, without putting it into words: a condition not
    met is enough, and then nothing else is read (a condition's words may take queries of their own)."""
    return not all_met(tranche) or bool(_beyond_conditions(tranche))


def _beyond_conditions(tranche: Tranche) -> list[str]:
    """What stops the tranche being paid besides its own conditions, in words."""
    blockers = []
    project = tranche.project
    earlier = db.session.scalar(
        db.select(Tranche.sequence)
        .where(
            Tranche.project_id == project.id,
            Tranche.sequence < tranche.sequence,
            Tranche.status != TrancheStatus.RELEASED,
        )
        .order_by(Tranche.sequence)
        .limit(1)
    )
    if earlier is not None:
        blockers.append(f"Tranche {earlier} must be released before tranche {tranche.sequence}.")
    agreement = db.session.scalar(
        db.select(GrantAgreement).where(
            GrantAgreement.project_id == project.id, GrantAgreement.status == AgreementStatus.SIGNED
        )
    )
    if agreement is None:
        blockers.append("Nothing can be paid until the grant agreement is signed.")
    else:
        agreed = {sequence: (amount, due) for sequence, amount, due in (agreement.schedule or [])}
        if agreed.get(tranche.sequence) != (tranche.amount_pence, tranche.due_on.isoformat()):
            blockers.append(
                f"Tranche {tranche.sequence} differs from the signed agreement. It can be paid once the new "
                "version of the agreement is signed, or the variation withdrawn."
            )
    released = db.session.scalar(
        db.select(db.func.coalesce(db.func.sum(Payment.amount_pence), 0)).where(
            Payment.project_id == project.id, Payment.tranche_id != tranche.id
        )
    )
    if released + tranche.amount_pence > project.award_pence:
        blockers.append(
            f"Paying {format_pence(tranche.amount_pence)} would take the payments beyond the award of "
            f"{format_pence(project.award_pence)}."
        )
    return blockers


def _update_status(tranche: Tranche, actor: Any) -> bool:
    """Scheduled ↔ eligible as ``payment_blockers`` says (``is_blocked``: the same rule, without its words).
    A request whose conditions lapse goes back too; a held tranche stays held. True if the tranche has just
    become eligible."""
    if tranche.status == TrancheStatus.HELD:
        return False
    if tranche.status == TrancheStatus.REQUESTED:
        blocked = not all_met(tranche)
    else:
        blocked = is_blocked(tranche)
    if tranche.status == TrancheStatus.SCHEDULED and not blocked:
        tranche.status, tranche.eligible_at = TrancheStatus.ELIGIBLE, utcnow()
        audit.record("funding.tranche_eligible", tranche, actor=actor, after=_money(tranche))
        return True
    if tranche.status in (TrancheStatus.ELIGIBLE, TrancheStatus.REQUESTED) and blocked:
        before, requester = tranche.status, tranche.requested_by
        tranche.status, tranche.eligible_at = TrancheStatus.SCHEDULED, None
        tranche.requested_at = tranche.requested_by_id = None
        unmet = waiting_for(tranche)
        after = {"status": TrancheStatus.SCHEDULED, "unmet": unmet}
        if before == TrancheStatus.ELIGIBLE:
            after["blockers"] = payment_blockers(tranche)
        audit.record("funding.tranche_conditions_lapsed", tranche, actor=actor, before={"status": before}, after=after)
        if before == TrancheStatus.REQUESTED:
            _tell_of_lapsed_request(tranche, requester, unmet)
    return False


def _money(tranche: Tranche) -> dict[str, Any]:
    return {"status": tranche.status, "sequence": tranche.sequence, "amount_pence": tranche.amount_pence}


def programme_officers() -> list[User]:
    return list(
        db.session.scalars(
            db.select(User)
            .where(
                User.is_active.is_(True),
                User.id.in_(db.select(UserRole.user_id).where(UserRole.role == Role.PROGRAMME_OFFICER.value)),
            )
            .order_by(User.id)
        )
    )


def _tell_officers(tranche: Tranche) -> None:
    """Programme officers hear at once (the reminders area listens); the reminder sweep sends the same
    email, once, if this did not."""
    from grants.core.signals import tranche_became_eligible

    db.session.flush()
    tranche_became_eligible.send(tranche.id)


def _tell_of_lapsed_request(tranche: Tranche, requester: User | None, unmet: list[str]) -> None:
    """A request waiting for approval no longer stands: whoever made it, and finance, are told."""
    from grants.funding.services.release import finance_approvers

    project = tranche.project
    people = [requester] if requester is not None else []
    people += [approver for approver in finance_approvers() if approver not in people]
    for person in people:
        queue_email(
            person.email,
            "release_lapsed",
            {
                "name": person.name,
                "reference": project.reference,
                "sequence": tranche.sequence,
                "amount_pence": tranche.amount_pence,
                "unmet": ", ".join(_first_lower(label) for label in unmet),
                "project_id": project.id,
            },
            user=person,
        )


# --- Conditions confirmed by hand, added and removed -----------------------------------------------------


def owner_can_confirm(condition: TrancheCondition) -> bool:
    """Whether the named owner of a custom condition still can: an active programme officer, or the
    project's current enabler."""
    from grants.enablers.services import current_assignment

    owner = condition.owner
    if owner is None or not owner.is_active:
        return False
    if owner.has_role(Role.PROGRAMME_OFFICER):
        return True
    assignment = current_assignment(condition.tranche.project)
    return assignment is not None and assignment.enabler_id == owner.id


def _check_changeable(tranche: Tranche) -> None:
    if tranche.status == TrancheStatus.CANCELLED:
        raise FundingError(
            f"Tranche {tranche.sequence} was cancelled and will never be paid; its conditions are settled."
        )
    if tranche.status == TrancheStatus.RELEASED:
        raise FundingError(f"Tranche {tranche.sequence} has been paid; its conditions are settled.")
    if tranche.status == TrancheStatus.REQUESTED:
        raise FundingError(
            f"Tranche {tranche.sequence} is waiting for finance approval. Its conditions cannot change now."
        )


def confirm_condition(condition: TrancheCondition, *, actor: Any, note: str) -> None:
    tranche = condition.tranche
    hold_project(tranche.project)
    db.session.refresh(tranche)
    db.session.refresh(condition)
    if not can_confirm(actor, condition):
        raise FundingError("Only the condition's owner can confirm it.")
    check_running(tranche.project, "confirm a condition")
    _check_changeable(tranche)
    if condition.is_met:
        raise FundingError("This condition has already been confirmed.")
    if not (note or "").strip():
        raise FundingError("Say how the condition was met", field="note")
    condition.met_at, condition.met_by_id, condition.note = utcnow(), actor.id, note.strip()
    db.session.flush()
    audit.record(
        "funding.condition_confirmed",
        condition,
        actor=actor,
        after={"tranche_id": tranche.id, "kind": condition.kind, "note": condition.note},
    )
    evaluate_project(tranche.project, actor=actor)


def reopen_condition(condition: TrancheCondition, *, actor: Any, reason: str) -> None:
    """Undo a confirmation made by hand (it was a mistake, or no longer holds)."""
    tranche = condition.tranche
    hold_project(tranche.project)
    db.session.refresh(tranche)
    db.session.refresh(condition)
    if not can_confirm(actor, condition) and not actor.has_role(Role.PROGRAMME_OFFICER):
        raise FundingError("Only the condition's owner or a programme officer can reopen it.")
    check_running(tranche.project, "reopen a condition")
    if is_automatic(condition.kind) and not is_confirmed_by_hand(condition):
        raise FundingError("This condition follows the service's own records and cannot be reopened by hand.")
    _check_changeable(tranche)
    if not condition.is_met:
        raise FundingError("This condition is not met yet.")
    if not (reason or "").strip():
        raise FundingError("Give the reason", field="reason")
    condition.met_at = condition.met_by_id = None
    condition.note = None
    db.session.flush()
    audit.record(
        "funding.condition_reopened", condition, actor=actor, after={"tranche_id": tranche.id, "reason": reason.strip()}
    )
    evaluate_project(tranche.project, actor=actor)


def possible_owners(project: Any) -> list[User]:
    """Who can own a custom condition: programme officers and the project's current enabler."""
    from grants.enablers.services import current_assignment

    people = programme_officers()
    assignment = current_assignment(project)
    if assignment is not None and assignment.enabler not in people:
        people.append(assignment.enabler)
    return people


def add_condition(
    tranche: Tranche, *, kind: str, description: str | None, owner: User | None, actor: Any
) -> TrancheCondition:
    hold_project(tranche.project)
    require_officer(actor, "add a condition")
    check_running(tranche.project, "add a condition")
    db.session.refresh(tranche)
    _check_changeable(tranche)
    if kind not in CONDITION_KINDS:
        raise FundingError("Choose a kind of condition", field="kind")
    if kind == "custom":
        if not (description or "").strip():
            raise FundingError("Describe the condition", field="description")
        if owner is None or owner not in possible_owners(tranche.project):
            raise FundingError("Choose who confirms the condition", field="owner")
    elif any(condition.kind == kind for condition in tranche.conditions):
        raise FundingError(f"Tranche {tranche.sequence} already waits for this.", field="kind")
    condition = TrancheCondition(
        kind=kind,
        description=(description or "").strip() if kind == "custom" else None,
        owner_id=owner.id if kind == "custom" and owner is not None else None,
        position=len(tranche.conditions),
    )
    tranche.conditions.append(condition)
    db.session.flush()
    audit.record(
        "funding.condition_added",
        condition,
        actor=actor,
        after={
            "tranche_id": tranche.id,
            "kind": kind,
            "description": condition.description,
            "owner_id": condition.owner_id,
        },
    )
    evaluate_project(tranche.project, actor=actor)
    return condition


def remove_condition(condition: TrancheCondition, *, actor: Any) -> None:
    """Only a condition someone added is removed. A built-in one stays: a programme may waive it, with a
    reason and a finance approver's agreement (see ``waivers``), except the signed agreement."""
    tranche = condition.tranche
    hold_project(tranche.project)
    require_officer(actor, "remove a condition")
    check_running(tranche.project, "remove a condition")
    db.session.refresh(tranche)
    if condition.kind != "custom":
        raise FundingError(
            "The grant agreement must be signed before any money is paid. It cannot be removed."
            if condition.kind == "agreement_signed"
            else f"“{condition.label}” is a built-in condition and cannot be removed. You can propose to waive it "
            "with the reason; a finance approver must agree."
        )
    _check_changeable(tranche)
    audit.record(
        "funding.condition_removed",
        condition,
        actor=actor,
        before={"tranche_id": tranche.id, "kind": condition.kind, "description": condition.description},
    )
    tranche.conditions.remove(condition)
    db.session.flush()
    evaluate_project(tranche.project, actor=actor)


def unmet_conditions(tranche_ids: list[int]) -> dict[int, list[TrancheCondition]]:
    """Tranche id → the conditions it still waits for, in one query."""
    waiting: dict[int, list[TrancheCondition]] = {tranche_id: [] for tranche_id in tranche_ids}
    if not tranche_ids:
        return waiting
    for condition in db.session.scalars(
        db.select(TrancheCondition)
        .where(
            TrancheCondition.tranche_id.in_(tranche_ids),
            TrancheCondition.met_at.is_(None),
            TrancheCondition.waived_at.is_(None),
        )
        .order_by(TrancheCondition.tranche_id, TrancheCondition.position, TrancheCondition.id)
    ):
        waiting[condition.tranche_id].append(condition)
    return waiting
