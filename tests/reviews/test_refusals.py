"""A refused assessment change keeps nothing of itself, is recorded once in the audit trail and is shown
where it belongs: each problem with a reviewer's scores beside its own criterion."""

from __future__ import annotations

from grants.core.audit import AuditEvent
from grants.reviews.models import Score
from tests.factories import RoundFactory
from tests.helpers import field_error, text


def recorded(db, action: str) -> int:
    return len(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)).all())


def test_every_problem_with_the_scores_is_shown_beside_its_criterion_and_recorded_once(db, bid, assignment, reviewer):
    path = f"/reviews/{assignment.id}"
    reviewer.post(path, data={"has_conflict": "no"})
    first, second = bid.round.criteria
    sent = {
        "submit_scores": "y",
        f"justification_{first.id}": "A wide partnership.",
        f"value_{second.id}": "3",
        f"justification_{second.id}": "",
    }
    response = reviewer.post(path, data=sent)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, f"value_{first.id}") == f"Give {first.title} a score"
    assert field_error(html, f"justification_{second.id}") == f"Explain your score for {second.title}"
    assert db.session.scalars(db.select(Score)).all() == []
    assert recorded(db, "review.scores_refused") == 1
    assert recorded(db, "request.refused") == 0


def test_a_draft_of_submitted_scores_is_refused_with_its_reason_not_an_error_page(db, bid, assignment, reviewer):
    path = f"/reviews/{assignment.id}"
    reviewer.post(path, data={"has_conflict": "no"})
    data = {"submit_scores": "y"}
    for criterion in bid.round.criteria:
        data |= {f"value_{criterion.id}": "4", f"justification_{criterion.id}": "Strong partnership."}
    assert reviewer.post(path, data=data).status_code == 302
    draft = {**{k: v for k, v in data.items() if k != "submit_scores"}, "save_draft": "y"}
    response = reviewer.post(path, data=draft)
    assert response.status_code == 400
    assert "Your scores are submitted: submit your changes" in text(response.get_data(as_text=True))
    assert recorded(db, "review.scores_refused") == 1


def test_automatic_assignment_before_the_round_closes_is_refused_and_recorded_once(db, programme_officer_client):
    open_round = RoundFactory(status="open")
    response = programme_officer_client.post(
        f"/manage/rounds/{open_round.id}/reviewers/auto", data={"per_bid": "3", "due_on": ["1", "1", "2099"]}
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/manage/rounds/{open_round.id}/reviewers"
    page = text(programme_officer_client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Reviewers are assigned once the round has closed." in page
    [event] = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "review.auto_assign_refused"))
    assert (event.object_type, event.object_id) == ("round", str(open_round.id))
    assert "once the round has closed" in event.after["reason"]
