"""What the self-assessments say: each participant's score per domain (the mean of its behaviours),
and the change from baseline to final on the same people.

The change is computed on *pairs* only: participants who answered both the baseline and the final
self-assessment. Someone who answered only one is not compared with anyone. Groups smaller than
``MIN_GROUP`` are shown to programme staff only, so that no one's answers can be picked out.

Beyond programme staff, a project's answers count only once their stage is closed (``StageClosure``):
a closed stage takes no more answers, so its results never change, and no one can work out a late
participant's answers by comparing the results before and after they answered."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime

from grants.extensions import db
from grants.leadership.models import (
    STAGES,
    AssessmentInvitation,
    AssessmentResponse,
    AssessmentScore,
    LeadershipBehaviour,
    LeadershipDomain,
    LeadershipFramework,
    Participant,
    ProjectDomainShift,
    ProjectShiftCounts,
    StageClosure,
)

MIN_GROUP = 5


def domain_scores(project_ids, *, closed_only: bool = False) -> dict[tuple[int, str], dict[str, float]]:
    """(participant id, stage) → {domain name: mean of its behaviours}: one query, however many answers.
    ``project_ids``: a list of ids, or a select of them (for many projects). ``closed_only``: only the
    answers of stages their project has closed, as anyone but programme staff sees them."""
    if isinstance(project_ids, list) and not project_ids:
        return {}
    rows = db.session.execute(domain_means(project_ids, closed_only=closed_only)).all()
    scores: dict[tuple[int, str], dict[str, float]] = defaultdict(dict)
    for _, participant_id, stage, domain, mean in rows:
        scores[(participant_id, stage)][domain] = float(mean)
    return scores


def domain_means(project_ids, *, closed_only: bool):
    """(project id, participant id, stage, domain name, mean of its behaviours) for each answer given."""
    statement = (
        db.select(
            Participant.project_id,
            AssessmentResponse.participant_id,
            AssessmentResponse.stage,
            LeadershipDomain.name.label("domain"),
            db.func.avg(AssessmentScore.value).label("mean"),
        )
        .join(Participant, Participant.id == AssessmentResponse.participant_id)
        .join(AssessmentScore, AssessmentScore.response_id == AssessmentResponse.id)
        .join(LeadershipBehaviour, LeadershipBehaviour.id == AssessmentScore.behaviour_id)
        .join(LeadershipDomain, LeadershipDomain.id == LeadershipBehaviour.domain_id)
        .where(Participant.project_id.in_(project_ids))
        .group_by(
            Participant.project_id, AssessmentResponse.participant_id, AssessmentResponse.stage, LeadershipDomain.name
        )
    )
    if closed_only:
        statement = statement.join(
            StageClosure,
            (StageClosure.project_id == Participant.project_id) & (StageClosure.stage == AssessmentResponse.stage),
        )
    return statement


def shift(project_ids, *, closed_only: bool = False, shown_alone: bool = False) -> dict:
    """The baseline-to-final shift over many projects, added up by the database from each project's kept
    figures (``grants.leadership.kept``): what ``pairs_count``, ``respondents`` and ``paired_change``
    give on ``domain_scores`` (and, with ``shown_alone``, on ``from_projects_shown_alone`` of them), in
    one query however many answers there are. ``{"pairs": n, "respondents": {stage: n}, "changes":
    [DomainChange fields]}``, the domains in the current framework's order, then those of earlier
    versions by name. ``project_ids`` as for ``domain_scores``; ``closed_only`` likewise (a stage's
    answers count once it is closed; pairs and changes once both the start and the end are);
    ``shown_alone``: only projects where at least ``MIN_GROUP`` people answered at both the start and
    the end."""
    counted = ProjectShiftCounts
    both_closed = _closed(counted.project_id, "baseline") & _closed(counted.project_id, "final")
    pairs = db.case((both_closed, counted.pairs), else_=0) if closed_only else counted.pairs
    shown = [counted.project_id.in_(project_ids)] + ([pairs >= MIN_GROUP] if shown_alone else [])
    counts = (
        db.select(
            *(
                db.func.coalesce(db.func.sum(_answered(counted, stage, closed_only)), 0).label(f"answered_{stage}")
                for stage in STAGES
            ),
            db.func.coalesce(db.func.sum(pairs), 0).label("pairs"),
        )
        .where(*shown)
        .subquery()
    )
    changes = _domain_changes(db.select(counted.project_id).where(*shown, pairs > 0)).subquery()
    rows = db.session.execute(
        db.select(counts, changes)
        .select_from(counts.outerjoin(changes, db.true()))
        .order_by(changes.c.position, changes.c.domain)
    ).all()
    first = rows[0]._mapping
    return {
        "pairs": int(first["pairs"]),
        "respondents": {stage: int(first[f"answered_{stage}"]) for stage in STAGES},
        "changes": [
            asdict(DomainChange(row.domain, int(row.compared), row.baseline / row.compared, row.final / row.compared))
            for row in rows
            if row.domain is not None
        ],
    }


def _closed(project_id, stage: str):
    return db.select(StageClosure.id).where(StageClosure.project_id == project_id, StageClosure.stage == stage).exists()


def _answered(counted, stage: str, closed_only: bool):
    answered = getattr(counted, f"answered_{stage}")
    return db.case((_closed(counted.project_id, stage), answered), else_=0) if closed_only else answered


def _domain_changes(projects):
    """For each domain answered at both the start and the end by someone in ``projects`` (a select of
    ids): how many such people, the sums of their scores at the start and at the end; the current
    framework's domains first, in its order."""
    kept = ProjectDomainShift
    position = (
        db.select(db.func.min(LeadershipDomain.position))
        .join(LeadershipFramework, LeadershipFramework.id == LeadershipDomain.framework_id)
        .where(LeadershipFramework.is_current.is_(True), LeadershipDomain.name == kept.domain)
        .scalar_subquery()
    )
    return (
        db.select(
            kept.domain,
            db.func.sum(kept.compared).label("compared"),
            db.func.sum(kept.baseline_sum).label("baseline"),
            db.func.sum(kept.final_sum).label("final"),
            db.func.coalesce(position, 1_000_000).label("position"),
        )
        .where(kept.project_id.in_(projects))
        .group_by(kept.domain)
    )


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


def domain_order(framework_domains: list[str], scores: dict[tuple[int, str], dict[str, float]]) -> list[str]:
    """The current framework's domains in its order, then those of earlier versions that were answered."""
    domains = list(framework_domains)
    for by_domain in scores.values():
        domains += [name for name in by_domain if name not in domains]
    return domains


def visible_changes(changes: list[DomainChange], pairs: int, *, staff: bool) -> tuple[bool, list[DomainChange]]:
    """The small-numbers rule: (whether the results are shown, the domains shown). Programme staff see
    everything; anyone else sees nothing below ``MIN_GROUP`` pairs, and no domain with fewer."""
    shown = staff or pairs >= MIN_GROUP
    if shown and not staff:
        changes = [change for change in changes if change.pairs >= MIN_GROUP]
    return shown, changes


def closed_stages(project_ids) -> dict[int, dict[str, datetime]]:
    """Project id → {stage: when it was closed}, for each project asked about (one query). ``project_ids``
    as for ``domain_scores``."""
    found: dict[int, dict[str, datetime]] = defaultdict(dict)
    if isinstance(project_ids, list):
        found.update({project_id: {} for project_id in project_ids})
        if not project_ids:
            return found
    for project_id, stage, closed_at in db.session.execute(
        db.select(StageClosure.project_id, StageClosure.stage, StageClosure.closed_at).where(
            StageClosure.project_id.in_(project_ids)
        )
    ):
        found[project_id][stage] = closed_at
    return found


def only_closed(
    scores: dict[tuple[int, str], dict[str, float]], projects_of: dict[int, int], closed: dict[int, dict[str, datetime]]
) -> dict[tuple[int, str], dict[str, float]]:
    """The answers of closed stages only: what anyone but programme staff may see."""
    return {key: value for key, value in scores.items() if key[1] in closed.get(projects_of.get(key[0], -1), {})}


def results_still_open(closed: dict[str, datetime]) -> bool:
    """Whether a project's change from the start to the end may still change: either stage is open."""
    return not ("baseline" in closed and "final" in closed)


def participant_projects(project_ids) -> dict[int, int]:
    """Participant id → their project's id: one query. ``project_ids`` as for ``domain_scores``."""
    if isinstance(project_ids, list) and not project_ids:
        return {}
    return dict(
        db.session.execute(
            db.select(Participant.id, Participant.project_id).where(Participant.project_id.in_(project_ids))
        ).all()
    )


def pairs_by_project(
    scores: dict[tuple[int, str], dict[str, float]], projects_of: dict[int, int], project_ids: list[int]
) -> dict[int, int]:
    """Project id → how many of its participants answered at both the start and the end."""
    counts = dict.fromkeys(project_ids, 0)
    for participant_id in {participant for participant, _ in scores}:
        if (participant_id, "baseline") in scores and (participant_id, "final") in scores:
            counts[projects_of[participant_id]] += 1
    return counts


def from_projects_shown_alone(
    scores: dict[tuple[int, str], dict[str, float]], projects_of: dict[int, int], pairs: dict[int, int]
) -> dict[tuple[int, str], dict[str, float]]:
    """Only the answers of projects big enough to be shown on their own: otherwise a group's figures
    less a shown project's would give away a small project's answers. For anyone but programme staff."""
    shown = {project_id for project_id, count in pairs.items() if count >= MIN_GROUP}
    return {key: value for key, value in scores.items() if projects_of.get(key[0]) in shown}


def participants_of(project_id: int) -> list[Participant]:
    return db.session.scalars(
        db.select(Participant).where(Participant.project_id == project_id).order_by(Participant.name, Participant.id)
    ).all()


@dataclass(frozen=True)
class StageCount:
    invited: int
    answered: int


def stage_counts(project_id: int) -> dict[str, StageCount]:
    """Stage → how many of the project's participants were invited to it and how many answered: one query."""
    rows = db.session.execute(
        db.select(
            AssessmentInvitation.stage,
            db.func.count(AssessmentInvitation.id),
            db.func.count(AssessmentResponse.id),
        )
        .join(Participant, Participant.id == AssessmentInvitation.participant_id)
        .outerjoin(
            AssessmentResponse,
            (AssessmentResponse.participant_id == AssessmentInvitation.participant_id)
            & (AssessmentResponse.stage == AssessmentInvitation.stage),
        )
        .where(Participant.project_id == project_id)
        .group_by(AssessmentInvitation.stage)
    ).all()
    counts = {stage: StageCount(0, 0) for stage in STAGES}
    for stage, invited, answered_count in rows:
        counts[stage] = StageCount(invited, answered_count)
    return counts


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
