"""Reading money: the portfolio's totals, the tranche lists finance works from, and the CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import contains_eager, selectinload

from grants.core.spreadsheets import plain_pounds, safe_cell
from grants.directory.models import Organisation
from grants.extensions import db
from grants.funding.models import MatchFunding, MatchStatus, Payment, Tranche, TrancheCondition, TrancheStatus
from grants.projects.models import Project

# The lists on the finance page: (label, the tranches it shows).
VIEWS = {
    "due": "Due now",
    "eligible": "Ready to request",
    "requested": "Waiting for approval",
    "released": "Released",
    "held": "Held",
    "all": "All tranches",
}


@dataclass(frozen=True)
class Totals:
    awarded: int
    released: int
    match: dict[str, int]
    projects: int

    @property
    def remaining(self) -> int:
        return self.awarded - self.released

    @property
    def match_total(self) -> int:
        return sum(self.match.values())


def conditions_owned_by(owner_id: int, project_ids: list[int]) -> list[TrancheCondition]:
    """For the enabler's home: the unmet conditions they confirm on these projects, of tranches still to
    be released, each with its tranche, soonest due first."""
    return list(
        db.session.scalars(
            db.select(TrancheCondition)
            .join(TrancheCondition.tranche)
            .where(
                TrancheCondition.owner_id == owner_id,
                TrancheCondition.met_at.is_(None),
                Tranche.status.in_((TrancheStatus.SCHEDULED, TrancheStatus.ELIGIBLE, TrancheStatus.HELD)),
                Tranche.project_id.in_(project_ids),
            )
            .options(contains_eager(TrancheCondition.tranche))
            .order_by(Tranche.due_on, TrancheCondition.id)
        )
    )


def totals(round_id: int | None = None) -> Totals:
    """Money across the portfolio (or one round): three queries, however many projects."""
    projects = db.select(Project.id)
    if round_id:
        projects = projects.where(Project.round_id == round_id)
    awarded, count = db.session.execute(
        db.select(db.func.coalesce(db.func.sum(Project.award_pence), 0), db.func.count(Project.id)).where(
            Project.id.in_(projects)
        )
    ).one()
    released = db.session.scalar(
        db.select(db.func.coalesce(db.func.sum(Payment.amount_pence), 0)).where(Payment.project_id.in_(projects))
    )
    match = {status.value: 0 for status in MatchStatus}
    for status, amount in db.session.execute(
        db.select(MatchFunding.status, db.func.coalesce(db.func.sum(MatchFunding.amount_pence), 0))
        .where(MatchFunding.project_id.in_(projects))
        .group_by(MatchFunding.status)
    ):
        match[status] = int(amount)
    return Totals(awarded=int(awarded), released=int(released), match=match, projects=count)


def tranches_statement(view: str, round_id: int | None = None, today: date | None = None):
    """Tranches with their project and lead organisation, for one of ``VIEWS``, oldest due first."""
    today = today or date.today()
    statement = (
        db.select(Tranche)
        .join(Tranche.project)
        .join(Organisation, Organisation.id == Project.lead_organisation_id)
        .options(contains_eager(Tranche.project).contains_eager(Project.lead_organisation))
        .order_by(Tranche.due_on, Project.reference, Tranche.sequence)
    )
    if view == "due":
        statement = statement.where(
            Tranche.status.in_((TrancheStatus.SCHEDULED, TrancheStatus.ELIGIBLE, TrancheStatus.REQUESTED)),
            Tranche.due_on <= today,
        )
    elif view in (TrancheStatus.ELIGIBLE, TrancheStatus.REQUESTED, TrancheStatus.RELEASED, TrancheStatus.HELD):
        statement = statement.where(Tranche.status == view)
    if round_id:
        statement = statement.where(Project.round_id == round_id)
    return statement


def view_totals(view: str, round_id: int | None = None) -> tuple[int, int]:
    """(how many tranches, their total) in a view."""
    inner = tranches_statement(view, round_id).order_by(None).with_only_columns(Tranche.id, Tranche.amount_pence)
    subquery = inner.subquery()
    count, total = db.session.execute(
        db.select(db.func.count(subquery.c.id), db.func.coalesce(db.func.sum(subquery.c.amount_pence), 0))
    ).one()
    return count, int(total)


def payments_for(tranche_ids: list[int]) -> dict[int, Payment]:
    if not tranche_ids:
        return {}
    return {
        payment.tranche_id: payment
        for payment in db.session.scalars(db.select(Payment).where(Payment.tranche_id.in_(tranche_ids)))
    }


# --- CSV for a finance system ---------------------------------------------------------------------------

CSV_HEADER = [
    "project_reference",
    "lead_organisation",
    "lead_organisation_id",
    "tranche",
    "amount_gbp",
    "amount_pence",
    "due_on",
    "status",
    "requested_at",
    "released_at",
    "payment_reference",
    "waivers",
]


def waivers_for(tranche_ids: list[int]) -> dict[int, list[TrancheCondition]]:
    """Tranche id → its conditions with a waiver, agreed or proposed, in one query."""
    found: dict[int, list[TrancheCondition]] = {}
    if not tranche_ids:
        return found
    for condition in db.session.scalars(
        db.select(TrancheCondition)
        .where(TrancheCondition.tranche_id.in_(tranche_ids), TrancheCondition.waiver_proposed_at.is_not(None))
        .options(selectinload(TrancheCondition.waiver_proposed_by), selectinload(TrancheCondition.waived_by))
        .order_by(TrancheCondition.tranche_id, TrancheCondition.position, TrancheCondition.id)
    ):
        found.setdefault(condition.tranche_id, []).append(condition)
    return found


def waiver_summary(condition: TrancheCondition) -> str:
    """ "Match funding confirmed waived: proposed by A, agreed by B; reason: ..." for the finance CSV."""
    proposed = f"proposed by {condition.waiver_proposed_by.name}"
    if condition.is_waived:
        agreed = f"agreed by {condition.waived_by.name}"
        return f"{condition.label} waived: {proposed}, {agreed}; reason: {condition.waiver_reason}"
    return f"{condition.label} waiver {proposed}, not yet agreed; reason: {condition.waiver_reason}"


def csv_lines(view: str, round_id: int | None = None, batch: int = 500) -> Iterator[str]:
    """The tranches of a view as CSV, a batch at a time (two queries a batch), header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_HEADER)
    yield flush()
    offset = 0
    while True:
        tranches = db.session.scalars(tranches_statement(view, round_id).limit(batch).offset(offset)).unique().all()
        if not tranches:
            return
        payments = payments_for([tranche.id for tranche in tranches])
        waivers = waivers_for([tranche.id for tranche in tranches])
        for tranche in tranches:
            payment = payments.get(tranche.id)
            project = tranche.project
            writer.writerow(
                [
                    safe_cell(project.reference),
                    safe_cell(project.lead_organisation.name),
                    safe_cell(project.lead_organisation.org_id),
                    tranche.sequence,
                    plain_pounds(tranche.amount_pence),
                    tranche.amount_pence,
                    tranche.due_on.isoformat(),
                    tranche.status,
                    tranche.requested_at.isoformat() if tranche.requested_at else "",
                    tranche.released_at.isoformat() if tranche.released_at else "",
                    safe_cell(payment.reference) if payment else "",
                    safe_cell(" | ".join(waiver_summary(condition) for condition in waivers.get(tranche.id, []))),
                ]
            )
        yield flush()
        offset += batch
