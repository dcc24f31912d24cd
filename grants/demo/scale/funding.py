"""Each project's money: its grant agreement (signed, or still to sign while it sets up), match funding
from the health and wellbeing board, three tranches summing exactly to the award with their
conditions, and a payment signed by two different people for every tranche released.

A tranche is released once it is past due and its conditions are met; the latest one due is, in some
projects, still ready to request, waiting for finance, or held. A project given up (its match never
confirmed: nothing paid) or ended early has its unpaid tranches cancelled, and the decision that ended
it: an early end confirmed by a finance approver, most with an amount to repay, some of it received."""

from __future__ import annotations

from datetime import timedelta

from grants.core.money import format_pence, split_pence
from grants.core.times import format_date
from grants.demo.history import at
from grants.demo.scale.base import Scale
from grants.demo.scale.monitoring import reports_accepted_before
from grants.funding.models import GrantAgreement, MatchFunding, Payment, Tranche, TrancheCondition
from grants.funding.services.conditions import default_kinds
from grants.funding.services.schedule import tranche_due_dates
from grants.funding.services.terms import DEFAULT_TERMS, fill
from grants.learning.models import COMMITMENT_KINDS
from grants.projects.models import ProjectEnding, ProjectStatus
from grants.rounds.models import DEFAULT_TRANCHE_PLAN

MATCH_PENCE = 1_000_000
RECENT = ("released", "requested", "eligible", "held")
ENDING_REASONS = {
    ProjectStatus.WITHDRAWN: (
        "Our health and wellbeing board could not confirm its match funding, and the partnership cannot carry "
        "the project without it."
    ),
    ProjectStatus.ENDED_EARLY: (
        "The lead organisation is merging with its neighbour's and the partnership board has stood down; the "
        "partners agree the work cannot go on as planned."
    ),
}


def make_funding(scale: Scale) -> None:
    agreements, matches, tranches = [], [], []
    for number, project in enumerate(scale.projects):
        amounts = split_pence(project.bid.amount_pence, DEFAULT_TRANCHE_PLAN)
        dues = tranche_due_dates(project.starts_on, project.bid.round.project_months, len(amounts))
        matches.append(_match(scale, project, number))
        agreements.append(_agreement(scale, project, number, list(zip(amounts, dues, strict=True)), matches[-1]))
        tranches += _tranches(scale, project, number, amounts, dues, matches[-1]["status"] != "pledged")
    scale.writer.rows(GrantAgreement, agreements)
    scale.writer.rows(MatchFunding, matches)
    ids = scale.writer.ids(Tranche, [row for row, _ in tranches])
    _conditions(scale, tranches, ids)
    _payments(scale, tranches, ids)
    _endings(scale, tranches)


def _match(scale: Scale, project, number: int) -> dict:
    confirmed = project.status not in (ProjectStatus.SETUP, ProjectStatus.WITHDRAWN)  # (given up for want of it)
    received = confirmed and (project.bid.round.code != "NP3" or number % 5 < 3)
    officer, finance = scale.person("programme_officer", number), scale.person("finance_approver", number)
    funder = f"{project.bid.lead.place.town} Health and Wellbeing Board"
    return {
        "project_id": project.id,
        "funder": funder,
        "amount_pence": MATCH_PENCE,
        "status": "received" if received else "confirmed" if confirmed else "pledged",
        "evidence_document_id": None,
        "confirmed_at": at(project.starts_on + timedelta(days=20)) if confirmed else None,
        "confirmed_by_id": officer if confirmed else None,
        "confirmation_document_id": None,
        "confirmation_note": f"Letter from {funder} confirming £10,000." if confirmed else None,
        "received_on": project.starts_on + timedelta(days=50) if received else None,
        "received_by_id": finance if received else None,
        "received_reference": f"HWB-{project.bid.reference}" if received else None,
        "receipt_document_id": None,
        "created_at": at(project.bid.decided_on, 16),
        "updated_at": at(project.starts_on + timedelta(days=50 if received else 20)),
    }


def _agreement(scale: Scale, project, number: int, schedule, match: dict) -> dict:
    """Signed by the lead applicant a few days after it was issued; while a project sets up, half are
    issued and waiting for signature, half still drafts."""
    bid, decided = project.bid, project.bid.decided_on
    signed = project.status != ProjectStatus.SETUP
    issued = signed or number % 2 == 0
    officer = scale.person("programme_officer", number)
    signed_at = at(decided + timedelta(days=9), 15)
    return {
        "project_id": project.id,
        "version": 1,
        "status": "signed" if signed else "issued" if issued else "draft",
        "terms": _terms(project, schedule, match),
        "schedule": [[n, amount, due.isoformat()] for n, (amount, due) in enumerate(schedule, start=1)],
        "award_pence": bid.amount_pence,
        "variation_reason": None,
        "issued_at": at(decided + timedelta(days=3)) if issued else None,
        "issued_by_id": officer if issued else None,
        "signed_at": signed_at if signed else None,
        "signed_by_id": project.applicant if signed else None,
        "signed_name": scale.names[project.applicant] if signed else None,
        "signed_ip": "192.0.2.10" if signed else None,
        "signed_user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64)" if signed else None,
        "superseded_at": None,
        "created_at": at(decided, 16),
        "updated_at": signed_at if signed else at(decided, 16),
    }


def _terms(project, schedule, match: dict) -> str:
    bid = project.bid
    lines = "\n".join(
        f"   Tranche {n}: {format_pence(amount)}, due from {format_date(due)}"
        for n, (amount, due) in enumerate(schedule, start=1)
    )
    learning = "\n".join(
        f"   - {COMMITMENT_KINDS[plan['kind']]}: {plan['description']} (by {format_date(plan['target_date'])})"
        for _, plan in bid.commitment_plans
    )
    values = {
        "reference": bid.reference,
        "version": "1",
        "project_title": bid.title,
        "lead_organisation": bid.lead.name,
        "bid_reference": bid.reference,
        "award": format_pence(bid.amount_pence),
        "starts_on": format_date(project.starts_on),
        "ends_on": format_date(project.ends_on),
        "tranche_count": str(len(schedule)),
        "tranche_schedule": lines,
        "match_amount": format_pence(match["amount_pence"]),
        "match_funder": match["funder"],
        "learning_commitments": learning or "   - (none recorded)",
    }
    return fill(DEFAULT_TERMS, values)


def _met(project, kind: str, due, last: bool, match_confirmed: bool) -> bool:
    """Whether the service's own evaluator would find the condition met, from the plan."""
    return {
        "agreement_signed": project.status != ProjectStatus.SETUP,
        "match_confirmed": match_confirmed,
        "enabler_assigned": project.enabler is not None,  # (for a finished project: while it ran)
        "report_accepted": reports_accepted_before(project, due, last),
        "learning_evidenced": project.published_case_study,
    }[kind]


def _tranches(scale: Scale, project, number: int, amounts, dues, match_confirmed: bool) -> list[tuple[dict, list]]:
    """(row, [(condition kind, met)]) for each tranche, in order: none is paid before an earlier one.
    A project given up or ended early was paid what it had been by then; the rest is cancelled."""
    made, blocked = [], False
    as_of = project.finished_on - timedelta(days=5) if project.ended_before_its_time else scale.today
    latest = max((sequence for sequence, due in enumerate(dues, start=1) if due <= as_of), default=None)
    for sequence, (amount, due) in enumerate(zip(amounts, dues, strict=True), start=1):
        last = sequence == len(amounts)
        kinds = default_kinds(sequence, len(amounts))
        met = [(kind, _met(project, kind, due, last, match_confirmed)) for kind in kinds]
        if project.status == ProjectStatus.CLOSED:  # paid in full; its enabler's assignment ended with it
            met = [(kind, True) for kind in kinds]
        age = (as_of - due).days
        status = "scheduled"
        if not blocked and age >= 0 and all(ok for _, ok in met):
            status = "released"
            recent = age < 45 or scale.rng.random() < 0.1
            if sequence == latest and not project.is_finished and recent:
                status = scale.rng.choices(RECENT, weights=(40, 25, 25, 10))[0]
        blocked = blocked or status != "released"
        if project.ended_before_its_time and status != "released":
            status = "cancelled"
        made.append((_tranche(scale, project, number, sequence, amount, due, status), met))
    return made


def _tranche(scale: Scale, project, number: int, sequence: int, amount: int, due, status: str) -> dict:
    officer, finance = scale.person("programme_officer", number), scale.person("finance_approver", number)
    ready = status not in ("scheduled", "cancelled")
    asked = status in ("requested", "released")
    cancelled = at(project.finished_on, 15) if status == "cancelled" else None
    return {
        "project_id": project.id,
        "sequence": sequence,
        "percentage": DEFAULT_TRANCHE_PLAN[sequence - 1],
        "amount_pence": amount,
        "due_on": due,
        "status": status,
        "eligible_at": at(due, 9) if ready else None,
        "requested_at": at(due + timedelta(days=2)) if asked else None,
        "requested_by_id": officer if asked else None,
        "released_at": at(due + timedelta(days=5), 11) if status == "released" else None,
        "held_at": at(due + timedelta(days=3)) if status == "held" else None,
        "held_by_id": finance if status == "held" else None,
        "held_reason": "The lead organisation's new bank details are being verified." if status == "held" else None,
        "cancelled_at": cancelled,
        "cancelled_by_id": (finance if project.status == ProjectStatus.ENDED_EARLY else officer) if cancelled else None,
        "cancel_reason": ENDING_REASONS.get(project.status) if cancelled else None,
        "created_at": at(project.bid.decided_on, 16),
        "updated_at": cancelled or (at(due + timedelta(days=5)) if ready else at(project.bid.decided_on, 16)),
    }


def _conditions(scale: Scale, tranches, ids) -> None:
    """The default conditions, met where the service would find them met; now and then one more, for
    the project's enabler to confirm."""
    projects = {project.id: project for project in scale.projects}
    rows = []
    for (row, met), tranche_id in zip(tranches, ids, strict=True):
        created = row["created_at"]
        for position, (kind, ok) in enumerate(met):
            met_at = max(created, at(row["due_on"] - timedelta(days=1))) if ok else None
            rows.append(_condition(tranche_id, kind, position, created, met_at))
        project = projects[row["project_id"]]
        if (
            row["status"] == "scheduled"
            and project.enabler
            and project.status == ProjectStatus.ACTIVE
            and scale.rng.random() < 0.05
        ):
            custom = _condition(tranche_id, "custom", len(met), created, None)
            custom |= {
                "description": "The partnership's systems map is shared with its board",
                "owner_id": project.enabler,
            }
            rows.append(custom)
    scale.writer.rows(TrancheCondition, rows)


def _condition(tranche_id: int, kind: str, position: int, created, met_at) -> dict:
    return {
        "tranche_id": tranche_id,
        "kind": kind,
        "description": None,
        "owner_id": None,
        "position": position,
        "met_at": met_at,
        "met_by_id": None,
        "note": None,
        "created_at": created,
        "updated_at": met_at or created,
    }


def _payments(scale: Scale, tranches, ids) -> None:
    rows = [
        {
            "tranche_id": tranche_id,
            "project_id": row["project_id"],
            "amount_pence": row["amount_pence"],
            "reference": f"BACS-{row['released_at']:%Y%m%d}-{tranche_id}",
            "requested_by_id": row["requested_by_id"],
            "approved_by_id": scale.person("finance_approver", tranche_id),
            "approved_at": row["released_at"],
        }
        for (row, _), tranche_id in zip(tranches, ids, strict=True)
        if row["status"] == "released"
    ]
    scale.writer.rows(Payment, rows)


def _endings(scale: Scale, tranches) -> None:
    """The decision that ended each project given up or ended early: recorded a few days before it
    took effect, and confirmed by someone else. Most early ends owe back part of what was paid."""
    paid: dict[int, int] = {}
    for row, _ in tranches:
        if row["status"] == "released":
            paid[row["project_id"]] = paid.get(row["project_id"], 0) + row["amount_pence"]
    rows = []
    for number, project in enumerate(scale.projects):
        if not project.ended_before_its_time:
            continue
        early = project.status == ProjectStatus.ENDED_EARLY
        owed = paid.get(project.id, 0) // 10 // 100 * 100 if early and number % 3 else 0  # a tenth, in pounds
        received = project.finished_on + timedelta(days=35) if owed and number % 2 else None
        finance = scale.person("finance_approver", number)
        rows.append(
            {
                "project_id": project.id,
                "kind": project.status.value,
                "status": "confirmed",
                "reason": ENDING_REASONS[project.status],
                "proposed_by_id": scale.person("programme_officer", number) if early else project.applicant,
                "proposed_at": at(project.finished_on - timedelta(days=4), 11),
                "decided_by_id": finance if early else scale.person("programme_officer", number),
                "decided_at": at(project.finished_on, 15),
                "decision_note": None,
                "repayment_pence": owed or None,
                "repayment_received_on": received if received and received <= scale.today else None,
                "repayment_reference": f"REP-{project.bid.reference}" if received and received <= scale.today else None,
                "repayment_recorded_by_id": finance if received and received <= scale.today else None,
                "created_at": at(project.finished_on - timedelta(days=4), 11),
                "updated_at": at(project.finished_on, 15),
            }
        )
    scale.writer.rows(ProjectEnding, rows)
