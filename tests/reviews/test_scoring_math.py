"""The weighted score, checked by hand and by property."""

import random

from hypothesis import given
from hypothesis import strategies as st

from grants.reviews.scoring import Criterion, Spread, disagrees, group_scores, spreads, weighted_score

RUBRIC = [Criterion(1, 60, 0, 5), Criterion(2, 40, 0, 5)]


def test_a_weighted_score_by_hand():
    # Reviewers gave criterion 1: 4, 5, 3 (mean 4) and criterion 2: 2, 3 (mean 2.5).
    means = {
        criterion: spread.mean
        for criterion, spread in spreads(group_scores([(1, 4), (1, 5), (1, 3), (2, 2), (2, 3)])).items()
    }
    # 100 × (60 × 4/5 + 40 × 2.5/5) / 100 = 48 + 20 = 68
    assert weighted_score(RUBRIC, means) == 68.0


def test_criteria_on_different_scales_count_as_their_weights_say():
    rubric = [Criterion(1, 1, 0, 5), Criterion(2, 1, 1, 10)]
    # 0–5 criterion at its top (1.0), 1–10 criterion at its bottom (0.0): halfway overall.
    assert weighted_score(rubric, {1: 5, 2: 1}) == 50.0


def test_no_score_until_every_criterion_has_one():
    assert weighted_score(RUBRIC, {1: 4}) is None
    assert weighted_score([], {}) is None


def test_disagreement_is_a_range_of_two_on_a_zero_to_five_scale():
    criterion = Criterion(1, 1, 0, 5)
    assert disagrees(Spread(mean=3, lowest=2, highest=4, count=2), criterion)
    assert not disagrees(Spread(mean=3.5, lowest=3, highest=4, count=2), criterion)
    assert not disagrees(Spread(mean=1, lowest=1, highest=1, count=1), criterion)


@st.composite
def rubric_and_scores(draw):
    count = draw(st.integers(min_value=1, max_value=6))
    criteria = []
    for number in range(1, count + 1):
        low = draw(st.integers(min_value=0, max_value=3))
        high = draw(st.integers(min_value=low + 1, max_value=10))
        criteria.append(Criterion(number, draw(st.integers(min_value=1, max_value=100)), low, high))
    scores = [
        (criterion.id, draw(st.integers(min_value=criterion.scale_min, max_value=criterion.scale_max)))
        for criterion in criteria
        for _ in range(draw(st.integers(min_value=1, max_value=5)))
    ]
    return criteria, scores


def score_of(criteria, scores):
    return weighted_score(criteria, {c: s.mean for c, s in spreads(group_scores(scores)).items()})


@given(rubric_and_scores())
def test_the_weighted_score_stays_within_the_scale(case):
    criteria, scores = case
    result = score_of(criteria, scores)
    assert result is not None and 0 <= result <= 100


@given(rubric_and_scores(), st.randoms(use_true_random=False))
def test_the_weighted_score_does_not_depend_on_the_order_scores_arrive(case, shuffler: random.Random):
    criteria, scores = case
    shuffled = list(scores)
    shuffler.shuffle(shuffled)
    assert score_of(criteria, shuffled) == score_of(criteria, scores)


@given(rubric_and_scores())
def test_all_top_scores_make_100_and_all_bottom_scores_make_0(case):
    criteria, _ = case
    assert score_of(criteria, [(c.id, c.scale_max) for c in criteria]) == 100
    assert score_of(criteria, [(c.id, c.scale_min) for c in criteria]) == 0
