"""The steering group's assessment of every bid under review or decided: three reviewers each, their
conflict declarations and scores against the rubric with a justification for each, and the chair's
decisions in the decided waves."""

from __future__ import annotations

from datetime import timedelta

from grants.applications.models import ApplicationStatus
from grants.demo.history import at
from grants.demo.programme import JUSTIFICATIONS
from grants.demo.scale.base import Bid, Scale
from grants.reviews import kept
from grants.reviews.models import ConflictDeclaration, Decision, ReviewAssignment, Score
from grants.rounds.models import RoundStatus

REVIEWERS_PER_BID = 3
FEEDBACK = {
    "approved": "A partnership with every sector at the table and a clear case for working as a system.",
    "reserve": "A strong bid that narrowly missed the funding line.",
    "rejected": "The steering group wanted to see more partners sharing ownership of the issue.",
}


def _third_reviewer(scale: Scale, bid: Bid) -> str:
    """The first two reviewers of every bid have scored it; the third may be behind, or conflicted."""
    draw = scale.rng.random()
    if bid.round.status == RoundStatus.ASSESSING:
        return (
            "conflicted"
            if draw < 0.04
            else "in_progress"
            if draw < 0.12
            else "assigned"
            if draw < 0.18
            else "submitted"
        )
    return "conflicted" if draw < 0.03 else "submitted"


def make_reviews(scale: Scale) -> None:
    reviewers, rng = scale.people["steering_member"], scale.rng
    assessed = [
        bid
        for bid in scale.bids
        if bid.status
        in (
            ApplicationStatus.UNDER_REVIEW,
            ApplicationStatus.APPROVED,
            ApplicationStatus.RESERVE,
            ApplicationStatus.REJECTED,
        )
    ]
    planned, rows = [], []
    for number, bid in enumerate(assessed):
        for seat in range(REVIEWERS_PER_BID):
            status = "submitted" if seat < 2 else _third_reviewer(scale, bid)
            assigned = at(bid.round.closes_at.date() + timedelta(days=rng.randint(2, 6)))
            submitted = assigned + timedelta(days=rng.randint(2, 20)) if status == "submitted" else None
            planned.append((bid, status, assigned))
            rows.append(
                {
                    "application_id": bid.id,
                    "reviewer_id": reviewers[(number + seat) % len(reviewers)],
                    "assigned_by_id": scale.person("programme_officer", number),
                    "due_on": bid.round.assessment_deadline - timedelta(days=7),
                    "status": status,
                    "submitted_at": submitted,
                    "look_again_note": None,
                    "look_again_requested_at": None,
                    "created_at": assigned,
                    "updated_at": submitted or assigned,
                }
            )
    ids = scale.writer.ids(ReviewAssignment, rows)
    _declarations(scale, planned, rows)
    _scores(scale, planned, ids)
    kept.repair()  # every bid's weighted score and spread, as the services would have kept them


def _declarations(scale: Scale, planned, rows) -> None:
    declarations = [
        {
            "application_id": row["application_id"],
            "reviewer_id": row["reviewer_id"],
            "has_conflict": status == "conflicted",
            "nature": "I was a trustee of a partner organisation until last year." if status == "conflicted" else None,
            "declared_at": assigned + timedelta(hours=20),
        }
        for (_, status, assigned), row in zip(planned, rows, strict=True)
        if status != "assigned"
    ]
    scale.writer.rows(ConflictDeclaration, declarations)


def _scores(scale: Scale, planned, ids) -> None:
    rng, rows = scale.rng, []
    for (bid, status, assigned), assignment_id in zip(planned, ids, strict=True):
        if status not in ("submitted", "in_progress"):
            continue
        for criterion_id, position in bid.round.criteria:
            level = min(1.0, max(0.0, bid.quality + rng.gauss(0, 0.15)))
            band = "high" if level > 0.7 else "low" if level < 0.4 else "middle"
            scored = status == "submitted" or rng.random() < 0.5
            rows.append(
                {
                    "assignment_id": assignment_id,
                    "criterion_id": criterion_id,
                    "value": round(level * 5) if scored else None,
                    "justification": JUSTIFICATIONS[band][(position - 1) % 6] if scored else "",
                    "updated_at": assigned + timedelta(days=1),
                }
            )
    scale.writer.rows(Score, rows)


def make_decisions(scale: Scale) -> None:
    chair, rows = scale.person("steering_chair"), []
    for bid in scale.bids:
        if bid.status not in FEEDBACK:
            continue
        decided_at = at(bid.round.closes_at.date() + timedelta(days=40), 15)
        bid.decided_on = decided_at.date()
        rows.append(
            {
                "application_id": bid.id,
                "outcome": bid.status,
                "rationale": f"Weighted score {bid.quality * 100:.0f} of 100; decided with the steering group.",
                "rank_override_reason": None,
                "conditions": None,
                "feedback": FEEDBACK[bid.status],
                "feedback_released": True,
                "decided_by_id": chair,
                "decided_at": decided_at,
                "effective_at": decided_at,
                "created_at": decided_at,
                "updated_at": decided_at,
            }
        )
    scale.writer.rows(Decision, rows)
