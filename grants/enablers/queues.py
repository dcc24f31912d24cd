"""The enabler's home: the projects they support that are due an update, each with its RAG, and how
their projects stand. When an update is due follows the one rule in ``grants.enablers.quiet`` (the
reminder after a quiet spell reads it too). Two queries, however many projects."""

from __future__ import annotations

from datetime import date, timedelta

from flask import url_for
from sqlalchemy import and_, func

from grants.core.queues import SHOWN, Queue, WorkItem
from grants.enablers.quiet import due_on, quiet_by, quiet_since, updates_expected
from grants.extensions import db
from grants.projects.models import LIVE_STATUSES, RAG_LABELS, EnablerAssignment, Project

SOON = timedelta(days=7)  # an update due within a week is in front of the enabler now


def _supported_by(user):
    """The support going on now: the person's assignments not ended, of projects still live."""
    return and_(
        EnablerAssignment.enabler_id == user.id,
        EnablerAssignment.ends_on.is_(None),
        Project.status.in_(LIVE_STATUSES),
    )


def _summary(supported: int, rags: dict[str, int]) -> str | None:
    if not supported:
        return None
    parts = [f"{rags[rag]} {RAG_LABELS[rag].lower()}" for rag in ("red", "amber", "green") if rags[rag]]
    unrated = supported - sum(rags.values())
    if unrated:
        parts.append(f"{unrated} not yet rated")
    noun = "project" if supported == 1 else "projects"
    return f"You support {supported} {noun}: {', '.join(parts)}."


def updates_due(user) -> Queue:
    today = date.today()
    supported = _supported_by(user)
    due = and_(updates_expected(), quiet_by(today + SOON))
    counts = db.session.execute(
        db.select(
            func.count(),
            func.count().filter(due),
            *(func.count().filter(Project.rag == rag) for rag in ("red", "amber", "green")),
        )
        .select_from(EnablerAssignment)
        .join(Project, Project.id == EnablerAssignment.project_id)
        .where(supported)
    ).one()
    projects, count, *rags = counts
    since = quiet_since().label("since")
    rows = db.session.execute(
        db.select(Project.id, Project.reference, Project.title, Project.rag, since)
        .select_from(EnablerAssignment)
        .join(Project, Project.id == EnablerAssignment.project_id)
        .where(supported, due)
        .order_by(since, Project.reference)
        .limit(SHOWN)
    ).all()
    items = [
        WorkItem(
            f"Add an update to {row.reference} {row.title}",
            url_for("projects.update", project_id=row.id),
            why=f"RAG: {RAG_LABELS.get(row.rag, 'not yet rated').lower()}",
            due=due_on(row.since),
            overdue=due_on(row.since) < today,
        )
        for row in rows
    ]
    return Queue(
        "enablers.updates",
        "Project updates due",
        count,
        items,
        more=("All your projects", url_for("enablers.home")),
        empty="No update is due on your projects in the next week."
        if projects
        else "You are not supporting any projects at the moment.",
        summary=_summary(projects, dict(zip(("red", "amber", "green"), rags, strict=True))),
    )
