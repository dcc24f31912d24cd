"""Wave 1's money, as it stands halfway through two-year projects: every agreement signed soon after
the decision, a few being varied (a new version drafted or waiting for signature); match funding
confirmed and mostly received (but for one board that never confirmed it: nothing was paid to that
project, whose award was given up); every other first tranche paid; the second, due last month, waiting for its
progress report, ready to request, requested, held or released; the third still to come.

Like the rest of the demo it is written as history, with the dates things happened and their audit
events; each project's conditions are then evaluated by the service itself, which must find nothing
to change."""

from __future__ import annotations

from datetime import timedelta

from grants.accounts.models import User
from grants.core.dates import add_months
from grants.demo.history import at, past_event, today
from grants.enablers.services import current_assignment
from grants.extensions import db
from grants.funding.models import AgreementStatus, GrantAgreement, MatchFunding, Payment, Tranche, TrancheCondition
from grants.funding.services.agreements import write_words
from grants.funding.services.conditions import evaluate_project
from grants.projects.models import Project, ProjectStatus

# (match funding, the second tranche, a variation of the agreement) for each wave 1 project in
# reference order. A second tranche "waiting" waits for the fourth progress report (see
# demo.monitoring.REPORTS), and for something the enabler confirms.
PLAN = [
    ("confirmed", "waiting", None),
    ("confirmed", "waiting", "draft"),
    ("pledged", "none", None),  # its board never confirmed the match: nothing paid, the award given up
    # (see demo.endings.GIVEN_UP)
    ("received", "waiting", "issued"),
    ("confirmed", "eligible", None),
    ("received", "waiting", "issued"),  # the demo's project lead: a report to revise, a variation to sign
    ("received", "eligible", None),
    ("received", "requested", None),
    ("received", "requested", None),
    ("received", "requested", "draft"),
    ("received", "held", None),
    ("confirmed", "held", None),
    ("received", "waiting", None),
] + [("received", "released", None)] * 12
HOLD_REASONS = [
    "The lead organisation's new bank details are being verified.",
    "Waiting for the partnership to confirm its revised spending plan.",
]
VARIATION_REASON = (
    "The partnership asked for its third tranche three months earlier, to pay for the citizens' panel's second year."
)


def seed_funding(officer: User | None, finance: User | None) -> None:
    if officer is None or finance is None:
        return
    if db.session.scalar(db.select(Payment.id).limit(1)):
        return
    projects = db.session.scalars(
        db.select(Project).join(Project.round).where(Project.reference.like("LV1-%")).order_by(Project.reference)
    ).all()
    for number, (project, plan) in enumerate(zip(projects, PLAN, strict=False)):
        _story(project, number, *plan, officer, finance)
        db.session.flush()
        evaluate_project(project, actor=None)
    db.session.flush()


def _story(project, number, match_state, second, variation, officer, finance) -> None:
    lead = project.application.lead_applicant
    decided = project.starts_on - timedelta(days=20)
    agreement = db.session.scalar(db.select(GrantAgreement).where(GrantAgreement.project_id == project.id))
    write_words(agreement, project)
    agreement.status, agreement.issued_at, agreement.issued_by_id = (
        "issued",
        at(decided + timedelta(days=3)),
        officer.id,
    )
    past_event("funding.agreement_issued", agreement, agreement.issued_at, officer, {"status": "issued", "version": 1})
    signed_at = at(decided + timedelta(days=8 + number % 5), 15)
    _sign(agreement, lead, signed_at)
    project.status = ProjectStatus.ACTIVE
    match = db.session.scalar(db.select(MatchFunding).where(MatchFunding.project_id == project.id))
    if match_state == "pledged":
        return  # the first tranche waits for the match funding, which never came
    match.status, match.confirmed_at, match.confirmed_by_id = (
        "confirmed",
        at(project.starts_on + timedelta(days=10 + number % 7)),
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
        match.status, match.received_on = "received", project.starts_on + timedelta(days=50 + number % 20)
        match.received_by_id, match.received_reference = finance.id, f"HWB-{project.reference}"
        past_event(
            "funding.match_received",
            match,
            at(match.received_on),
            finance,
            {"status": "received", "amount_pence": match.amount_pence},
        )
    if current_assignment(project) is None:
        return  # no enabler: the first tranche waits for one, as the project page says
    first, following, *_ = db.session.scalars(
        db.select(Tranche).where(Tranche.project_id == project.id).order_by(Tranche.sequence)
    ).all()
    _release(project, first, officer, finance, project.starts_on + timedelta(days=25))
    reported = _fourth_report_accepted(project)
    if second == "released":
        _release(project, following, officer, finance, reported + timedelta(days=2))
    elif second == "waiting":  # for its report, and for something the enabler confirms
        following.conditions.append(
            TrancheCondition(
                kind="custom",
                description="The partnership's systems map is shared with its board",
                owner_id=current_assignment(project).enabler_id,
                position=len(following.conditions),
            )
        )
    else:
        _meet(following, reported)
        following.status, following.eligible_at = "eligible", at(reported, 15)
    if second in ("requested", "held"):
        following.status, following.requested_at, following.requested_by_id = (
            "requested",
            at(reported + timedelta(days=1)),
            officer.id,
        )
        past_event(
            "funding.release_requested",
            following,
            following.requested_at,
            officer,
            {"status": "requested", "amount_pence": following.amount_pence},
        )
    if second == "held":
        following.status, following.held_at, following.held_by_id = (
            "held",
            at(reported + timedelta(days=2), 14),
            finance.id,
        )
        following.held_reason = HOLD_REASONS[number % len(HOLD_REASONS)]
        past_event(
            "funding.tranche_held",
            following,
            following.held_at,
            finance,
            {"status": "held", "reason": following.held_reason},
        )
    if variation:
        _vary(project, agreement, variation, officer)


def _fourth_report_accepted(project) -> object:
    """The day the report the second tranche waits for was accepted (see demo.monitoring)."""
    from grants.monitoring.models import ProgressReport

    report = db.session.scalar(
        db.select(ProgressReport)
        .where(
            ProgressReport.project_id == project.id,
            ProgressReport.is_final.is_(False),
            ProgressReport.period_end < add_months(project.starts_on, 12),
        )
        .order_by(ProgressReport.sequence.desc())
    )
    if report is not None and report.reviewed_at is not None:
        return report.reviewed_at.date()
    return min(today() - timedelta(days=5), add_months(project.starts_on, 12) + timedelta(days=21))


def _sign(agreement: GrantAgreement, lead: User, signed_at) -> None:
    agreement.status, agreement.signed_at, agreement.signed_by_id = "signed", signed_at, lead.id
    agreement.signed_name, agreement.signed_ip = lead.name, "192.0.2.10"
    agreement.signed_user_agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"
    past_event(
        "funding.agreement_signed",
        agreement,
        signed_at,
        lead,
        {"status": "signed", "signed_name": lead.name, "version": agreement.version},
    )


def _vary(project, signed: GrantAgreement, state: str, officer: User) -> None:
    """A second version of the agreement: the third tranche brought forward, drafted a week ago and,
    if issued, waiting for the lead's signature since."""
    db.session.flush()
    last = db.session.scalar(
        db.select(Tranche).where(Tranche.project_id == project.id).order_by(Tranche.sequence.desc()).limit(1)
    )
    before = last.due_on
    last.due_on = add_months(last.due_on, -3)
    db.session.flush()
    started = at(today() - timedelta(days=9))
    variation = GrantAgreement(
        project_id=project.id,
        version=signed.version + 1,
        status=AgreementStatus.DRAFT,
        award_pence=project.award_pence,
        variation_reason=VARIATION_REASON,
    )
    write_words(variation, project)
    db.session.add(variation)
    db.session.flush()
    past_event(
        "funding.variation_started",
        variation,
        started,
        officer,
        {"version": variation.version, "reason": VARIATION_REASON},
    )
    past_event(
        "funding.schedule_changed",
        project,
        started,
        officer,
        {"tranches": [[last.sequence, last.amount_pence, last.due_on.isoformat()]]},
        before={"tranches": [[last.sequence, last.amount_pence, before.isoformat()]]},
    )
    if state == "issued":
        variation.status, variation.issued_at, variation.issued_by_id = (
            "issued",
            at(today() - timedelta(days=7)),
            officer.id,
        )
        past_event(
            "funding.agreement_issued",
            variation,
            variation.issued_at,
            officer,
            {"status": "issued", "version": variation.version},
        )


def _meet(tranche: Tranche, day) -> None:
    for condition in tranche.conditions:
        if condition.met_at is None:
            condition.met_at = at(day)


def _release(project, tranche: Tranche, officer: User, finance: User, day) -> None:
    """Requested on ``day`` (once its conditions were met) and paid two days later."""
    _meet(tranche, day - timedelta(days=1))  # its reports (demo.monitoring) are in place
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
