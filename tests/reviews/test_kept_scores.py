"""Each bid's weighted score and spread are kept as the scores that count change, and always equal a
recomputation from scratch (``flask figures check``), which reports a wrong kept figure and repairs it."""

from __future__ import annotations

import pytest
from sqlalchemy.orm.attributes import set_committed_value

from grants.core.figures import differences
from grants.core.permissions import Role
from grants.reviews import kept, services
from grants.reviews.models import AssignmentStatus, BidScore, ReviewAssignment
from grants.reviews.queries import load_spreads, round_ranking
from grants.reviews.scores import save_scores
from tests.factories import ReviewAssignmentFactory, UserFactory, under_review_bid


def _reviewer(bid, *roles):
    assignment = ReviewAssignmentFactory(application=bid, reviewer=UserFactory(roles=[Role.STEERING_MEMBER, *roles]))
    services.declare(assignment, has_conflict=False, nature=None, actor=assignment.reviewer)
    return assignment


def _submit(assignment, values, why="Because."):
    entries = {c.id: (v, why) for c, v in zip(assignment.application.round.criteria, values, strict=True)}
    save_scores(assignment, entries, submit=True, actor=assignment.reviewer)


def _kept_equals_recomputed(*bids):
    """What the ranking shows is what a recomputation gives, and no kept figure differs."""
    assert differences()[kept.NAME] == []
    recomputed = kept.recomputed(kept.Application.id.in_([bid.id for bid in bids]))
    for assessment in round_ranking(bids[0].round):
        figures = recomputed.get(assessment.application_id, kept.NONE_COUNTED)
        assert (assessment.weighted, assessment.disagreeing) == (figures.weighted, figures.disagreements)


def _assessment(bid):
    assessment = next(a for a in round_ranking(bid.round) if a.application_id == bid.id)
    load_spreads([assessment])
    return assessment


def test_scores_submitted_revised_and_excluded_are_kept_as_a_recomputation_gives(db):
    bid = under_review_bid()
    other = under_review_bid(bid.round)
    first, second, third = (_reviewer(bid) for _ in range(3))
    chair = _reviewer(bid, Role.STEERING_CHAIR)
    elsewhere = _reviewer(other)
    _kept_equals_recomputed(bid, other)
    assert _assessment(bid).weighted is None

    _submit(first, [5, 5])  # weights 60 and 40, scales 0–5
    _submit(elsewhere, [1, 2])
    assert _assessment(bid).weighted == 100.0
    _kept_equals_recomputed(bid, other)

    _submit(second, [1, 5])
    _submit(third, [3, 0])
    assessment = _assessment(bid)
    assert assessment.weighted == round(100 * (60 * 3 / 5 + 40 * (10 / 3) / 5) / 100, 2)
    assert assessment.disagreeing == 2 and assessment.disagreements == [c.id for c in bid.round.criteria]
    assert assessment.spreads[bid.round.criteria[0].id].range == 4
    _kept_equals_recomputed(bid, other)

    _submit(third, [4, 5], "Looked again.")  # revised
    assert _assessment(bid).weighted == round(100 * (60 * (10 / 3) / 5 + 40) / 100, 2)
    _kept_equals_recomputed(bid, other)

    services.declare(third, has_conflict=True, nature="I advise the lead partner.", actor=third.reviewer)
    assert _assessment(bid).weighted == round(60 * 3 / 5 + 40, 2)  # first and second: 5,5 and 1,5
    _kept_equals_recomputed(bid, other)

    services.unassign(second, actor=UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    assert (_assessment(bid).weighted, _assessment(bid).disagreeing) == (100.0, 0)
    _kept_equals_recomputed(bid, other)

    _submit(chair, [0, 0])
    assert _assessment(bid).weighted == 50.0
    services.declare_chair_conflict(bid, "My organisation is a partner.", actor=chair.reviewer)
    assert _assessment(bid).weighted == 100.0
    _kept_equals_recomputed(bid, other)

    services.unassign(first, actor=UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    assert _assessment(bid).weighted is None and _assessment(bid).scores == {}
    assert _assessment(other).weighted == round(60 * 1 / 5 + 40 * 2 / 5, 2)  # untouched
    _kept_equals_recomputed(bid, other)


@pytest.fixture
def scored(db):
    bid = under_review_bid()
    for values in ([5, 4], [2, 4]):
        _submit(_reviewer(bid), values)
    db.session.commit()
    return bid


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["figures", "check", *args])


def test_a_wrong_kept_figure_is_reported_and_repaired(app, db, scored):
    assert differences()[kept.NAME] == []
    assert _cli(app).exit_code == 0
    db.session.execute(db.update(BidScore).values(weighted=12.5, disagreements=3))
    db.session.commit()

    [problem] = differences()[kept.NAME]
    assert problem.startswith(f"{scored.reference}: kept 12.5, 3 disagreeing") and "is 74.0, 1 disagreeing" in problem
    result = _cli(app)
    assert result.exit_code == 1 and "bid scores: 1 differ" in result.output and scored.reference in result.output

    result = _cli(app, "--repair")
    assert result.exit_code == 0 and "bid scores: 1 repaired" in result.output
    assert differences()[kept.NAME] == [] and _cli(app).exit_code == 0
    assert _assessment(scored).weighted == 74.0


def test_a_missing_or_stray_kept_row_is_reported(db, scored):
    unscored = under_review_bid(scored.round)
    db.session.execute(db.delete(BidScore))
    db.session.add(BidScore(application_id=unscored.id, weighted=40.0, disagreements=0, spread={}))
    db.session.commit()
    problems = differences()[kept.NAME]
    assert [problem.split(":")[0] for problem in problems] == [scored.reference, unscored.reference]
    assert kept.repair() == 2
    assert differences()[kept.NAME] == []
    assert _assessment(scored).weighted == 74.0 and _assessment(unscored).weighted is None


def test_a_chairs_conflict_declared_on_an_assignment_read_before_their_review_was_submitted_takes_it_out(db):
    """The chair declares a conflict with the assignment as it was read before their review was submitted
    (another request, a moment ago): the review counted by then leaves the kept figures with it."""
    bid = under_review_bid()
    _submit(_reviewer(bid), [5, 5])
    chair = _reviewer(bid, Role.STEERING_CHAIR)
    _submit(chair, [0, 0])
    assert _assessment(bid).weighted == 50.0
    set_committed_value(chair, "status", AssignmentStatus.IN_PROGRESS)  # as read before the submission

    services.declare_chair_conflict(bid, "My organisation is a partner.", actor=chair.reviewer)

    assert db.session.scalar(db.select(ReviewAssignment.status).where(ReviewAssignment.id == chair.id)) == (
        AssignmentStatus.CONFLICTED
    )
    assert _assessment(bid).weighted == 100.0
    _kept_equals_recomputed(bid)


def test_a_repair_never_writes_over_a_review_submitted_after_it_looked(db, scored, monkeypatch):
    """``flask figures check --repair`` during assessment: a bid's figures are wrong, the repair reads what
    they should be, and before it writes them a reviewer's submission is kept (by its own transaction).
    The repair writes the figures as they are once it holds the bid's row, with that review in them."""
    db.session.execute(db.update(BidScore).values(weighted=12.5))
    db.session.commit()
    as_read = kept.recomputed(db.true())  # before the third review
    _submit(_reviewer(scored), [0, 0])
    db.session.commit()
    real, calls = kept.recomputed, []

    def read_before_the_review(condition):
        calls.append(condition)
        return as_read if len(calls) == 1 else real(condition)

    monkeypatch.setattr(kept, "recomputed", read_before_the_review)
    assert kept.repair() == 1
    db.session.commit()
    monkeypatch.undo()
    assert differences()[kept.NAME] == []
    assert _assessment(scored).weighted == round(100 * (60 * (7 / 3) / 5 + 40 * (8 / 3) / 5) / 100, 2)
