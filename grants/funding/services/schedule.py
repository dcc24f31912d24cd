"""A project's tranche schedule: made from its round's plan, and changed by a programme officer only
while there is an agreement still to sign. The tranches always sum exactly to the award."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from grants.core import audit
from grants.core.dates import add_months
from grants.core.money import format_pence, split_pence
from grants.core.times import format_date
from grants.extensions import db
from grants.funding.models import AgreementStatus, GrantAgreement, Tranche, TrancheStatus
from grants.funding.services.common import FundingError, check_running, hold_project, require_officer


def tranche_due_dates(starts_on: date, months: int, count: int) -> list[date]:
    """The first tranche when the project starts, the rest spread evenly to its last month."""
    if count == 1:
        return [starts_on]
    return [add_months(starts_on, round(index * (months - 1) / (count - 1))) for index in range(count)]


def plan_amounts(award_pence: int, plan: list[int]) -> list[int]:
    """The round's plan (50/30/20 %) applied to an award; the rounding remainder goes to the last
    tranche, so the amounts always sum exactly to the award. Refused if any tranche would be £0."""
    amounts = split_pence(award_pence, plan)
    if min(amounts) <= 0:
        raise FundingError(f"An award of {format_pence(award_pence)} is too small to pay in {len(plan)} tranches.")
    return amounts


def schedule_tranches(project: Any, plan: list[int], months: int) -> list[Tranche]:
    amounts = plan_amounts(project.award_pence, plan)
    dates = tranche_due_dates(project.starts_on, months, len(plan))
    tranches = [
        Tranche(project=project, sequence=number, percentage=percentage, amount_pence=amount, due_on=due_on)
        for number, (percentage, amount, due_on) in enumerate(zip(plan, amounts, dates, strict=True), start=1)
    ]
    db.session.add_all(tranches)
    return tranches


def tranches_of(project_id: int) -> list[Tranche]:
    """The project's tranches as the database has them now (what the session held is refreshed)."""
    return list(
        db.session.scalars(
            db.select(Tranche)
            .where(Tranche.project_id == project_id)
            .order_by(Tranche.sequence)
            .execution_options(populate_existing=True)
        )
    )


def open_agreement(project_id: int) -> GrantAgreement | None:
    """The agreement being prepared or waiting for signature, if there is one."""
    agreement: GrantAgreement | None = db.session.scalar(
        db.select(GrantAgreement).where(
            GrantAgreement.project_id == project_id,
            GrantAgreement.status.in_((AgreementStatus.DRAFT, AgreementStatus.ISSUED)),
        )
    )
    return agreement


def schedule_editable(project_id: int) -> bool:
    """Amounts and dates change only while an agreement is still to be signed: before the first
    signature, or during a variation."""
    return open_agreement(project_id) is not None


@dataclass(frozen=True)
class TrancheChange:
    tranche_id: int
    amount_pence: int
    due_on: date


def change_schedule(project: Any, changes: list[TrancheChange], *, actor: Any) -> None:
    """New amounts and due dates for a project's unpaid tranches. The total must stay the award."""
    from grants.funding.services.agreements import refresh_open_terms

    hold_project(project)
    require_officer(actor, "change the tranche schedule")
    check_running(project, "change its tranche schedule")
    if not schedule_editable(project.id):
        raise FundingError("The schedule is part of the signed agreement. Start a variation to change it.")
    tranches = {tranche.id: tranche for tranche in tranches_of(project.id)}
    wanted = {change.tranche_id: change for change in changes}
    if set(wanted) != set(tranches):
        raise FundingError("The schedule changed while you were editing it. Look at it again.")
    before = _summary(tranches.values())
    for tranche in sorted(tranches.values(), key=lambda t: t.sequence):
        change = wanted[tranche.id]
        field = f"tranche:{tranche.sequence}"
        if tranche.status in (TrancheStatus.REQUESTED, TrancheStatus.RELEASED) and (
            change.amount_pence,
            change.due_on,
        ) != (
            tranche.amount_pence,
            tranche.due_on,
        ):
            why = "has been paid" if tranche.status == TrancheStatus.RELEASED else "is waiting for finance approval"
            raise FundingError(f"Tranche {tranche.sequence} {why} and cannot change.", field=f"{field}:amount_pence")
        if change.amount_pence <= 0:
            raise FundingError(f"Tranche {tranche.sequence} must be more than £0", field=f"{field}:amount_pence")
        if not project.starts_on <= change.due_on <= project.ends_on:
            raise FundingError(
                f"Tranche {tranche.sequence} must be due between {format_date(project.starts_on)} and "
                f"{format_date(project.ends_on)}, while the project runs",
                field=f"{field}:due_on",
            )
    ordered = [wanted[t.id] for t in sorted(tranches.values(), key=lambda t: t.sequence)]
    if any(later.due_on < earlier.due_on for earlier, later in zip(ordered, ordered[1:], strict=False)):
        raise FundingError("Each tranche must be due on or after the one before it", field="due_on")
    total = sum(change.amount_pence for change in ordered)
    if total != project.award_pence:
        raise FundingError(
            f"The tranches add up to {format_pence(total)}; they must add up to the award of "
            f"{format_pence(project.award_pence)} ({_difference(total, project.award_pence)}).",
            field="amount_pence",
        )
    for tranche in tranches.values():
        change = wanted[tranche.id]
        if tranche.amount_pence != change.amount_pence:
            tranche.amount_pence, tranche.percentage = change.amount_pence, None
        tranche.due_on = change.due_on
    db.session.flush()
    after = _summary(tranches.values())
    if after != before:
        audit.record(
            "funding.schedule_changed", project, actor=actor, before={"tranches": before}, after={"tranches": after}
        )
        refresh_open_terms(project, actor=actor)
        from grants.funding.services.conditions import evaluate_project

        evaluate_project(project, actor=actor)  # which reports a tranche waits for follows its due date


def _difference(total: int, award: int) -> str:
    return f"{format_pence(total - award)} too much" if total > award else f"{format_pence(award - total)} short"


def _summary(tranches: Iterable[Tranche]) -> list[list[Any]]:
    return [[t.sequence, t.amount_pence, t.due_on.isoformat()] for t in sorted(tranches, key=lambda t: t.sequence)]
