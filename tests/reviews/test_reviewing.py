"""A steering member declares conflicts, then scores; a conflicted reviewer loses the bid for good."""

from datetime import date, timedelta

import pytest

from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from grants.reviews.models import ConflictDeclaration, ReviewAssignment, Score, ScoreRevision
from grants.reviews.queries import round_assessment
from tests.factories import UserFactory, submitted_review
from tests.fixtures.clients import sign_in_client
from tests.helpers import error_summary, field_error, h1, text


def scores(bid, values, justifications=None, submit=True):
    data = {"submit_scores" if submit else "save_draft": "y"}
    for index, criterion in enumerate(bid.round.criteria):
        if values[index] is not None:
            data[f"value_{criterion.id}"] = str(values[index])
        data[f"justification_{criterion.id}"] = (justifications or ["Strong partnership."] * 9)[index]
    return data


def test_the_bid_is_hidden_until_the_reviewer_declares(db, bid, assignment, reviewer):
    html = reviewer.get(f"/reviews/{assignment.id}").get_data(as_text=True)
    assert h1(html) == "Do you have a conflict of interest with this bid?"
    assert bid.lead_organisation.name in html and bid.partners[0].organisation.name in html
    assert bid.answers["shared_vision"] not in html and bid.answers["issue"] not in html


def test_no_conflict_opens_the_bid_for_scoring(db, bid, assignment, reviewer):
    response = reviewer.post(f"/reviews/{assignment.id}", data={"has_conflict": "no"})
    assert response.headers["Location"] == f"/reviews/{assignment.id}"
    html = reviewer.get(f"/reviews/{assignment.id}").get_data(as_text=True)
    assert bid.answers["shared_vision"] in html and "Your scores" in html
    db.session.refresh(assignment)
    assert assignment.status == "in_progress"
    assert db.session.scalars(db.select(AuditEvent.action)).all() == [
        "review.no_conflict_declared",
        "review_assignment.in_progress",
    ]


def test_a_conflict_needs_its_nature(db, assignment, reviewer):
    html = reviewer.post(f"/reviews/{assignment.id}", data={"has_conflict": "yes"}).get_data(as_text=True)
    assert field_error(html, "nature") == "Describe the conflict of interest"
    db.session.refresh(assignment)
    assert assignment.status == "assigned"


def test_a_conflicted_reviewer_gets_not_found_and_their_scores_leave_the_result(db, app, bid):
    honest = submitted_review(bid, [5, 5])
    conflicted = submitted_review(bid, [0, 0])
    assert round_assessment(bid.round)[0].weighted == 50.0
    client = sign_in_client(app, conflicted.reviewer)
    # A reviewer who already scored can still declare a conflict (at any time).
    from grants.reviews import services

    services.declare(
        conflicted, has_conflict=True, nature="My sister leads the partnership.", actor=conflicted.reviewer
    )
    db.session.commit()
    assert client.get(f"/reviews/{conflicted.id}").status_code == 404
    assert client.post(f"/reviews/{conflicted.id}", data=scores(bid, [5, 5])).status_code == 404
    [assessment] = round_assessment(bid.round)
    assert (assessment.weighted, assessment.submitted, assessment.active) == (100.0, 1, 1)
    declaration = db.session.scalars(db.select(ConflictDeclaration)).one()
    assert declaration.nature == "My sister leads the partnership."
    assert db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "review.conflict_declared")).one()
    assert honest.status == "submitted"


def test_declaring_a_conflict_through_the_page(db, bid, assignment, reviewer):
    response = reviewer.post(f"/reviews/{assignment.id}", data={"has_conflict": "yes", "nature": "I advise them."})
    assert response.headers["Location"] == "/reviews/"
    assert reviewer.get(f"/reviews/{assignment.id}").status_code == 404
    db.session.refresh(assignment)
    assert assignment.status == "conflicted"


def test_a_reviewer_cannot_see_bids_they_were_not_given(db, app, bid, assignment):
    stranger = sign_in_client(app, UserFactory(roles=[Role.STEERING_MEMBER]))
    assert stranger.get(f"/reviews/{assignment.id}").status_code == 404
    assert stranger.get(f"/applications/{bid.id}").status_code == 404
    assert bid.reference not in stranger.get("/reviews/").get_data(as_text=True)


def test_scores_are_saved_as_a_draft_then_submitted(db, bid, assignment, reviewer):
    reviewer.post(f"/reviews/{assignment.id}", data={"has_conflict": "no"})
    response = reviewer.post(f"/reviews/{assignment.id}", data=scores(bid, [4, None], submit=False))
    assert response.status_code == 302
    db.session.refresh(assignment)
    assert assignment.status == "in_progress"
    html = reviewer.post(f"/reviews/{assignment.id}", data=scores(bid, [4, None])).get_data(as_text=True)
    criterion = bid.round.criteria[1]
    assert field_error(html, f"value_{criterion.id}") == f"Give {criterion.title} a score"
    html = reviewer.post(f"/reviews/{assignment.id}", data=scores(bid, [4, 3], ["Good.", " "])).get_data(as_text=True)
    assert f"Explain your score for {criterion.title}" in error_summary(html)
    response = reviewer.post(f"/reviews/{assignment.id}", data=scores(bid, [4, 3]))
    assert response.headers["Location"] == "/reviews/"
    db.session.refresh(assignment)
    assert assignment.status == "submitted"
    assert sorted(s.value for s in db.session.scalars(db.select(Score))) == [3, 4]


def test_a_score_outside_the_scale_is_refused(db, bid, assignment, reviewer):
    reviewer.post(f"/reviews/{assignment.id}", data={"has_conflict": "no"})
    html = reviewer.post(f"/reviews/{assignment.id}", data=scores(bid, [9, 3])).get_data(as_text=True)
    assert error_summary(html)
    assert db.session.scalars(db.select(Score)).all() == []


def test_revising_keeps_the_history(db, bid, assignment, reviewer):
    reviewer.post(f"/reviews/{assignment.id}", data={"has_conflict": "no"})
    reviewer.post(f"/reviews/{assignment.id}", data=scores(bid, [4, 3]))
    reviewer.post(f"/reviews/{assignment.id}", data=scores(bid, [2, 3], ["Weaker than I thought.", "Same."]))
    first = bid.round.criteria[0]
    history = db.session.scalars(
        db.select(ScoreRevision).where(ScoreRevision.criterion_id == first.id).order_by(ScoreRevision.id)
    ).all()
    assert [(r.value, r.submitted) for r in history] == [(4, True), (2, True)]
    assert db.session.scalars(db.select(Score).where(Score.criterion_id == first.id)).one().value == 2


def test_scoring_closes_after_the_assessment_deadline(db, bid, assignment, reviewer):
    reviewer.post(f"/reviews/{assignment.id}", data={"has_conflict": "no"})
    bid.round.assessment_deadline = date.today() - timedelta(days=2)
    db.session.commit()
    response = reviewer.post(f"/reviews/{assignment.id}", data=scores(bid, [4, 3]))
    assert "Scoring for this round has closed." in text(response.get_data(as_text=True))
    assert db.session.scalars(db.select(Score)).all() == []


def test_the_service_refuses_late_scores_whatever_the_page_said(db, bid, assignment):
    from grants.reviews import services
    from grants.reviews.scores import save_scores

    assignment.status = "in_progress"
    bid.round.assessment_deadline = date.today() - timedelta(days=2)
    db.session.commit()
    with pytest.raises(services.ReviewError, match="closed"):
        save_scores(assignment, {}, submit=False, actor=assignment.reviewer)


def test_the_reviewers_list_shows_what_is_due(db, assignment, reviewer):
    page = text(reviewer.get("/reviews/").get_data(as_text=True))
    assert assignment.application.reference in page and "Conflict not yet declared" in page
    assert db.session.get(ReviewAssignment, assignment.id).status == "assigned"
