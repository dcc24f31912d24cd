"""The programme officer's home: tranches ready to request, and conditions still unmet on tranches
already due. "Ready to request" is the tranche's status, which ``payment_blockers`` alone sets (the one
readiness rule); a request takes the tranche out of the queue. Two queries a queue."""

from __future__ import annotations

from datetime import date

from flask import url_for
from sqlalchemy import func

from grants.core.money import format_pence
from grants.core.queues import SHOWN, Queue, WorkItem
from grants.directory.models import Organisation
from grants.extensions import db
from grants.funding.models import CONDITION_KINDS, Tranche, TrancheCondition, TrancheStatus
from grants.funding.queries import VIEWS, view_totals
from grants.funding.routes.pages import to_project
from grants.projects.models import LIVE_STATUSES, Project

READY = TrancheStatus.ELIGIBLE
ORDER = (Tranche.due_on, Project.reference, Tranche.sequence)  # as the funding page lists them


def tranches_ready(user) -> Queue:
    today = date.today()
    count, total = view_totals(READY)
    tranches = db.session.execute(
        db.select(
            Tranche.sequence,
            Tranche.project_id,
            Tranche.amount_pence,
            Tranche.due_on,
            Project.reference,
            Organisation.name.label("lead"),
        )
        .join(Project, Project.id == Tranche.project_id)
        .join(Organisation, Organisation.id == Project.lead_organisation_id)
        .where(Tranche.status == READY)
        .order_by(*ORDER)
        .limit(SHOWN)
    ).all()
    items = [
        WorkItem(
            f"Request tranche {tranche.sequence} for {tranche.reference}",
            to_project(tranche.project_id, f"#tranche-{tranche.sequence}"),
            why=f"{format_pence(tranche.amount_pence)} to {tranche.lead}",
            due=tranche.due_on,
            overdue=tranche.due_on < today,
        )
        for tranche in tranches
    ]
    return Queue(
        "funding.ready",
        "Tranches ready to request",
        count,
        items,
        more=(f"All tranches {VIEWS[READY].lower()}", url_for("funding.index", view=READY)),
        empty="No tranche is ready to request.",
        summary=f"{format_pence(total)} in total" if count else None,
    )


def _overdue(statement, today: date):
    """Conditions not yet met (nor waived) of unpaid tranches whose due date has passed, on projects
    still running."""
    return (
        statement.join(Tranche, Tranche.id == TrancheCondition.tranche_id)
        .join(Project, Project.id == Tranche.project_id)
        .where(
            TrancheCondition.met_at.is_(None),
            TrancheCondition.waived_at.is_(None),
            Tranche.status.in_((TrancheStatus.SCHEDULED, TrancheStatus.HELD)),
            Tranche.due_on < today,
            Project.status.in_(LIVE_STATUSES),
        )
    )


def conditions_overdue(user) -> Queue:
    today = date.today()
    count = db.session.scalar(_overdue(db.select(func.count()).select_from(TrancheCondition), today))
    rows = db.session.execute(
        _overdue(
            db.select(
                TrancheCondition.kind,
                TrancheCondition.description,
                Tranche.sequence,
                Tranche.due_on,
                Project.id.label("project_id"),
                Project.reference,
            ).select_from(TrancheCondition),
            today,
        )
        .order_by(Tranche.due_on, Project.reference, Tranche.sequence, TrancheCondition.position, TrancheCondition.id)
        .limit(SHOWN)
    ).all()
    items = [
        WorkItem(
            f"{row.reference}, tranche {row.sequence}: {row.description or CONDITION_KINDS[row.kind]}",
            to_project(row.project_id, f"#tranche-{row.sequence}"),
            why="Not yet met",
            due=row.due_on,
            overdue=True,
        )
        for row in rows
    ]
    return Queue(
        "funding.conditions_overdue",
        "Conditions overdue",
        count,
        items,
        more=("Tranches due now", url_for("funding.index", view="due")),
        empty="No tranche that is due still waits for a condition.",
    )
