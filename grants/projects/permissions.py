"""Who may see a project and what they may do. An enabler sees only the projects they support now;
an applicant only their own organisation's."""

from __future__ import annotations

from collections.abc import Callable
from types import EllipsisType

from grants.core.permissions import Role
from grants.extensions import db
from grants.projects.models import EnablerAssignment, EndingKind, Project, ProjectStatus
from grants.projects.queries import current_enablers

STAFF = (Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER)
OVERSIGHT = (Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER, Role.STEERING_CHAIR, Role.STEERING_MEMBER)

# Why a person may not see a bid's project: a conflict with it, which the steering group's area
# (reviews, above this one) knows. Each such area adds its reason when it is set up.
_HIDING: list[Callable[[object], set[int]]] = []


def hide_bids_with(source: Callable[[object], set[int]]) -> None:
    """``source(user)``: ids of bids whose projects this person may not see (the same source twice is one)."""
    if all(existing is not source for existing in _HIDING):
        _HIDING.append(source)


def current_enabler_id(project) -> int | None:
    """The id of the project's current enabler (one query, without loading the enabler)."""
    return db.session.scalar(
        db.select(EnablerAssignment.enabler_id).where(
            EnablerAssignment.project_id == project.id, EnablerAssignment.ends_on.is_(None)
        )
    )


def is_member(user, project) -> bool:
    return bool(user.has_role(Role.APPLICANT) and user.organisation_id == project.lead_organisation_id)


def is_current_enabler(user, project, enabler_id: int | EllipsisType | None = ...) -> bool:
    if not user.has_role(Role.ENABLER):
        return False
    if enabler_id is ...:
        enabler_id = current_enabler_id(project)
    return enabler_id == user.id


def hidden_application_ids(user) -> set[int]:
    """Bids whose projects a steering-group member may not see: those they are conflicted with.
    Programme staff see every project."""
    if user.has_any_role(*STAFF):
        return set()
    if not _HIDING:  # never show a conflicted person a project for want of asking
        raise RuntimeError("no area has said whose projects are hidden from whom (reviews is not set up)")
    return set().union(*(source(user) for source in _HIDING))


def can_view_project(
    user, project, enabler_id: int | EllipsisType | None = ..., hidden: set[int] | None = None
) -> bool:
    """``hidden``: ``hidden_application_ids(user)``, when the caller has it already."""
    if not user.is_authenticated:
        return False
    if is_member(user, project):
        return True
    if user.has_any_role(*OVERSIGHT):
        if project.application_id not in (hidden_application_ids(user) if hidden is None else hidden):
            return True
    return is_current_enabler(user, project, enabler_id)


def viewable_project_ids(user, project_ids) -> set[int]:
    """Which of these projects ``can_view_project`` lets the person open: a fixed number of queries,
    however many projects (for lists that link to them)."""
    project_ids = list(project_ids)
    if not user.is_authenticated or not project_ids:
        return set()
    projects = db.session.execute(
        db.select(Project.id, Project.application_id, Project.lead_organisation_id).where(Project.id.in_(project_ids))
    ).all()
    enablers = {project_id: a.enabler_id for project_id, a in current_enablers(project_ids).items()}
    hidden = hidden_application_ids(user)
    return {
        project.id for project in projects if can_view_project(user, project, enablers.get(project.id), hidden=hidden)
    }


def can_log_update(user, project, enabler_id: int | EllipsisType | None = ...) -> bool:
    return project.is_live and is_current_enabler(user, project, enabler_id)


def can_edit_update(user, update, project, enabler_id: int | EllipsisType | None = ...) -> bool:
    return update.author_id == user.id and can_log_update(user, project, enabler_id)


def can_see_private_notes(user) -> bool:
    """Private notes are for programme staff; their author sees their own too."""
    return bool(user.is_authenticated and user.has_any_role(*STAFF))


def can_manage(user) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.PROGRAMME_OFFICER))


def can_override_rag(user, project) -> bool:
    """A programme officer sets the RAG of a project still running; a finished project's RAG is its record."""
    return can_manage(user) and project.is_live


def can_change_enabler(user, project) -> bool:
    """A programme officer assigns or changes the enabler of a project still running: support ends with it."""
    return can_manage(user) and project.is_live


def can_see_closeout(user, project) -> bool:
    """Whether the project page links to its close-out: for programme officers always; for everyone who may
    see the project once the close-out has started (or the project has ended)."""
    return can_manage(user) or project.status == ProjectStatus.CLOSING or project.is_finished


def can_start_closeout(user, project) -> bool:
    return can_manage(user) and project.status == ProjectStatus.ACTIVE


def can_close(user, project) -> bool:
    return can_manage(user) and project.status == ProjectStatus.CLOSING


def can_give_up_award(user, project) -> bool:
    """The project team (its lead organisation's applicants) or a programme officer, while it runs."""
    return bool(user.is_authenticated and project.is_live and (can_manage(user) or is_member(user, project)))


def can_propose_early_end(user, project) -> bool:
    return can_manage(user) and project.status in (ProjectStatus.ACTIVE, ProjectStatus.CLOSING)


def may_confirm(user, ending) -> bool:
    """Who confirms a proposal to end a project. An award given up: a programme officer. An early end
    changes the money owed: a finance approver who did not propose it."""
    if not user.is_authenticated:
        return False
    if ending.kind == EndingKind.ENDED_EARLY:
        return bool(user.has_role(Role.FINANCE_APPROVER) and user.id != ending.proposed_by_id)
    return can_manage(user)


def may_cancel(user, ending) -> bool:
    """Its proposer withdraws it; an officer, or whoever could confirm it, may decline it instead."""
    return bool(
        user.is_authenticated and (user.id == ending.proposed_by_id or may_confirm(user, ending) or can_manage(user))
    )


def can_confirm_ending(user, ending) -> bool:
    return ending.is_waiting and may_confirm(user, ending)


def can_cancel_ending(user, ending) -> bool:
    return ending.is_waiting and may_cancel(user, ending)


def can_record_repayment(user) -> bool:
    return bool(user.is_authenticated and user.has_any_role(Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER))


def can_see_ending(user, project) -> bool:
    """The proposals to end a project: its team and the programme staff (not the steering group)."""
    return bool(user.is_authenticated and (is_member(user, project) or user.has_any_role(*STAFF)))
