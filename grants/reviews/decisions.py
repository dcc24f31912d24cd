"""The chair's decisions: recorded within the budget, then made to take effect for the whole round."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from grants.applications.models import Application, ApplicationStatus, PartnerStatus
from grants.applications.workflow import APPLICATION_WORKFLOW
from grants.core import audit
from grants.core.db import lock_and_refresh, utcnow
from grants.core.errors import GrantsError, PermissionDenied
from grants.core.money import format_pence
from grants.extensions import db
from grants.notifications.services import queue_email
from grants.projects.services import create_project
from grants.reviews import permissions, queries
from grants.reviews.models import OUTCOMES, Decision, DecisionOutcome
from grants.rounds.models import RoundStatus
from grants.rounds.workflow import ROUND_WORKFLOW


class DecisionError(GrantsError):
    """A decision the service refuses, naming the domain field it is about where there is one."""


@dataclass
class DecisionRequest:
    application_id: int
    outcome: str
    rationale: str
    rank_override_reason: str | None = None
    conditions: str | None = None
    feedback: str | None = None
    feedback_released: bool | None = None


@dataclass
class PortfolioEffect:
    """What the approved set would be after some decisions: its cost and size against the round."""

    total_pence: int
    count: int
    budget_pence: int
    places: int | None

    @property
    def over_budget_pence(self) -> int:
        return max(0, self.total_pence - self.budget_pence)

    @property
    def over_places(self) -> int:
        return max(0, self.count - self.places) if self.places else 0

    def problem(self) -> str | None:
        """What is wrong with the approved set: over the budget, over the number of places, or both."""
        over_budget = (
            f"{format_pence(self.over_budget_pence)} over the round's budget of {format_pence(self.budget_pence)}"
        )
        over_places = f"{self.over_places} more than the round's {self.places} place{'s' if self.places != 1 else ''}"
        projects = f"{self.count} project{'s' if self.count != 1 else ''}"
        if self.over_budget_pence and self.over_places:
            return (
                f"These decisions would approve {projects} costing {format_pence(self.total_pence)}: "
                f"{over_budget}, and {over_places}."
            )
        if self.over_budget_pence:
            return f"These decisions would approve {format_pence(self.total_pence)}, which is {over_budget}."
        if self.over_places:
            return f"These decisions would approve {projects}, {over_places}."
        return None


def portfolio_effect(round_, assessments, outcomes: dict[int, str]) -> PortfolioEffect:
    """The approved set's cost and size. An approved bid whose award was given up holds neither: its
    budget and place are free for a reserve bid. A project ended early still holds them (it was paid)."""
    approved = [a for a in assessments if outcomes.get(a.application_id) == DecisionOutcome.APPROVED and not a.given_up]
    return PortfolioEffect(
        total_pence=sum(a.cost_pence for a in approved),
        count=len(approved),
        budget_pence=round_.budget_pence,
        places=round_.places,
    )


def current_outcomes(assessments) -> dict[int, str]:
    return {a.application_id: a.outcome for a in assessments if a.outcome is not None}


def out_of_rank(assessments, outcomes: dict[int, str], application_id: int) -> list[Application]:
    """The bids ranked above this one that would not be approved, if this one were."""
    above = []
    for assessment in assessments:
        if assessment.application_id == application_id:
            return above
        if outcomes.get(assessment.application_id) != DecisionOutcome.APPROVED:
            above.append(assessment.application)
    return above


def _lock_round(round_, *, bids: bool = False) -> None:
    """Take the round's lock (and, to make decisions take effect, its bids' locks), then forget what
    this session read before, so every check sees what other chairs have just committed."""
    lock_and_refresh(db.session, round_)
    if bids:
        db.session.execute(
            db.select(Application.id)
            .where(Application.round_id == round_.id)
            .order_by(Application.id)
            .with_for_update()
        )
    db.session.expire_all()


def check_decisions(round_, requests: list[DecisionRequest], *, actor) -> tuple[list, PortfolioEffect]:
    """Everything that would refuse these decisions, raised as DecisionError; otherwise the ranking
    and the portfolio they would make."""
    if round_.status != RoundStatus.ASSESSING:
        raise DecisionError("Decisions are made while the round is being assessed.")
    assessments = queries.round_assessment(round_)
    by_id = {a.application_id: a for a in assessments}
    conflicted = queries.conflicted_application_ids(actor)
    for request in requests:
        assessment = by_id.get(request.application_id)
        if assessment is None or assessment.application.status != ApplicationStatus.UNDER_REVIEW:
            raise DecisionError("Only bids under review can be decided.")
        if not permissions.can_decide(actor, assessment.application, conflicted):
            raise PermissionDenied("You have declared a conflict of interest with this bid; another chair decides it.")
        if assessment.decision is not None and assessment.decision.effective_at is not None:
            raise DecisionError("This decision has already taken effect.")
        if request.outcome not in OUTCOMES:
            raise DecisionError("Choose approve, reserve or reject", field="outcome")
        if not request.rationale.strip():
            raise DecisionError("Give the reason for the decision", field="rationale")
    outcomes = {**current_outcomes(assessments), **{r.application_id: r.outcome for r in requests}}
    effect = portfolio_effect(round_, assessments, outcomes)
    if effect.problem():
        raise DecisionError(effect.problem(), field="outcome")
    for request in requests:
        if request.outcome != DecisionOutcome.APPROVED or (request.rank_override_reason or "").strip():
            continue
        skipped = out_of_rank(assessments, outcomes, request.application_id)
        if skipped:
            names = ", ".join(application.reference for application in skipped[:5])
            more = f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""
            raise DecisionError(
                f"{by_id[request.application_id].application.reference} is ranked below {names}{more}, which would "
                "not be approved. Say why it should be approved ahead of them.",
                field="rank_override_reason",
            )
    return assessments, effect


def record_decisions(round_, requests: list[DecisionRequest], *, actor) -> list[Decision]:
    """Record (or change) decisions that have not yet taken effect. All or nothing."""
    if not permissions.is_chair(actor):
        raise PermissionDenied("Only a steering group chair can decide.")
    if len({request.application_id for request in requests}) != len(requests):
        raise DecisionError("Each bid can be decided once at a time.", field="application_ids")
    _lock_round(round_)
    assessments, _ = check_decisions(round_, requests, actor=actor)
    by_id = {a.application_id: a for a in assessments}
    recorded = []
    for request in requests:
        decision = by_id[request.application_id].decision
        before = None
        if decision is None:
            decision = Decision(application_id=request.application_id)
            db.session.add(decision)
        else:
            before = {"outcome": decision.outcome, "rationale": decision.rationale}
        decision.outcome = request.outcome
        decision.rationale = request.rationale.strip()
        # A field the request does not carry (None) keeps what was recorded before: a bulk decision
        # does not wipe the conditions or feedback written on the bid's own page.
        if request.rank_override_reason is not None:
            decision.rank_override_reason = request.rank_override_reason.strip() or None
        if request.conditions is not None:
            decision.conditions = request.conditions.strip() or None
        if request.feedback is not None:
            decision.feedback = request.feedback.strip() or None
        elif before is not None and (before["outcome"] == DecisionOutcome.APPROVED) != (
            request.outcome == DecisionOutcome.APPROVED
        ):
            # Feedback written for an approval never goes out with a letter saying no, nor the reverse;
            # between a rejection and the reserve list it still fits, and is kept.
            decision.feedback, decision.feedback_released = None, False
        if request.feedback_released is not None:
            decision.feedback_released = bool(request.feedback_released and decision.feedback)
        decision.decided_by_id = actor.id
        decision.decided_at = utcnow()
        db.session.flush()
        audit.record(
            "decision.recorded",
            decision,
            actor=actor,
            before=before,
            after={
                "application_id": request.application_id,
                "outcome": decision.outcome,
                "rationale": decision.rationale,
                "rank_override_reason": decision.rank_override_reason,
            },
        )
        recorded.append(decision)
    return recorded


def undecided(round_) -> list[Application]:
    return db.session.scalars(
        db.select(Application)
        .outerjoin(Decision, Decision.application_id == Application.id)
        .where(
            Application.round_id == round_.id,
            Application.status == ApplicationStatus.UNDER_REVIEW,
            Decision.id.is_(None),
        )
        .order_by(Application.reference)
    ).all()


@dataclass
class Applied:
    decisions: int
    projects: int


def apply_decisions(round_, *, actor, now: datetime | None = None) -> Applied:
    """Decisions take effect: every bid moves to its outcome, applicants and partners get their letters,
    each approved bid becomes a project, and the round is decided. Running it again does nothing more."""
    if not permissions.is_chair(actor):
        raise PermissionDenied("Only a steering group chair can decide.")
    now = now or utcnow()
    _lock_round(round_, bids=True)
    if round_.status == RoundStatus.DECIDED:
        return Applied(0, 0)
    if round_.status != RoundStatus.ASSESSING:
        raise DecisionError("Decisions take effect while the round is being assessed.")
    waiting = undecided(round_)
    if waiting:
        blocked = queries.no_chair_can_decide({bid.id for bid in waiting}, round_id=round_.id)
        no_chair = queries.no_chair_message(sorted(bid.reference for bid in waiting if bid.id in blocked))
        raise DecisionError(
            f"{len(waiting)} bid{'s' if len(waiting) != 1 else ''} still need{'s' if len(waiting) == 1 else ''} "
            f"a decision, starting with {waiting[0].reference}." + (f" {no_chair}" if no_chair else "")
        )
    assessments = queries.round_assessment(round_)
    effect = portfolio_effect(round_, assessments, current_outcomes(assessments))
    if effect.problem():
        raise DecisionError(effect.problem())
    pending = [a.decision for a in assessments if a.decision is not None and a.decision.effective_at is None]
    projects = 0
    for decision in sorted(pending, key=lambda d: d.application.reference):
        application = decision.application
        APPLICATION_WORKFLOW.move(
            application, ApplicationStatus(decision.outcome), actor=actor, decision_id=decision.id
        )
        decision.effective_at = now
        if decision.outcome == DecisionOutcome.APPROVED:
            create_project(application, decided_on=now.date(), actor=actor)
            projects += 1
        _send_letters(application, decision)
    ROUND_WORKFLOW.move(round_, RoundStatus.DECIDED, actor=actor, decisions=len(pending), projects=projects)
    return Applied(len(pending), projects)


@dataclass
class ReserveList:
    """A decided round's reserve list in rank order, the approved portfolio it could join, and the
    awards given up since the decisions (what freed budget and places), earliest first."""

    reserves: list
    effect: PortfolioEffect
    given_up: list


def reserves(round_) -> ReserveList:
    assessments = queries.round_assessment(round_)
    return ReserveList(
        reserves=[a for a in assessments if a.status == ApplicationStatus.RESERVE],
        effect=portfolio_effect(round_, assessments, current_outcomes(assessments)),
        given_up=sorted((a for a in assessments if a.given_up), key=lambda a: (a.given_up_at, a.reference)),
    )


def approve_reserve(
    round_,
    application_id: int,
    *,
    rationale: str,
    rank_override_reason: str = "",
    conditions: str = "",
    actor,
    now: datetime | None = None,
):
    """After the round's decisions have taken effect, a chair approves a bid from the reserve list into
    budget and places left: within the round's budget and places, the highest-ranked reserve first
    unless the chair says why not. The bid becomes a project and its applicant and partners are told,
    as if it had been approved with the rest (the reserve decision's feedback is not carried into the
    approval letter). Returns the project."""
    if not permissions.is_chair(actor):
        raise PermissionDenied("Only a steering group chair can decide.")
    now = now or utcnow()
    _lock_round(round_, bids=True)
    if round_.status != RoundStatus.DECIDED:
        raise DecisionError("Bids are approved from the reserve list once the round's decisions have taken effect.")
    assessments = queries.round_assessment(round_)
    by_id = {a.application_id: a for a in assessments}
    assessment = by_id.get(application_id)
    if assessment is None or assessment.application.status != ApplicationStatus.RESERVE or assessment.decision is None:
        raise DecisionError("Choose a bid that is on the reserve list", field="application_id")
    application = assessment.application
    if not permissions.can_moderate(actor, application, queries.conflicted_application_ids(actor)):
        raise PermissionDenied("You have declared a conflict of interest with this bid; another chair decides it.")
    if not rationale.strip():
        raise DecisionError("Give the reason for the decision", field="rationale")
    outcomes = {**current_outcomes(assessments), application_id: DecisionOutcome.APPROVED}
    effect = portfolio_effect(round_, assessments, outcomes)
    if effect.problem():
        raise DecisionError(effect.problem(), field="application_id")
    passed_over = [
        bid
        for bid in out_of_rank(assessments, outcomes, application_id)
        if by_id[bid.id].status == ApplicationStatus.RESERVE
    ]
    if passed_over and not (rank_override_reason or "").strip():
        names = ", ".join(bid.reference for bid in passed_over[:5])
        raise DecisionError(
            f"{application.reference} is ranked below {names} on the reserve list. Say why it should be approved "
            "ahead of them.",
            field="rank_override_reason",
        )
    decision = assessment.decision
    before = {
        "outcome": decision.outcome,
        "rationale": decision.rationale,
        "rank_override_reason": decision.rank_override_reason,
        "conditions": decision.conditions,
        "feedback_released": decision.feedback_released,
        "decided_by_id": decision.decided_by_id,
        "decided_at": decision.decided_at.isoformat() if decision.decided_at else None,
        "effective_at": decision.effective_at.isoformat() if decision.effective_at else None,
    }
    decision.outcome = DecisionOutcome.APPROVED
    decision.rationale = rationale.strip()
    decision.rank_override_reason = (rank_override_reason or "").strip() or None
    decision.conditions = (conditions or "").strip() or None
    decision.feedback_released = False  # feedback written for a reserve is not for the approval letter
    decision.decided_by_id, decision.decided_at, decision.effective_at = actor.id, now, now
    db.session.flush()
    audit.record(
        "decision.reserve_approved",
        decision,
        actor=actor,
        before=before,
        after={
            "application_id": application_id,
            "outcome": DecisionOutcome.APPROVED,
            "rationale": decision.rationale,
            "rank_override_reason": decision.rank_override_reason,
            "conditions": decision.conditions,
        },
    )
    APPLICATION_WORKFLOW.move(application, ApplicationStatus.APPROVED, actor=actor, decision_id=decision.id)
    project = create_project(application, decided_on=now.date(), actor=actor)
    _send_letters(application, decision, letter="from-reserve")
    return project


def _send_letters(application: Application, decision: Decision, letter: str = "") -> None:
    """The decision's letters to the lead applicant and confirmed partners: once each (``letter`` names
    a later one, a reserve bid approved, so that it is not taken for the first)."""
    context = {
        "reference": application.reference,
        "bid_title": application.display_title,
        "round_title": application.round.title,
        "lead_organisation": application.lead_organisation.name,
        "outcome": decision.outcome,
        "award": format_pence(application.amount_requested_pence or 0),
        "conditions": decision.conditions,
        "feedback": decision.feedback if decision.feedback_released else None,
        "application_id": application.id,
    }
    lead = application.lead_applicant
    recipients = [(lead.email, lead.name, lead, True)] + [
        (partner.contact_email, partner.contact_name, None, False)
        for partner in application.partners
        if partner.status == PartnerStatus.CONFIRMED
    ]
    for email, name, user, is_lead in recipients:
        queue_email(
            email,
            f"decision_{decision.outcome}",
            {**context, "name": name, "is_lead": is_lead},
            user=user,
            dedupe_key=f"decision:{application.id}:{letter + ':' if letter else ''}{email}",
        )
