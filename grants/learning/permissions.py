"""Who may do what with a project's learning: the team keeps its commitments, the team and its enabler
write learning items, and a programme officer who did not write one publishes it.

Once the project has finished (closed, its award given up, or ended early) its commitments are a record
and no longer change; its learning can still be written, sent for review and published."""

from __future__ import annotations

from types import EllipsisType

from grants.core.permissions import Role
from grants.learning.models import CommitmentStatus, LearningCommitment, LearningItem
from grants.projects import permissions as project_permissions


def is_officer(user) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.PROGRAMME_OFFICER))


def may_update_commitments(user, project) -> bool:
    """The project team keeps its commitments up to date; a programme officer may too."""
    return project_permissions.is_member(user, project) or is_officer(user)


def can_update_commitments(user, project) -> bool:
    """``may_update_commitments``, while the project has not finished (its commitments are then a
    record: the services refuse a change with the reason, so a page left open says why)."""
    return not project.is_finished and may_update_commitments(user, project)


def can_write_items(user, project, enabler_id: int | EllipsisType | None = ...) -> bool:
    """Learning items are written by the project team or the project's enabler."""
    return project_permissions.is_member(user, project) or project_permissions.is_current_enabler(
        user, project, enabler_id
    )


def can_edit_item(user, item: LearningItem, project, enabler_id: int | EllipsisType | None = ...) -> bool:
    return item.is_editable and can_write_items(user, project, enabler_id)


def can_review(user, item: LearningItem) -> bool:
    """Only a programme officer publishes, and never one who wrote the item (nor an applicant)."""
    return bool(
        is_officer(user) and not user.has_role(Role.APPLICANT) and (item.author_id is None or item.author_id != user.id)
    )


def can_withdraw(user) -> bool:
    """A programme officer takes a published item out of the library."""
    return is_officer(user)


def can_confirm_applied(user, commitment: LearningCommitment) -> bool:
    """The team of the project the learning was applied to, or a programme officer, once it is done."""
    project = commitment.applied_project
    if project is None or commitment.status != CommitmentStatus.DONE or commitment.kind != "apply_elsewhere":
        return False
    if not user.is_authenticated:
        return False
    return user.has_role(Role.PROGRAMME_OFFICER) or (
        user.has_role(Role.APPLICANT) and user.organisation_id == project.lead_organisation_id
    )
