"""Wave 1's money at different points: agreements drafted, waiting for signature and signed; match
funding pledged, confirmed and received; tranches waiting, ready to request, requested, held and
released, some projects paid in full.

Like the rest of the demo it is written as history, with the dates things happened and their audit
events; each project's conditions are then evaluated by the service itself, which must find nothing
to change."""

from __future__ import annotations

from datetime import timedelta

from grants.accounts.models import User
from grants.demo.history import at, past_event
from grants.enablers.services import current_assignment
from grants.extensions import db
from grants.funding.models import GrantAgreement, MatchFunding, Payment, Tranche, TrancheCondition
from grants.funding.services.agreements import write_words
from grants.funding.services.conditions import evaluate_project
from grants.projects.models import Project

# (agreement, match funding, how far the tranches have got) for each wave 1 project in reference order.
PLAN = (
    [("draft", "pledged", 0)] * 2
    + [("issued", "pledged", 0)] * 2
    + [("signed", "pledged", 0)] * 2
    + [("signed", "confirmed", "eligible")] * 2
    + [("signed", "confirmed", "requested")] * 2
    + [("signed", "confirmed", "held")]
    + [("signed", "received", 1)] * 2
    + [("signed", "received", "1+requested")]
    + [("signed", "received", "1+held")]
    + [("signed", "received", 2)] * 5
    + [("signed", "received", 3)] * 5
)
HOLD_REASONS = [
    "The lead organisation's new bank details are being verified.",
    "Waiting for the partnership to confirm its revised spending plan.",
]


def seed_funding(officer: User | None, finance: User | None) -> None:
    if officer is None or finance is None:
        return
    if db.session.scalar(db.select(Payment.id).limit(1)):
        return
    projects = db.session.scalars(
        db.select(Project).join(Project.round).where(Project.reference.like("LV1-%")).order_by(Project.reference)
    ).all()
    for number, (project, (agreement_state, match_state, progress)) in enumerate(zip(projects, PLAN, strict=False)):
        if progress and current_assignment(project) is None:
            agreement_state, match_state, progress = "signed", "confirmed", 0  # no enabler: the first tranche waits
        _story(project, number, agreement_state, match_state, progress, officer, finance)
        db.session.flush()
        evaluate_project(project, actor=None)
    db.session.flush()


def _story(project, number, agreement_state, match_state, progress, officer, finance) -> None:
    lead = project.application.lead_applicant
    decided = project.starts_on - timedelta(days=20)
    agreement = db.session.scalar(db.select(GrantAgreement).where(GrantAgreement.project_id == project.id))
    if agreement_state in ("issued", "signed"):
        write_words(agreement, project)
        agreement.status, agreement.issued_at, agreement.issued_by_id = (
            "issued",
            at(decided + timedelta(days=3)),
            officer.id,
        )
        past_event(
            "funding.agreement_issued", agreement, agreement.issued_at, officer, {"status": "issued", "version": 1}
        )
    if agreement_state == "signed":
        signed_at = at(decided + timedelta(days=9), 15)
        agreement.status, agreement.signed_at, agreement.signed_by_id = "signed", signed_at, lead.id
        agreement.signed_name, agreement.signed_ip = lead.name, "192.0.2.10"
        agreement.signed_user_agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"
        past_event(
            "funding.agreement_signed", agreement, signed_at, lead, {"status": "signed", "signed_name": lead.name}
        )
        project.status = "active"
    match = db.session.scalar(db.select(MatchFunding).where(MatchFunding.project_id == project.id))
    if match_state in ("confirmed", "received"):
        match.status, match.confirmed_at, match.confirmed_by_id = (
            "confirmed",
            at(project.starts_on + timedelta(days=20)),
            officer.id,
        )
        match.confirmation_note = f"Letter from {match.funder} confirming {match.amount_pence // 100:,} pounds."
        past_event(
            "funding.match_confirmed",
            match,
            match.confirmed_at,
            officer,
            {"status": "confirmed", "amount_pence": match.amount_pence},
        )
    if match_state == "received":
        match.status, match.received_on = "received", project.starts_on + timedelta(days=50)
        match.received_by_id, match.received_reference = finance.id, f"HWB-{project.reference}"
        past_event(
            "funding.match_received",
            match,
            at(match.received_on),
            finance,
            {"status": "received", "amount_pence": match.amount_pence},
        )
    if not progress:
        return
    tranches = db.session.scalars(
        db.select(Tranche).where(Tranche.project_id == project.id).order_by(Tranche.sequence)
    ).all()
    paid = progress if isinstance(progress, int) else (1 if str(progress).startswith("1+") else 0)
    for tranche in tranches[:paid]:
        _release(project, tranche, officer, finance)
    if len(tranches) <= paid:
        return
    following = tranches[paid]
    state = progress if isinstance(progress, str) else None
    state = state.split("+")[-1] if state else None
    if state is None:  # waiting: for its report, and for something the enabler confirms
        assignment = current_assignment(project)
        if assignment is not None:
            following.conditions.append(
                TrancheCondition(
                    kind="custom",
                    description="The partnership's systems map is shared with its board",
                    owner_id=assignment.enabler_id,
                    position=len(following.conditions),
                )
            )
        return
    _meet(following)
    if state in ("eligible", "requested", "held"):
        following.status, following.eligible_at = "eligible", at(following.due_on - timedelta(days=2))
    if state == "requested":
        following.status, following.requested_at, following.requested_by_id = (
            "requested",
            at(following.due_on),
            officer.id,
        )
        past_event(
            "funding.release_requested",
            following,
            following.requested_at,
            officer,
            {"status": "requested", "amount_pence": following.amount_pence},
        )
    if state == "held":
        following.status, following.held_at, following.held_by_id = "held", at(following.due_on), finance.id
        following.held_reason = HOLD_REASONS[number % len(HOLD_REASONS)]
        past_event(
            "funding.tranche_held",
            following,
            following.held_at,
            finance,
            {"status": "held", "reason": following.held_reason},
        )


def _meet(tranche: Tranche) -> None:
    for condition in tranche.conditions:
        if condition.met_at is None:
            condition.met_at = at(tranche.due_on - timedelta(days=3))


def _release(project, tranche: Tranche, officer: User, finance: User) -> None:
    _meet(tranche)  # its reports (demo.monitoring) and learning (demo.learning) are in place
    day = max(tranche.due_on, project.starts_on + timedelta(days=25))
    requested_at, released_at = at(day, 10), at(day + timedelta(days=2), 11)
    tranche.status, tranche.eligible_at = "released", at(day - timedelta(days=1))
    tranche.requested_at, tranche.requested_by_id, tranche.released_at = requested_at, officer.id, released_at
    db.session.flush()
    payment = Payment(
        tranche_id=tranche.id,
        project_id=project.id,
        amount_pence=tranche.amount_pence,
        reference=f"BACS-{released_at:%Y%m%d}-{project.id:03d}{tranche.sequence}",
        requested_by_id=officer.id,
        approved_by_id=finance.id,
        approved_at=released_at,
    )
    db.session.add(payment)
    db.session.flush()
    past_event(
        "funding.release_requested",
        tranche,
        requested_at,
        officer,
        {"status": "requested", "amount_pence": tranche.amount_pence},
    )
    past_event(
        "funding.tranche_released",
        tranche,
        released_at,
        finance,
        {"status": "released", "amount_pence": tranche.amount_pence, "payment_reference": payment.reference},
        before={"status": "requested"},
    )
