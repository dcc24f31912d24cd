"""The enabler's home: the funding conditions they confirm on the projects they support, which a
tranche waits for. The same conditions as their projects page lists (``waiting_for_owner``); two
queries, however many there are."""

from __future__ import annotations

from datetime import date

from flask import url_for
from sqlalchemy import and_, func

from grants.core.queues import SHOWN, Queue, WorkItem
from grants.extensions import db
from grants.funding.models import CONDITION_KINDS, Tranche, TrancheCondition
from grants.funding.queries import waiting_for_owner
from grants.projects.models import LIVE_STATUSES, EnablerAssignment, Project


def _mine(statement, user):
    """Conditions the person confirms, on projects they support now."""
    return (
        statement.join(Tranche, Tranche.id == TrancheCondition.tranche_id)
        .join(Project, Project.id == Tranche.project_id)
        .join(
            EnablerAssignment,
            and_(
                EnablerAssignment.project_id == Project.id,
                EnablerAssignment.enabler_id == user.id,
                EnablerAssignment.ends_on.is_(None),
            ),
        )
        .where(waiting_for_owner(user.id), Project.status.in_(LIVE_STATUSES))
    )


def conditions_to_confirm(user) -> Queue:
    today = date.today()
    count = db.session.scalar(_mine(db.select(func.count()).select_from(TrancheCondition), user))
    rows = db.session.execute(
        _mine(
            db.select(
                TrancheCondition.id,
                TrancheCondition.kind,
                TrancheCondition.description,
                Tranche.sequence,
                Tranche.due_on,
                Project.reference,
            ).select_from(TrancheCondition),
            user,
        )
        .order_by(Tranche.due_on, Project.reference, TrancheCondition.id)
        .limit(SHOWN)
    ).all()
    items = [
        WorkItem(
            f"Confirm “{row.description or CONDITION_KINDS[row.kind]}” for {row.reference}",
            url_for("funding.confirm_condition", condition_id=row.id),
            why=f"Tranche {row.sequence} waits for it",
            due=row.due_on,
            overdue=row.due_on < today,
        )
        for row in rows
    ]
    return Queue(
        "funding.enabler_conditions",
        "Funding conditions to confirm",
        count,
        items,
        more=("All your projects", url_for("enablers.home")),
        empty="No funding condition is waiting for you to confirm it.",
    )
