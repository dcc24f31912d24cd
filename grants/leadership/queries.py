"""What the self-assessments say: each participant's score per domain (the mean of its behaviours),
and the change from baseline to final on the same people.

The change is computed on *pairs* only: participants who answered both the baseline and the final
self-assessment. Someone who answered only one is not compared with anyone. Groups smaller than
``MIN_GROUP`` are shown to programme staff only, so that no one's answers can be picked out."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from grants.extensions import db
from grants.leadership.models import (
    STAGES,
    AssessmentInvitation,
    AssessmentResponse,
    AssessmentScore,
    LeadershipBehaviour,
    LeadershipDomain,
    Participant,
)

MIN_GROUP = 5


def domain_scores(project_ids: list[int]) -> dict[tuple[int, str], dict[str, float]]:
    """(participant id, stage) → {domain name: mean of its behaviours}: one query, however many answers."""
    if not project_ids:
        return {}
    rows = db.session.execute(
        db.select(
            AssessmentResponse.participant_id,
            AssessmentResponse.stage,
            LeadershipDomain.name,
            db.func.avg(AssessmentScore.value),
        )
        .join(Participant, Participant.id == AssessmentResponse.participant_id)
        .join(AssessmentScore, AssessmentScore.response_id == AssessmentResponse.id)
        .join(LeadershipBehaviour, LeadershipBehaviour.id == AssessmentScore.behaviour_id)
        .join(LeadershipDomain, LeadershipDomain.id == LeadershipBehaviour.domain_id)
        .where(Participant.project_id.in_(project_ids))
        .group_by(AssessmentResponse.participant_id, AssessmentResponse.stage, LeadershipDomain.name)
    ).all()
    scores: dict[tuple[int, str], dict[str, float]] = defaultdict(dict)
    for participant_id, stage, domain, mean in rows:
        scores[(participant_id, stage)][domain] = float(mean)
    return scores


@dataclass(frozen=True)
class DomainChange:
    domain: str
    pairs: int
    baseline: float
    final: float

    @property
    def change(self) -> float:
        return self.final - self.baseline


def paired_change(scores: dict[tuple[int, str], dict[str, float]], domains: list[str]) -> list[DomainChange]:
    """For each domain, over the participants with both a baseline and a final score for it: the mean
    baseline, the mean final and so the mean change."""
    participants = {participant for participant, _ in scores}
    changes = []
    for domain in domains:
        pairs = [
            (scores[(p, "baseline")][domain], scores[(p, "final")][domain])
            for p in sorted(participants)
            if domain in scores.get((p, "baseline"), {}) and domain in scores.get((p, "final"), {})
        ]
        if pairs:
            changes.append(
                DomainChange(
                    domain=domain,
                    pairs=len(pairs),
                    baseline=sum(b for b, _ in pairs) / len(pairs),
                    final=sum(f for _, f in pairs) / len(pairs),
                )
            )
    return changes


def respondents(scores: dict[tuple[int, str], dict[str, float]]) -> dict[str, int]:
    counts = dict.fromkeys(STAGES, 0)
    for _, stage in scores:
        counts[stage] += 1
    return counts


def pairs_count(scores: dict[tuple[int, str], dict[str, float]]) -> int:
    participants = {participant for participant, _ in scores}
    return sum(1 for p in participants if (p, "baseline") in scores and (p, "final") in scores)


def participants_of(project_id: int) -> list[Participant]:
    return db.session.scalars(
        db.select(Participant).where(Participant.project_id == project_id).order_by(Participant.name, Participant.id)
    ).all()


def stages_of(participant_ids: list[int]) -> dict[int, dict[str, str]]:
    """Participant id → {stage: "answered" | "invited"}: two queries."""
    found: dict[int, dict[str, str]] = {participant_id: {} for participant_id in participant_ids}
    if not participant_ids:
        return found
    for participant_id, stage in db.session.execute(
        db.select(AssessmentInvitation.participant_id, AssessmentInvitation.stage).where(
            AssessmentInvitation.participant_id.in_(participant_ids)
        )
    ):
        found[participant_id][stage] = "invited"
    for participant_id, stage in db.session.execute(
        db.select(AssessmentResponse.participant_id, AssessmentResponse.stage).where(
            AssessmentResponse.participant_id.in_(participant_ids)
        )
    ):
        found[participant_id][stage] = "answered"
    return found


def chart_rows(changes: list[DomainChange]) -> list[dict]:
    """Bars on the 1–5 scale for the template: baseline and final for each domain."""
    left, width = 260, 340

    def x_of(score: float) -> float:
        return left + (score - 1) / 4 * width

    return [
        {
            "domain": change.domain,
            "y": 30 + index * 56,
            "baseline_width": x_of(change.baseline) - left,
            "final_width": x_of(change.final) - left,
            "change": change,
        }
        for index, change in enumerate(changes)
    ]
