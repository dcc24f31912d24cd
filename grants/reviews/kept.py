"""Each bid's weighted score and spread, kept (``BidScore``) as the scores that count change: a review
submitted or revised, a reviewer's scores leaving the result (a conflict declared after scoring, the
reviewer taken off the bid). The services that make those changes call ``keep_bid_scores`` in the same
transaction; ``check`` and ``repair`` recompute every bid from scratch (``flask figures check``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy.dialects import postgresql, sqlite

from grants.applications.models import Application
from grants.core.db import utcnow
from grants.extensions import db
from grants.reviews import scoring
from grants.reviews.models import AssignmentStatus, BidScore, ReviewAssignment, Score
from grants.rounds.models import RubricCriterion

NAME = "bid scores"


@dataclass(frozen=True)
class BidFigures:
    weighted: float | None = None
    disagreements: int = 0
    spread: dict[str, list[int]] = field(default_factory=dict)  # as kept: criterion id (str) → [sum, count, lo, hi]

    def describe(self) -> str:
        score = "not fully scored" if self.weighted is None else f"{self.weighted}"
        reviews = max((count for _, count, _, _ in self.spread.values()), default=0)
        return f"{score}, {self.disagreements} disagreeing, {len(self.spread)} criteria scored by up to {reviews}"


NONE_COUNTED = BidFigures()


def recomputed(condition) -> dict[int, BidFigures]:
    """From the scores themselves, for the bids matching ``condition`` (on ``Application``) that have a
    score counting: two queries, whatever their number."""
    values = Score.value
    totals: dict[int, dict[int, tuple[int, int, int, int]]] = defaultdict(dict)
    rounds: dict[int, int] = {}
    for application_id, round_id, criterion_id, total, count, lowest, highest in db.session.execute(
        db.select(
            ReviewAssignment.application_id,
            Application.round_id,
            Score.criterion_id,
            db.func.sum(values),
            db.func.count(values),
            db.func.min(values),
            db.func.max(values),
        )
        .join(Score, Score.assignment_id == ReviewAssignment.id)
        .join(Application, Application.id == ReviewAssignment.application_id)
        .where(condition, ReviewAssignment.status == AssignmentStatus.SUBMITTED, values.is_not(None))
        .group_by(ReviewAssignment.application_id, Application.round_id, Score.criterion_id)
    ):
        totals[application_id][criterion_id] = (int(total), count, lowest, highest)
        rounds[application_id] = round_id
    criteria = _criteria(set(rounds.values()))
    return {
        application_id: _figures(criteria.get(rounds[application_id], []), scores)
        for application_id, scores in totals.items()
    }


def _criteria(round_ids: set[int]) -> dict[int, list[scoring.Criterion]]:
    by_round: dict[int, list[scoring.Criterion]] = defaultdict(list)
    if round_ids:
        for row in db.session.execute(
            db.select(
                RubricCriterion.round_id,
                RubricCriterion.id,
                RubricCriterion.weight,
                RubricCriterion.scale_min,
                RubricCriterion.scale_max,
            )
            .where(RubricCriterion.round_id.in_(round_ids))
            .order_by(RubricCriterion.position, RubricCriterion.id)
        ):
            by_round[row.round_id].append(scoring.Criterion(row.id, row.weight, row.scale_min, row.scale_max))
    return by_round


def _figures(criteria: list[scoring.Criterion], scores: dict[int, tuple[int, int, int, int]]) -> BidFigures:
    """The weighted score from each criterion's mean (the sum over the count is what ``fmean`` gives for
    whole numbers), and the criteria on which the reviewers disagree (``scoring.disagrees``)."""
    means = {criterion_id: total / count for criterion_id, (total, count, _, _) in scores.items()}
    by_id = {criterion.id: criterion for criterion in criteria}
    disagreeing = sum(
        1
        for criterion_id, (total, count, lowest, highest) in scores.items()
        if criterion_id in by_id
        and scoring.disagrees(scoring.Spread(total / count, lowest, highest, count), by_id[criterion_id])
    )
    return BidFigures(
        scoring.weighted_score(criteria, means),
        disagreeing,
        {str(criterion_id): list(figures) for criterion_id, figures in sorted(scores.items())},
    )


def kept(condition=None) -> dict[int, BidFigures]:
    """The figures as kept, for the bids matching ``condition`` (every bid's if None)."""
    statement = db.select(BidScore.application_id, BidScore.weighted, BidScore.disagreements, BidScore.spread)
    if condition is not None:
        statement = statement.join(Application, Application.id == BidScore.application_id).where(condition)
    return {
        row.application_id: BidFigures(row.weighted, row.disagreements, dict(row.spread or {}))
        for row in db.session.execute(statement)
    }


def keep_bid_scores(application_id: int) -> None:
    """Recompute one bid's figures and keep them. The bid's row is locked first, so that of two reviewers
    submitting at once the second waits, then adds up the scores with the first one's committed."""
    db.session.flush()
    _lock(application_id)
    figures = recomputed(Application.id == application_id).get(application_id, NONE_COUNTED)
    _write(application_id, figures)


def keep_round_scores(round_id: int) -> int:
    """Recompute every bid of a round and keep the figures (for data written without the services: the
    demo programme, programme-scale seeding). Answers how many bids' figures changed."""
    db.session.flush()
    return _put(kept(Application.round_id == round_id), recomputed(Application.round_id == round_id))


def check() -> list[str]:
    """Every bid whose kept figures differ from a recomputation from scratch, described for a person."""
    differing = _differing(kept(), recomputed(db.true()))
    references = {
        application_id: reference
        for application_id, reference in db.session.execute(
            db.select(Application.id, Application.reference).where(Application.id.in_(list(differing)))
        )
    }
    return [
        f"{references.get(application_id) or f'bid {application_id}'}: kept {was.describe()}; is {now.describe()}"
        for application_id, (was, now) in sorted(differing.items())
    ]


def repair() -> int:
    """Write the recomputed figures of every bid whose kept ones differ; answers how many."""
    db.session.flush()
    return _put(kept(), recomputed(db.true()))


def _differing(was: dict[int, BidFigures], now: dict[int, BidFigures]) -> dict[int, tuple[BidFigures, BidFigures]]:
    return {
        application_id: (was.get(application_id, NONE_COUNTED), now.get(application_id, NONE_COUNTED))
        for application_id in sorted(set(was) | set(now))
        if was.get(application_id, NONE_COUNTED) != now.get(application_id, NONE_COUNTED)
    }


def _put(was: dict[int, BidFigures], now: dict[int, BidFigures]) -> int:
    """Keep the figures of the bids that differ, recomputed once their rows are locked: a review submitted
    after ``now`` was read (and kept by its own transaction) is counted, never written over."""
    differing = sorted(_differing(was, now))
    for start in range(0, len(differing), _AT_ONCE):
        some = differing[start : start + _AT_ONCE]
        _lock_all(some)
        fresh = recomputed(Application.id.in_(some))
        for application_id in some:
            _write(application_id, fresh.get(application_id, NONE_COUNTED))
    return len(differing)


_AT_ONCE = 500  # bids locked and recomputed together: well within any database's limit of parameters


def _lock(application_id: int) -> None:
    """The bid's row, made if it is missing (by this transaction or, a moment ago, another), then locked."""
    _lock_all([application_id])


def _lock_all(application_ids: list[int]) -> None:
    """These bids' rows, made where missing, then locked (in the order given: sorted, by every caller of
    more than one, so that two never wait for each other)."""
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    now = utcnow()
    db.session.execute(
        insert(BidScore)
        .values(
            [
                {"application_id": application_id, "disagreements": 0, "spread": {}, "updated_at": now}
                for application_id in application_ids
            ]
        )
        .on_conflict_do_nothing(index_elements=[BidScore.application_id])
    )
    db.session.execute(
        db.select(BidScore.application_id)
        .where(BidScore.application_id.in_(application_ids))
        .order_by(BidScore.application_id)
        .with_for_update()
    )


def _write(application_id: int, figures: BidFigures) -> None:
    db.session.execute(
        db.update(BidScore)
        .where(BidScore.application_id == application_id)
        .values(weighted=figures.weighted, disagreements=figures.disagreements, spread=figures.spread)
        .execution_options(synchronize_session=False)
    )
