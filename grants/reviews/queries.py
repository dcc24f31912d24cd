"""Reading assessment: each page loads in a fixed number of queries, however many bids a round has."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy.orm import lazyload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from grants.applications.models import Application, application_themes
from grants.directory.models import Theme
from grants.extensions import db
from grants.reviews import scoring
from grants.reviews.models import ConflictDeclaration, Decision, ReviewAssignment, Score
from grants.rounds.models import Round

ASSESSED_STATES = ("submitted", "under_review", "approved", "reserve", "rejected")


@dataclass
class BidAssessment:
    application: Application
    weighted: float | None = None
    spreads: dict[int, scoring.Spread] = field(default_factory=dict)
    disagreements: list[int] = field(default_factory=list)
    submitted: int = 0
    active: int = 0
    decision: Decision | None = None
    rank: int | None = None
    running_total_pence: int = 0


def criteria_of(round_: Round) -> list[scoring.Criterion]:
    return [scoring.Criterion(c.id, c.weight, c.scale_min, c.scale_max) for c in round_.criteria]


def round_assessment(round_: Round) -> list[BidAssessment]:
    """Every bid under assessment in the round, with its weighted score, spread and decision, ranked
    by weighted score (bids not yet fully scored last), with the running total of cost in that order."""
    in_round = db.and_(Application.round_id == round_.id, Application.status.in_(ASSESSED_STATES))
    bids = db.session.scalars(
        db.select(Application).where(in_round).options(lazyload(Application.themes)).order_by(Application.reference)
    ).all()
    _load_themes(bids, in_round)
    assessments = {bid.id: BidAssessment(bid) for bid in bids}
    values: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for application_id, criterion_id, value in db.session.execute(
        db.select(ReviewAssignment.application_id, Score.criterion_id, Score.value)
        .join(Score.assignment)
        .join(Application, Application.id == ReviewAssignment.application_id)
        .where(Application.round_id == round_.id, ReviewAssignment.status == "submitted", Score.value.is_not(None))
    ):
        values[application_id][criterion_id].append(value)
    for application_id, status, number in db.session.execute(
        db.select(ReviewAssignment.application_id, ReviewAssignment.status, db.func.count())
        .join(Application, Application.id == ReviewAssignment.application_id)
        .where(Application.round_id == round_.id)
        .group_by(ReviewAssignment.application_id, ReviewAssignment.status)
    ):
        if application_id in assessments:
            if status == "submitted":
                assessments[application_id].submitted += number
            if status in {"assigned", "in_progress", "submitted"}:
                assessments[application_id].active += number
    for decision in db.session.scalars(
        db.select(Decision).join(Decision.application).where(Application.round_id == round_.id)
    ):
        if decision.application_id in assessments:
            assessments[decision.application_id].decision = decision
    criteria = criteria_of(round_)
    by_id = {criterion.id: criterion for criterion in criteria}
    for application_id, assessment in assessments.items():
        assessment.spreads = scoring.spreads(values.get(application_id, {}))
        means = {criterion_id: spread.mean for criterion_id, spread in assessment.spreads.items()}
        assessment.weighted = scoring.weighted_score(criteria, means)
        assessment.disagreements = [
            criterion_id
            for criterion_id, spread in assessment.spreads.items()
            if criterion_id in by_id and scoring.disagrees(spread, by_id[criterion_id])
        ]
    return rank(list(assessments.values()))


def _load_themes(bids: list[Application], condition) -> None:
    """Every bid's themes in one query (a selectin load would take one more for each 500 bids)."""
    themes: dict[int, list[Theme]] = defaultdict(list)
    for application_id, theme in db.session.execute(
        db.select(application_themes.c.application_id, Theme)
        .join(Theme, Theme.id == application_themes.c.theme_id)
        .join(Application, Application.id == application_themes.c.application_id)
        .where(condition)
        .order_by(Theme.name)
    ):
        themes[application_id].append(theme)
    for bid in bids:
        set_committed_value(bid, "themes", themes.get(bid.id, []))


def rank(assessments: list[BidAssessment]) -> list[BidAssessment]:
    ordered = sorted(
        assessments,
        key=lambda a: (a.weighted is None, -(a.weighted or 0), a.application.reference or ""),
    )
    total = 0
    for position, assessment in enumerate(ordered, start=1):
        total += assessment.application.amount_requested_pence or 0
        assessment.rank = position if assessment.weighted is not None else None
        assessment.running_total_pence = total
    return ordered


def conflicted_application_ids(user) -> set[int]:
    """Bids this person must not see or decide: those they declared a conflict with, and those their
    own organisation leads or is a partner in."""
    from grants.applications.models import Partner

    ids = set(
        db.session.scalars(
            db.select(ConflictDeclaration.application_id).where(
                ConflictDeclaration.reviewer_id == user.id, ConflictDeclaration.has_conflict.is_(True)
            )
        )
    )
    if user.organisation_id is not None:
        ids |= set(
            db.session.scalars(
                db.select(Application.id).where(Application.lead_organisation_id == user.organisation_id)
            )
        )
        ids |= set(
            db.session.scalars(db.select(Partner.application_id).where(Partner.organisation_id == user.organisation_id))
        )
    return ids


def assignments_of_bid(application_id: int) -> list[ReviewAssignment]:
    return db.session.scalars(
        db.select(ReviewAssignment)
        .where(ReviewAssignment.application_id == application_id)
        .options(selectinload(ReviewAssignment.scores))
        .order_by(ReviewAssignment.id)
    ).all()


def reviewer_assignments(user_id: int) -> list[ReviewAssignment]:
    """A reviewer's bids: the ones they can still act on first, soonest due first."""
    return db.session.scalars(
        db.select(ReviewAssignment)
        .where(ReviewAssignment.reviewer_id == user_id, ReviewAssignment.status != "withdrawn")
        .order_by(
            (ReviewAssignment.status.in_(["submitted", "conflicted"])).asc(),
            ReviewAssignment.due_on,
            ReviewAssignment.id,
        )
    ).all()


def round_assignments(round_id: int) -> dict[int, list[ReviewAssignment]]:
    """Every assignment in the round, by bid."""
    grouped: dict[int, list[ReviewAssignment]] = defaultdict(list)
    for assignment in db.session.scalars(
        db.select(ReviewAssignment)
        .join(Application, Application.id == ReviewAssignment.application_id)
        .where(Application.round_id == round_id)
        .order_by(ReviewAssignment.id)
    ):
        grouped[assignment.application_id].append(assignment)
    return grouped


def selected_balance(assessments: list[BidAssessment]) -> dict[str, dict[str, int]]:
    """The approved set by place, theme and lead organisation sector."""
    balance: dict[str, dict[str, int]] = {
        "place": defaultdict(int),
        "theme": defaultdict(int),
        "sector": defaultdict(int),
    }
    for assessment in assessments:
        if assessment.decision is None or assessment.decision.outcome != "approved":
            continue
        application = assessment.application
        balance["place"][application.place.name if application.place else "No place given"] += 1
        for theme in application.themes:
            balance["theme"][theme.name] += 1
        balance["sector"][application.lead_organisation.sector_label] += 1
    return {key: dict(sorted(counts.items(), key=lambda item: (-item[1], item[0]))) for key, counts in balance.items()}


def decision_in_effect(application_id: int) -> Decision | None:
    """The decision the applicant may see: only once it has taken effect."""
    return db.session.scalar(
        db.select(Decision).where(Decision.application_id == application_id, Decision.effective_at.is_not(None))
    )
