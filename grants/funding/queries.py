"""Reading money: the portfolio's totals, the tranche lists finance works from, and the CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, or_, true
from sqlalchemy.orm import contains_eager, lazyload, load_only, selectinload

from grants.core.spreadsheets import plain_pounds, safe_cell
from grants.directory.models import Organisation
from grants.extensions import db
from grants.funding.models import MatchFunding, MatchStatus, Payment, Tranche, TrancheCondition, TrancheStatus
from grants.projects.models import LIVE_STATUSES, EndingKind, EndingStatus, Project, ProjectEnding, ProjectStatus

# The lists on the finance page: (label, the tranches it shows).
VIEWS = {
    "due": "Due now",
    "eligible": "Ready to request",
    "requested": "Waiting for approval",
    "released": "Released",
    "held": "Held",
    "cancelled": "Cancelled",
    "all": "All tranches",
}


@dataclass(frozen=True)
class Totals:
    """Money across the portfolio. An award given up is not counted as awarded (``given_up`` says how much
    was); a tranche cancelled is never to be paid, so it is not still to release; paid money stays paid,
    and what early ends ask back is shown beside it."""

    awarded: int  # the awards in force: every project's but those given up
    released: int
    match: dict[str, int]
    projects: int  # how many projects those awards are to
    still_to_release: int = 0  # tranches neither paid nor cancelled
    cancelled: int = 0  # tranches never to be paid: their project closed, was given up or ended early
    given_up: int = 0  # awards given up before any payment
    given_up_projects: int = 0
    repayment_due: int = 0  # to be repaid after an early end, not yet received
    repaid: int = 0  # repaid after an early end, received

    @property
    def remaining(self) -> int:
        return self.still_to_release

    @property
    def match_total(self) -> int:
        return sum(self.match.values())


def waiting_for_owner(owner_id: int):
    """The conditions this person confirms that still wait for them: unmet, of tranches still to be
    released (a condition over ``TrancheCondition`` joined to its ``Tranche``)."""
    return and_(
        TrancheCondition.owner_id == owner_id,
        TrancheCondition.met_at.is_(None),
        Tranche.status.in_((TrancheStatus.SCHEDULED, TrancheStatus.ELIGIBLE, TrancheStatus.HELD)),
    )


def conditions_owned_by(owner_id: int, project_ids: list[int]) -> list[TrancheCondition]:
    """For the enabler's home: the unmet conditions they confirm on these projects, of tranches still to
    be released, each with its tranche, soonest due first."""
    return list(
        db.session.scalars(
            db.select(TrancheCondition)
            .join(TrancheCondition.tranche)
            .where(waiting_for_owner(owner_id), Tranche.project_id.in_(project_ids))
            .options(contains_eager(TrancheCondition.tranche))
            .order_by(Tranche.due_on, TrancheCondition.id)
        )
    )


def totals(round_id: int | None = None) -> Totals:
    """Money across the portfolio (or one round): one query of five parts, however many projects."""
    in_round = (
        (lambda column: column.in_(db.select(Project.id).where(Project.round_id == round_id))) if round_id else None
    )

    def of(statement, column):
        return statement.where(in_round(column)) if in_round else statement

    given_up = Project.status == ProjectStatus.WITHDRAWN
    awards = of(
        db.select(
            _sum(case((given_up, 0), else_=Project.award_pence)).label("awarded"),
            _sum(case((given_up, 0), else_=1)).label("projects"),
            _sum(case((given_up, Project.award_pence), else_=0)).label("given_up"),
            _sum(case((given_up, 1), else_=0)).label("given_up_projects"),
        ),
        Project.id,
    ).subquery()
    released = of(db.select(_sum(Payment.amount_pence).label("released")), Payment.project_id).subquery()
    unpaid = Tranche.status.not_in((TrancheStatus.RELEASED, TrancheStatus.CANCELLED))
    # Cancelled of what was awarded: an award given up is counted apart, its tranches with it, so that
    # released, still to release and cancelled add up to the awarded total.
    cancelled_of_awarded = (Tranche.status == TrancheStatus.CANCELLED) & (Project.status != ProjectStatus.WITHDRAWN)
    tranches = of(
        db.select(
            _sum(case((unpaid, Tranche.amount_pence), else_=0)).label("still_to_release"),
            _sum(case((cancelled_of_awarded, Tranche.amount_pence), else_=0)).label("cancelled"),
        ).join(Project, Project.id == Tranche.project_id),
        Tranche.project_id,
    ).subquery()
    match = of(
        db.select(
            *(
                _sum(case((MatchFunding.status == status, MatchFunding.amount_pence), else_=0)).label(f"match_{status}")
                for status in MatchStatus
            )
        )
        .join(Project, Project.id == MatchFunding.project_id)
        # money still to come only from a project still running; money received stays received
        .where(or_(MatchFunding.status == MatchStatus.RECEIVED, Project.status.in_(LIVE_STATUSES))),
        MatchFunding.project_id,
    ).subquery()
    received = ProjectEnding.repayment_received_on.is_not(None)
    repayments = of(
        db.select(
            _sum(case((received, 0), else_=ProjectEnding.repayment_pence)).label("repayment_due"),
            _sum(case((received, ProjectEnding.repayment_pence), else_=0)).label("repaid"),
        ).where(_repayments()),
        ProjectEnding.project_id,
    ).subquery()
    # Each part is one row: joined on nothing, they make one row.
    parts = awards.join(released, true()).join(tranches, true()).join(match, true()).join(repayments, true())
    row = db.session.execute(db.select(awards, released, tranches, match, repayments).select_from(parts)).one()
    return Totals(
        awarded=int(row.awarded),
        released=int(row.released),
        match={status.value: int(row._mapping[f"match_{status}"]) for status in MatchStatus},
        projects=int(row.projects),
        still_to_release=int(row.still_to_release),
        cancelled=int(row.cancelled),
        given_up=int(row.given_up),
        given_up_projects=int(row.given_up_projects),
        repayment_due=int(row.repayment_due),
        repaid=int(row.repaid),
    )


def _sum(column):
    """A sum of pence that is 0 over no rows."""
    return db.func.coalesce(db.func.sum(column), 0)


def _repayments():
    """The early ends confirmed with an amount to be repaid."""
    return and_(
        ProjectEnding.kind == EndingKind.ENDED_EARLY,
        ProjectEnding.status == EndingStatus.CONFIRMED,
        ProjectEnding.repayment_pence.is_not(None),
    )


@dataclass(frozen=True)
class EndedEarly:
    project: Project
    ending: ProjectEnding
    paid: int  # what was paid to it before it ended, which stays paid


# The funding overview lists the most recent projects that ended early; the CSV of all tranches has every one.
ENDED_EARLY_SHOWN = 10

# Tranches on a page of the funding overview: a screen or two to read, and a page that comes back quickly
# (each row is seven cells with two links); the CSV has every tranche of a list.
TRANCHES_PER_PAGE = 25


@dataclass(frozen=True)
class RecentlyEndedEarly:
    recent: list[EndedEarly]  # the most recent, at most ``ENDED_EARLY_SHOWN``
    count: int  # how many ended early in all

    @property
    def more(self) -> bool:
        return self.count > len(self.recent)


def ended_early(round_id: int | None = None) -> list[EndedEarly]:
    """The projects ended early (confirmed), each with its ending and what it was paid, the most recent
    first: one query."""
    return [
        EndedEarly(project, ending, int(pence)) for project, ending, pence in db.session.execute(_ended_early(round_id))
    ]


def recently_ended_early(round_id: int | None = None, shown: int | None = None) -> RecentlyEndedEarly:
    """The ``shown`` (``ENDED_EARLY_SHOWN``) projects that ended early most recently, and how many did in
    all: one query."""
    shown = shown or ENDED_EARLY_SHOWN
    statement = (
        _ended_early(round_id)
        .add_columns(db.func.count().over())
        .limit(shown)
        # the list shows the project's reference and the ending: nothing else the two join by default
        .options(
            load_only(Project.reference),
            lazyload(Project.round),
            lazyload(Project.place),
            lazyload(Project.lead_organisation),
            lazyload(ProjectEnding.proposed_by),
        )
    )
    rows = db.session.execute(statement).all()
    recent = [EndedEarly(project, ending, int(pence)) for project, ending, pence, _count in rows]
    return RecentlyEndedEarly(recent, rows[0][3] if rows else 0)


def _ended_early(round_id: int | None):
    # Added up for these projects only (a few), not for every project paid.
    paid = db.select(_sum(Payment.amount_pence)).where(Payment.project_id == Project.id).scalar_subquery()
    statement = (
        db.select(Project, ProjectEnding, paid)
        .join(ProjectEnding, ProjectEnding.project_id == Project.id)
        .where(ProjectEnding.kind == EndingKind.ENDED_EARLY, ProjectEnding.status == EndingStatus.CONFIRMED)
        .order_by(ProjectEnding.decided_at.desc(), ProjectEnding.id.desc())
    )
    if round_id:
        statement = statement.where(Project.round_id == round_id)
    return statement


def tranches_statement(view: str, round_id: int | None = None, today: date | None = None):
    """Tranches with their project's reference and lead organisation, for one of ``VIEWS``, oldest due
    first. Only what the lists and the CSV show is loaded: never the project's round or place, nor the
    organisation's place or address."""
    statement = (
        db.select(Tranche)
        .join(Tranche.project)
        .join(Organisation, Organisation.id == Project.lead_organisation_id)
        .options(
            contains_eager(Tranche.project).options(
                load_only(Project.reference, Project.lead_organisation_id),
                contains_eager(Project.lead_organisation).options(
                    load_only(Organisation.name, Organisation.org_id), lazyload(Organisation.place)
                ),
                lazyload(Project.round),
                lazyload(Project.place),
            ),
        )
        .where(*_in_view(view, round_id, today))
        .order_by(Tranche.due_on, Project.reference, Tranche.sequence)
    )
    return statement


def _in_view(view: str, round_id: int | None, today: date | None = None) -> list:
    """The conditions on ``Tranche`` of one of ``VIEWS`` (and of one round, if chosen)."""
    today = today or date.today()
    conditions = []
    if view == "due":
        conditions += [
            Tranche.status.in_((TrancheStatus.SCHEDULED, TrancheStatus.ELIGIBLE, TrancheStatus.REQUESTED)),
            Tranche.due_on <= today,
        ]
    elif view in (
        TrancheStatus.ELIGIBLE,
        TrancheStatus.REQUESTED,
        TrancheStatus.RELEASED,
        TrancheStatus.HELD,
        TrancheStatus.CANCELLED,
    ):
        conditions.append(Tranche.status == view)
    if round_id:
        conditions.append(Tranche.project_id.in_(db.select(Project.id).where(Project.round_id == round_id)))
    return conditions


def view_totals(view: str, round_id: int | None = None) -> tuple[int, int]:
    """(how many tranches, their total) in a view: the tranches alone, as every tranche has its project
    and lead organisation."""
    count, total = db.session.execute(
        db.select(db.func.count(Tranche.id), _sum(Tranche.amount_pence)).where(*_in_view(view, round_id))
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
    # Added for the end of a grant: a cancelled tranche's when, who and why; and the repayments asked of
    # projects that ended early, one row each (``record`` says which kind of row it is).
    "cancelled_at",
    "cancelled_by",
    "cancel_reason",
    "record",
    "repayment_received_on",
    "repayment_reference",
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
    """The tranches of a view as CSV, a batch at a time (three queries a batch), header first. All
    tranches ends with a row for each repayment asked of a project that ended early."""
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
        statement = tranches_statement(view, round_id).options(selectinload(Tranche.cancelled_by))
        tranches = db.session.scalars(statement.limit(batch).offset(offset)).unique().all()
        if not tranches:
            break
        payments = payments_for([tranche.id for tranche in tranches])
        waivers = waivers_for([tranche.id for tranche in tranches])
        for tranche in tranches:
            writer.writerow(_tranche_row(tranche, payments.get(tranche.id), waivers.get(tranche.id, [])))
        yield flush()
        offset += batch
    if view == "all":
        for ended in ended_early(round_id):
            if ended.ending.repayment_pence:
                writer.writerow(_repayment_row(ended.project, ended.ending))
        yield flush()


def _organisation(project: Project) -> list:
    return [
        safe_cell(project.reference),
        safe_cell(project.lead_organisation.name),
        safe_cell(project.lead_organisation.org_id),
    ]


def _tranche_row(tranche: Tranche, payment: Payment | None, waivers: list[TrancheCondition]) -> list:
    cancelled = tranche.status == TrancheStatus.CANCELLED
    return [
        *_organisation(tranche.project),
        tranche.sequence,
        plain_pounds(tranche.amount_pence),
        tranche.amount_pence,
        tranche.due_on.isoformat(),
        tranche.status,
        tranche.requested_at.isoformat() if tranche.requested_at else "",
        tranche.released_at.isoformat() if tranche.released_at else "",
        safe_cell(payment.reference) if payment else "",
        safe_cell(" | ".join(waiver_summary(condition) for condition in waivers)),
        tranche.cancelled_at.isoformat() if cancelled and tranche.cancelled_at else "",
        safe_cell(tranche.cancelled_by.name) if cancelled and tranche.cancelled_by else "",
        safe_cell(tranche.cancel_reason) if cancelled and tranche.cancel_reason else "",
        "tranche",
        "",
        "",
    ]


def _repayment_row(project: Project, ending: ProjectEnding) -> list:
    """What a project that ended early is to pay back: its amount, and when and how it came back."""
    amount = ending.repayment_pence or 0
    received = ending.repayment_received_on
    return [
        *_organisation(project),
        "",
        plain_pounds(amount),
        amount,
        "",
        "repayment_received" if received else "repayment_due",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "repayment",
        received.isoformat() if received else "",
        safe_cell(ending.repayment_reference) if ending.repayment_reference else "",
    ]
