"""Who may see and do what in assessment. A conflicted reviewer never sees the bid again."""

from __future__ import annotations

from datetime import datetime, time

from grants.applications.models import ApplicationStatus
from grants.core.db import utcnow
from grants.core.permissions import Role
from grants.core.times import from_london
from grants.reviews.models import AssignmentStatus
from grants.rounds.models import RoundStatus

ASSESSABLE_ROUND_STATES = {RoundStatus.CLOSED, RoundStatus.ASSESSING}
ASSIGNABLE_BID_STATES = {ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW}


def is_reviewer(user) -> bool:
    return bool(user.is_authenticated and user.has_any_role(Role.STEERING_MEMBER, Role.STEERING_CHAIR))


def scoring_closes_at(round_) -> datetime | None:
    """The end of the assessment deadline's day, UK time."""
    if round_.assessment_deadline is None:
        return None
    return from_london(datetime.combine(round_.assessment_deadline, time(23, 59, 59)))


def scoring_open(round_, now: datetime | None = None) -> bool:
    closes = scoring_closes_at(round_)
    return round_.status in ASSESSABLE_ROUND_STATES and (closes is None or (now or utcnow()) <= closes)


def owns(user, assignment) -> bool:
    return bool(user.is_authenticated and assignment.reviewer_id == user.id)


def can_declare(user, assignment) -> bool:
    return owns(user, assignment) and assignment.status == AssignmentStatus.ASSIGNED


def can_see_bid(user, assignment) -> bool:
    """Only after declaring no conflict, and never once conflicted or taken off the bid."""
    return owns(user, assignment) and assignment.status in {AssignmentStatus.IN_PROGRESS, AssignmentStatus.SUBMITTED}


def can_score(user, assignment, now: datetime | None = None) -> bool:
    return can_see_bid(user, assignment) and scoring_open(assignment.application.round, now)


def can_assign(user) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.PROGRAMME_OFFICER))


def is_chair(user) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.STEERING_CHAIR))


def has_conflict(user, application, conflicted_ids: set[int] | None = None) -> bool:
    """Declared a conflict with the bid, or from its lead or a partner organisation."""
    if conflicted_ids is None:
        from grants.reviews.queries import conflicted_application_ids

        conflicted_ids = conflicted_application_ids(user)
    return application.id in conflicted_ids


def can_moderate(user, application, conflicted_ids: set[int] | None = None) -> bool:
    """A chair, unless they have a conflict with this bid (a co-chair decides it instead)."""
    return is_chair(user) and not has_conflict(user, application, conflicted_ids)


def can_decide(user, application, conflicted_ids: set[int] | None = None) -> bool:
    return can_moderate(user, application, conflicted_ids) and application.round.status == RoundStatus.ASSESSING


def can_read_bid(user, application) -> bool:
    """Someone assessing the bid: a reviewer who declared no conflict, or a chair without one."""
    if not user.is_authenticated:
        return False
    from grants.extensions import db
    from grants.reviews.models import ReviewAssignment

    reviewing = db.session.scalar(
        db.select(ReviewAssignment.id).where(
            ReviewAssignment.application_id == application.id,
            ReviewAssignment.reviewer_id == user.id,
            ReviewAssignment.status.in_([AssignmentStatus.IN_PROGRESS, AssignmentStatus.SUBMITTED]),
        )
    )
    return reviewing is not None or (can_moderate(user, application) and application.submitted_at is not None)
