"""Who takes part in a conversation, and on which side. On a bid: the programme team and the bid's lead
organisation. On a project: those two and the project's current enabler. Steering-group members never
write to applicants: those assessing a bid may ask the programme team to, and see the bid's
clarification requests and their answers beside it (never a bid they declared a conflict with)."""

from __future__ import annotations

from types import EllipsisType

from grants.applications import permissions as bid_permissions
from grants.applications.models import ApplicationStatus
from grants.conversations.models import Side
from grants.core.permissions import Role
from grants.projects import permissions as project_permissions

# A clarification is asked while the bid is checked for eligibility or assessed.
CLARIFYING = frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW})


def is_programme_team(user) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.PROGRAMME_OFFICER))


def side_on_bid(user, application) -> Side | None:
    """The side the person writes for on the bid's conversation, or None if they are not part of it."""
    if not user.is_authenticated:
        return None
    if is_programme_team(user):
        return Side.PROGRAMME
    if bid_permissions.is_member(user, application):
        return Side.APPLICANT
    return None


def side_on_project(user, project, enabler_id: int | EllipsisType | None = ...) -> Side | None:
    """As ``side_on_bid``, for a project: its enabler takes part while they support it."""
    if not user.is_authenticated:
        return None
    if is_programme_team(user):
        return Side.PROGRAMME
    if project_permissions.is_member(user, project):
        return Side.APPLICANT
    if project_permissions.is_current_enabler(user, project, enabler_id):
        return Side.ENABLER
    return None


def can_ask_clarification(user, application) -> bool:
    return is_programme_team(user) and application.status in CLARIFYING


def can_answer(user, message, application) -> bool:
    """The applicant answers a clarification request on their own bid (at any time after: late is better
    than never, and the reviewers see when it came)."""
    return bool(
        message.is_clarification
        and message.application_id == application.id
        and side_on_bid(user, application) == Side.APPLICANT
    )


def is_assessing(user, application) -> bool:
    return bool(user.is_authenticated and bid_permissions.is_assessing(user, application))


def can_ask_programme_team(user, application) -> bool:
    """A steering-group member assessing the bid (no conflict) asks the programme team to seek a
    clarification; an officer asks the applicant directly instead."""
    return (
        not is_programme_team(user)
        and user.is_authenticated
        and user.has_any_role(Role.STEERING_MEMBER, Role.STEERING_CHAIR)
        and application.status in CLARIFYING
        and is_assessing(user, application)
    )


def can_see_clarifications(user, application) -> bool:
    """The bid's clarification requests and answers: those in its conversation, and those assessing it."""
    return side_on_bid(user, application) is not None or is_assessing(user, application)


def can_read_message(user, message, *, application=None, project=None) -> bool:
    """A message (and its files), on ``application``'s or ``project``'s conversation: for those taking part
    on its side (the steering group's requests: the programme team alone), and a clarification request or
    its answer also for those assessing the bid."""
    if message.team_only:
        return is_programme_team(user)
    if project is not None:
        return side_on_project(user, project) is not None
    if side_on_bid(user, application) is not None:
        return True
    return bool(message.is_clarification or message.answers_id is not None) and is_assessing(user, application)
