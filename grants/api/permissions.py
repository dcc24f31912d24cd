"""Who sees what through the API: the areas' own rules, applied to the token's owner holding only
the token's roles.

Each collection has two halves that must agree: a SQL condition for lists and the area's own
``can_view_…`` function for one record. ``tests/api/test_visibility.py`` checks that they do,
record by record, for every role.
"""

from __future__ import annotations

from sqlalchemy import false, or_, true

from grants.applications.models import Application
from grants.applications.permissions import can_view_application
from grants.core.permissions import Role
from grants.extensions import db
from grants.learning.models import ItemStatus, LearningItem
from grants.projects import permissions as project_permissions
from grants.projects.models import EnablerAssignment, Project
from grants.reviews import permissions as review_permissions
from grants.reviews.models import AssignmentStatus, ReviewAssignment
from grants.rounds.models import Round, RoundStatus

# The roles that reach each collection at all; any other token is refused it (403).
APPLICATION_READERS = (Role.APPLICANT, Role.PROGRAMME_OFFICER, Role.STEERING_MEMBER, Role.STEERING_CHAIR)
PROJECT_READERS = (Role.APPLICANT, Role.ENABLER, *project_permissions.OVERSIGHT)
COLLECTION_READERS = {
    "applications": APPLICATION_READERS,
    "projects": PROJECT_READERS,
    "tranches": PROJECT_READERS,
}
READING_REVIEWS = (AssignmentStatus.IN_PROGRESS, AssignmentStatus.SUBMITTED)
# The roles that see payments (a released tranche's payment reference), as on the funding pages.
PAYMENT_READERS = (
    Role.PROGRAMME_OFFICER,
    Role.FINANCE_APPROVER,
)  # the reviewer declared no conflict and may read the bid


class TokenPrincipal:
    """The token's owner as the areas' permission rules see them, holding only the roles the token
    carries that the owner still has."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, user, roles):
        self._user = user
        self._roles = frozenset(Role(role) for role in roles)

    def __getattr__(self, name):
        return getattr(self._user, name)

    @property
    def user(self):
        return self._user

    @property
    def roles(self) -> frozenset[Role]:
        return self._roles

    def has_role(self, role: Role | str) -> bool:
        return Role(role) in self._roles

    def has_any_role(self, *roles: Role | str) -> bool:
        return any(self.has_role(role) for role in roles)


def can_read_collection(principal, collection: str) -> bool:
    readers = COLLECTION_READERS.get(collection)
    return readers is None or principal.has_any_role(*readers)


# --- Rounds: draft rounds are for the programme officer who prepares them ------------------------------


def round_condition(principal):
    return true() if principal.has_role(Role.PROGRAMME_OFFICER) else Round.status != RoundStatus.DRAFT


def can_view_round(principal, round_: Round) -> bool:
    return round_.status != RoundStatus.DRAFT or principal.has_role(Role.PROGRAMME_OFFICER)


# --- Applications -----------------------------------------------------------------------------------


def application_condition(principal):
    """Officers see every bid; applicants their organisation's; steering members the bids they are
    reading (conflict declared as none); a chair every submitted bid without a conflict."""
    if principal.has_role(Role.PROGRAMME_OFFICER):
        return true()
    conditions = []
    if principal.has_role(Role.APPLICANT) and principal.organisation_id is not None:
        conditions.append(Application.lead_organisation_id == principal.organisation_id)
    if review_permissions.is_reviewer(principal):
        conditions.append(
            Application.id.in_(
                db.select(ReviewAssignment.application_id).where(
                    ReviewAssignment.reviewer_id == principal.id, ReviewAssignment.status.in_(READING_REVIEWS)
                )
            )
        )
    if review_permissions.is_chair(principal):
        from grants.reviews.queries import conflicted_application_ids

        conditions.append(
            db.and_(Application.submitted_at.is_not(None), Application.id.not_in(conflicted_application_ids(principal)))
        )
    return or_(*conditions) if conditions else false()


def can_view(principal, application: Application) -> bool:
    return can_view_application(principal, application) or (
        review_permissions.is_reviewer(principal) and review_permissions.can_read_bid(principal, application)
    )


# --- Projects, and their tranches and learning ---------------------------------------------------------


def project_condition(principal):
    """Applicants see their organisation's projects; enablers those they support now; the steering
    group and programme staff every project, except those a steering member is conflicted with."""
    conditions = []
    if principal.has_role(Role.APPLICANT) and principal.organisation_id is not None:
        conditions.append(Project.lead_organisation_id == principal.organisation_id)
    if principal.has_any_role(*project_permissions.OVERSIGHT):
        hidden = project_permissions.hidden_application_ids(principal)
        conditions.append(Project.application_id.not_in(hidden) if hidden else true())
    if principal.has_role(Role.ENABLER):
        conditions.append(
            Project.id.in_(
                db.select(EnablerAssignment.project_id).where(
                    EnablerAssignment.enabler_id == principal.id, EnablerAssignment.ends_on.is_(None)
                )
            )
        )
    return or_(*conditions) if conditions else false()


def can_view_project(principal, project: Project) -> bool:
    return project_permissions.can_view_project(principal, project)


def can_see_payments(principal) -> bool:
    return principal.has_any_role(*PAYMENT_READERS)


def learning_item_condition(principal):
    """Published items are public; anyone who may see a project sees its items in any state, as on
    the project's learning page."""
    visible_projects = db.select(Project.id).where(project_condition(principal))
    return or_(LearningItem.status == ItemStatus.PUBLISHED, LearningItem.project_id.in_(visible_projects))


def can_view_learning_item(principal, item: LearningItem) -> bool:
    return item.status == ItemStatus.PUBLISHED or can_view_project(principal, item.project)
