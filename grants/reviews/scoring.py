"""The arithmetic of assessment, kept apart from the database so it can be checked by hand.

The weighted score of a bid is out of 100: each criterion's mean score across its reviewers is placed
on its own scale (lowest = 0, highest = 1), weighted by the rubric, and the weighted average is
multiplied by 100. Criteria on different scales therefore count exactly as their weights say.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import fmean

DISAGREEMENT_SHARE = 0.4  # a range of 2 or more on a 0–5 criterion


@dataclass(frozen=True)
class Criterion:
    id: int
    weight: int
    scale_min: int
    scale_max: int


@dataclass(frozen=True)
class Spread:
    mean: float
    lowest: int
    highest: int
    count: int

    @property
    def range(self) -> int:
        return self.highest - self.lowest


def spreads(values_by_criterion: dict[int, list[int]]) -> dict[int, Spread]:
    return {
        criterion_id: Spread(fmean(values), min(values), max(values), len(values))
        for criterion_id, values in values_by_criterion.items()
        if values
    }


def group_scores(scores: Iterable[tuple[int, int]]) -> dict[int, list[int]]:
    """(criterion id, value) pairs → values by criterion."""
    grouped: dict[int, list[int]] = defaultdict(list)
    for criterion_id, value in scores:
        grouped[criterion_id].append(value)
    return dict(grouped)


def weighted_score(criteria: list[Criterion], means: dict[int, float]) -> float | None:
    """Out of 100; None until every criterion has at least one score."""
    if not criteria or any(criterion.id not in means for criterion in criteria):
        return None
    total_weight = sum(criterion.weight for criterion in criteria)
    weighted = sum(
        criterion.weight * (means[criterion.id] - criterion.scale_min) / (criterion.scale_max - criterion.scale_min)
        for criterion in criteria
    )
    return round(100 * weighted / total_weight, 2)


def disagrees(spread: Spread, criterion: Criterion) -> bool:
    """Reviewers disagree when their scores span 40% or more of the criterion's scale."""
    return spread.count > 1 and spread.range >= DISAGREEMENT_SHARE * (criterion.scale_max - criterion.scale_min)


# --- What each point of a scale means ----------------------------------------------------------------

# The rubric has no words of its own for each level, so every criterion shares these, from the bottom of
# its scale to the top.
LEVELS = (
    ("No evidence", "The bid does not address this."),
    ("Weak", "Little evidence, with serious gaps or concerns."),
    ("Limited", "Some evidence, with significant gaps."),
    ("Adequate", "Meets this, with some gaps."),
    ("Good", "Meets this well, with minor gaps."),
    ("Excellent", "Meets this fully, with strong evidence."),
)


@dataclass(frozen=True)
class ScalePoint:
    value: int
    word: str
    meaning: str


def scale_meanings(scale_min: int, scale_max: int) -> list[ScalePoint]:
    """Each point of a criterion's scale with what it means: the lowest is "No evidence", the highest
    "Excellent", and the points between take the levels between in proportion (a 0–5 scale uses each once)."""
    top = len(LEVELS) - 1
    points = []
    for value in range(scale_min, scale_max + 1):
        level = int(top * (value - scale_min) / (scale_max - scale_min) + 0.5)
        points.append(ScalePoint(value, *LEVELS[level]))
    return points
