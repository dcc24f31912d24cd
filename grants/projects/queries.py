"""Reading projects: each page in a fixed number of queries, however long its log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy.orm import defaultload, joinedload, lazyload, load_only, selectinload

from grants.accounts.models import User
from grants.applications.models import Application, Partner
from grants.core.audit import AuditEvent
from grants.directory.models import Organisation
from grants.extensions import db
from grants.projects.models import EnablerAssignment, Project, ProjectEnding, ProjectUpdate
from grants.projects.workflow import TIMELINE_ACTIONS
from grants.rounds.models import Round

UPDATES_PER_PAGE = 10  # a busy project's log is read a page (or a stretch of dates) at a time

# Whether an enabler is linked with a partnership (works for one of its organisations, or has declared
# a link with one): declared links are the enablers area's (above this one), which says how to tell
# when it is set up (``judge_links_with``).
_LINKS: list[Callable[[int, set[int]], bool]] = []


def judge_links_with(judge: Callable[[int, set[int]], bool]) -> None:
    """``judge(enabler_id, organisation_ids)``: whether the enabler is linked with any of them (one query)."""
    _LINKS[:] = [judge]


def enabler_linked_with(enabler_id: int, organisation_ids: set[int]) -> bool:
    if not _LINKS:  # never hide a link from the programme team for want of asking
        raise RuntimeError("the enablers area has not said how to tell an enabler's links")
    return _LINKS[0](enabler_id, organisation_ids)


# The project's conversation (an area above this one) says how many of its messages a person has not
# read, for the link to it on the project's page (``count_unread_messages_with``).
_UNREAD: list[Callable[[Any, Project, int | None], int | None]] = []


def count_unread_messages_with(counter: Callable[[Any, Project, int | None], int | None]) -> None:
    """``counter(user, project, enabler_id)``: how many of the project's messages the person has not read,
    or None when they take no part in its conversation (one query; ``enabler_id``: its current enabler)."""
    _UNREAD[:] = [counter]


def unread_messages(user: Any, project: Project, enabler_id: int | None) -> int | None:
    """For the "Messages" link on the project's page: None when the person is not in its conversation."""
    if not _UNREAD:  # never hide a project's messages for want of asking
        raise RuntimeError("the conversations area has not said how to count a project's unread messages")
    return _UNREAD[0](user, project, enabler_id)


# The progress report (an area above this one) says where a project's row of its latest compile is, as
# a PDF, for the link to it on the project's page (``find_compiled_progress_with``).
class CompiledProgress(NamedTuple):
    href: str
    compiled_at: datetime


_COMPILED: list[Callable[[Any, Project], CompiledProgress | None]] = []


def find_compiled_progress_with(finder: Callable[[Any, Project], CompiledProgress | None]) -> None:
    """``finder(user, project)``: the project's compiled progress in the latest finished report, or None
    when there is none or the person may not read it (one query at most)."""
    _COMPILED[:] = [finder]


def compiled_progress(user: Any, project: Project) -> CompiledProgress | None:
    """For the link on the project's page to its compiled progress, as a PDF."""
    if not _COMPILED:  # never leave the link out for want of asking
        raise RuntimeError("the progress area has not said where a project's compiled progress is")
    return _COMPILED[0](user, project)


def load_project(project_id: int) -> Project | None:
    """The project with its bid and partners; not its round's themes, which no project page shows."""
    return db.session.scalar(
        db.select(Project)
        .where(Project.id == project_id)
        .options(
            joinedload(Project.round).lazyload(Round.themes),
            selectinload(Project.application).options(lazyload(Application.round), selectinload(Application.partners)),
        )
    )


def load_project_page(project_id: int) -> Project | None:
    """The project as its own page shows it: as ``load_project``, with the proposals to end it and the
    little of its bid the page uses (its lead organisation's id; its issues and partners follow) joined in
    the same query. Each proposal comes without its proposer, which the page does not name; the bid
    without its answers, round, lead organisation and place, which the page takes from the project; the
    organisations (the lead and the partners) without their place, which the page does not show (each
    table less in a query is less for the database to plan, which it does for every query of a request)."""
    statement = (
        db.select(Project)
        .where(Project.id == project_id)
        .options(
            joinedload(Project.round).lazyload(Round.themes),
            joinedload(Project.lead_organisation).lazyload(Organisation.place),
            joinedload(Project.application).options(
                load_only(Application.id, Application.lead_organisation_id),
                lazyload(Application.round),
                lazyload(Application.lead_organisation),
                lazyload(Application.place),
                selectinload(Application.partners).joinedload(Partner.organisation).lazyload(Organisation.place),
            ),
            joinedload(Project.endings).lazyload(ProjectEnding.proposed_by),
        )
    )
    project: Project | None = db.session.execute(statement).unique().scalar_one_or_none()
    return project


def _named(relationship):
    """A person shown by name only: without their roles and organisation (one more query each)."""
    return defaultload(relationship).options(lazyload(User.role_grants), lazyload(User.organisation))


def assignments_of(project_id: int) -> list[EnablerAssignment]:
    """Current enabler first, then past ones, most recent first."""
    return db.session.scalars(
        db.select(EnablerAssignment)
        .where(EnablerAssignment.project_id == project_id)
        .options(_named(EnablerAssignment.enabler))
        .order_by(
            EnablerAssignment.ends_on.is_not(None), EnablerAssignment.starts_on.desc(), EnablerAssignment.id.desc()
        )
    ).all()


def updates_statement(project_id: int):
    return (
        db.select(ProjectUpdate)
        .where(ProjectUpdate.project_id == project_id)
        .options(_named(ProjectUpdate.author))
        .order_by(ProjectUpdate.happened_on.desc(), ProjectUpdate.id.desc())
    )


def updates_between(statement, since: date | None, until: date | None):
    """The updates of ``updates_statement`` that happened from ``since`` to ``until`` (inclusive)."""
    if since:
        statement = statement.where(ProjectUpdate.happened_on >= since)
    if until:
        statement = statement.where(ProjectUpdate.happened_on <= until)
    return statement


def projects_statement(filters: dict):
    statement = db.select(Project).order_by(Project.reference)
    if filters.get("round"):
        statement = statement.where(Project.round_id == filters["round"])
    if filters.get("status"):
        statement = statement.where(Project.status == filters["status"])
    if filters.get("rag"):
        statement = (
            statement.where(Project.rag == filters["rag"])
            if filters["rag"] != "none"
            else statement.where(Project.rag.is_(None))
        )
    if filters.get("organisation"):
        statement = statement.where(Project.lead_organisation_id == filters["organisation"])
    if filters.get("hidden"):
        statement = statement.where(Project.application_id.not_in(filters["hidden"]))
    return statement


def current_enablers(project_ids: list[int]) -> dict[int, EnablerAssignment]:
    return {
        assignment.project_id: assignment
        for assignment in db.session.scalars(
            db.select(EnablerAssignment).where(
                EnablerAssignment.project_id.in_(project_ids), EnablerAssignment.ends_on.is_(None)
            )
        )
    }


def history(project_id: int) -> list[tuple]:
    """(when, what) for each move in the project's life, from the audit trail, oldest first."""
    events = db.session.execute(
        db.select(AuditEvent.occurred_at, AuditEvent.action)
        .where(
            AuditEvent.object_type == "project",
            AuditEvent.object_id == str(project_id),
            AuditEvent.action.in_(TIMELINE_ACTIONS),
        )
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    ).all()
    return [(occurred_at, TIMELINE_ACTIONS[action]) for occurred_at, action in events]


def audit_links(user, ids: list[str]) -> dict[str, str]:
    """Projects named in the audit trail that the person may open (a fixed number of queries)."""
    from flask import url_for

    from grants.core.audit_links import whole_ids
    from grants.projects.permissions import viewable_project_ids

    return {
        str(project_id): url_for("projects.show", project_id=project_id)
        for project_id in viewable_project_ids(user, whole_ids(ids))
    }
