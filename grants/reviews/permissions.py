"""Who may see and do what in assessment. A conflicted reviewer never sees the bid again."""

from __future__ import annotations

from datetime import datetime, time

from grants.core.db import utcnow
from grants.core.permissions import Role
from grants.core.times import from_london

ASSESSABLE_ROUND_STATES = {"closed", "assessing"}
ASSIGNABLE_BID_STATES = {"submitted", "under_review"}


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
    return owns(user, assignment) and assignment.status == "assigned"


def can_see_bid(user, assignment) -> bool:
    """Only after declaring no conflict, and never once conflicted or taken off the bid."""
    return owns(user, assignment) and assignment.status in {"in_progress", "submitted"}


def can_score(user, assignment, now: datetime | None = None) -> bool:
    return can_see_bid(user, assignment) and scoring_open(assignment.application.round, now)


def can_assign(user) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.PROGRAMME_OFFICER))


def is_chair(user) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.STEERING_CHAIR))


def can_moderate(user, application, conflicted_ids: set[int] | None = None) -> bool:
    """A chair, unless they declared a conflict on this bid (a co-chair decides it instead)."""
    if not is_chair(user):
        return False
    if conflicted_ids is None:
        from grants.reviews.queries import conflicted_application_ids

        conflicted_ids = conflicted_application_ids(user.id)
    return application.id not in conflicted_ids


def can_decide(user, application, conflicted_ids: set[int] | None = None) -> bool:
    return can_moderate(user, application, conflicted_ids) and application.round.status == "assessing"
