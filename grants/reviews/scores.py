"""A reviewer's scores, kept with their history, and the chair's request to look at them again. Each
function checks, changes, flushes and audits; the route commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from grants.core import audit
from grants.core.db import lock_and_refresh, utcnow
from grants.core.errors import PermissionDenied
from grants.extensions import db
from grants.notifications.services import queue_email
from grants.reviews import permissions
from grants.reviews.kept import keep_bid_scores
from grants.reviews.models import AssignmentStatus, ReviewAssignment, Score, ScoreRevision
from grants.reviews.services import ReviewAlreadyDone, ReviewError
from grants.reviews.workflow import ASSIGNMENT_WORKFLOW
from grants.rounds.models import RubricCriterion

# --- Scores -----------------------------------------------------------------------------------------


def save_scores(
    assignment: ReviewAssignment,
    entries: dict[int, tuple[int | None, str]],
    *,
    submit: bool,
    actor: Any,
    now: datetime | None = None,
) -> None:
    """Keep the reviewer's scores (criterion id → value and justification). Submitting needs every
    criterion scored on its scale with a justification. Every change is kept in the history.

    Refuses (``ReviewAlreadyDone``), changing nothing, when exactly these scores are submitted already and
    no one has asked for another look: a second press of "Submit scores" (or the slower of two at once)."""
    now = now or utcnow()
    lock_and_refresh(db.session, assignment)
    if not permissions.can_score(actor, assignment, now):
        if assignment.status not in {AssignmentStatus.IN_PROGRESS, AssignmentStatus.SUBMITTED}:
            raise PermissionDenied("You are not reviewing this bid.")
        raise ReviewError("Scoring for this round has closed.")
    if assignment.status == AssignmentStatus.SUBMITTED and not submit:
        raise ReviewError(
            "Your scores are submitted: submit your changes, so the scores that count are replaced "
            "by the new ones rather than withdrawn."
        )
    criteria = {criterion.id: criterion for criterion in assignment.application.round.criteria}
    problems = _score_problems(criteria, entries, submit=submit)
    if problems:
        raise ScoreProblems(problems)
    current = {score.criterion_id: score for score in assignment.scores}
    if submit and assignment.status == AssignmentStatus.SUBMITTED and assignment.look_again_note is None:
        kept = {criterion_id: (score.value, score.justification) for criterion_id, score in current.items()}
        sent = {
            criterion_id: (value, justification.strip()) for criterion_id, (value, justification) in entries.items()
        }
        if all(kept.get(criterion_id) == sent.get(criterion_id, (None, "")) for criterion_id in criteria):
            raise ReviewAlreadyDone("These scores had already been submitted.")
    for criterion_id in criteria:
        value, justification = entries.get(criterion_id, (None, ""))
        score = current.get(criterion_id)
        if score is None:
            score = Score(assignment=assignment, criterion_id=criterion_id)
            db.session.add(score)
        elif (score.value, score.justification) == (value, justification.strip()) and not submit:
            continue
        score.value, score.justification = value, justification.strip()
        db.session.add(
            ScoreRevision(
                assignment_id=assignment.id,
                criterion_id=criterion_id,
                value=value,
                justification=score.justification,
                submitted=submit,
                recorded_at=now,
            )
        )
    target = AssignmentStatus.SUBMITTED if submit else AssignmentStatus.IN_PROGRESS
    if submit:
        assignment.submitted_at = now
        assignment.look_again_note = None  # answered
    if assignment.status != target:
        ASSIGNMENT_WORKFLOW.move(
            assignment, target, actor=actor, action="review.scores_submitted" if submit else "review.reopened"
        )
    else:
        db.session.flush()
        audit.record(
            "review.scores_submitted" if submit else "review.scores_saved",
            assignment,
            actor=actor,
            after={"scores": {str(k): v[0] for k, v in entries.items()}},
        )
    if submit:  # the scores that count have changed: the bid's weighted score and spread with them
        keep_bid_scores(assignment.application_id)


def score_field(criterion_id: int, part: str = "value") -> str:
    """The domain name of a criterion's score (``part="value"``) or of its justification."""
    return f"criterion:{criterion_id}:{part}"


def _score_problems(
    criteria: dict[int, RubricCriterion], entries: dict[int, tuple[int | None, str]], *, submit: bool
) -> list[ReviewError]:
    problems = []
    for criterion_id, criterion in criteria.items():
        value, justification = entries.get(criterion_id, (None, ""))
        if value is not None and not criterion.scale_min <= value <= criterion.scale_max:
            scale = f"from {criterion.scale_min} to {criterion.scale_max}"
            problems.append(ReviewError(f"Give {criterion.title} a score {scale}", field=score_field(criterion_id)))
        elif submit and value is None:
            problems.append(ReviewError(f"Give {criterion.title} a score", field=score_field(criterion_id)))
        elif submit and not justification.strip():
            problems.append(
                ReviewError(
                    f"Explain your score for {criterion.title}", field=score_field(criterion_id, "justification")
                )
            )
    return problems


class ScoreProblems(ReviewError):
    """Each criterion that cannot be saved or submitted as it is: one error per score or justification,
    naming it (``score_field``). The first is this refusal's own message and field."""

    def __init__(self, problems: list[ReviewError]):
        super().__init__(problems[0].message, field=problems[0].field)
        self.problems = problems


# --- Moderation -------------------------------------------------------------------------------------


def request_look_again(assignment: ReviewAssignment, note: str, *, actor: Any) -> None:
    """The chair asks a reviewer to look again. Their submitted scores keep counting until they submit
    new ones; it can be asked only while scoring is open, by a chair without a conflict with the bid.
    Refuses (``ReviewAlreadyDone``), changing and sending nothing, when the same request is already
    waiting for the reviewer (a second press)."""
    if not permissions.can_moderate(actor, assignment.application):
        raise PermissionDenied("You have a conflict of interest with this bid; another chair moderates it.")
    lock_and_refresh(db.session, assignment)
    if (
        assignment.status == AssignmentStatus.SUBMITTED
        and assignment.look_again_note
        and assignment.look_again_note == note.strip()
    ):
        raise ReviewAlreadyDone(f"{assignment.reviewer.name} had already been asked to look again.")
    if assignment.status != AssignmentStatus.SUBMITTED:
        raise ReviewError("You can ask for another look only at submitted scores.")
    if not permissions.scoring_open(assignment.application.round):
        raise ReviewError("Scoring for this round has closed, so scores can no longer be changed.")
    if not note.strip():
        raise ReviewError("Say what you would like the reviewer to look at again", field="note")
    assignment.look_again_note = note.strip()
    assignment.look_again_requested_at = utcnow()
    db.session.flush()
    audit.record("review.look_again_requested", assignment, actor=actor, after={"note": assignment.look_again_note})
    queue_email(
        assignment.reviewer.email,
        "review_look_again",
        {
            "name": assignment.reviewer.name,
            "reference": assignment.application.reference,
            "note": assignment.look_again_note,
            "assignment_id": assignment.id,
        },
        user=assignment.reviewer,
    )
