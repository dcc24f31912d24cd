"""The applicant's home: the progress reports their projects owe now, and what the programme team has
sent back to them to change (a report with changes requested, a learning item returned with comments).

Only the person's own organisation's projects, and only what the linked page lets them change: a
report while its project runs (``permissions.can_write_report``), a learning item even after (learning
can still be written once a project has finished)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from flask import url_for

from grants.core.queues import SHOWN, Queue, WorkItem
from grants.core.times import london_today
from grants.extensions import db
from grants.learning.models import ItemStatus, LearningItem
from grants.monitoring.models import ProgressReport, ReportStatus
from grants.monitoring.services import OPENS_DAYS_BEFORE_END
from grants.projects.models import FINISHED_STATUSES, Project


def _reports_of(organisation_id: int, status: ReportStatus):
    return (
        db.select(ProgressReport)
        .join(Project, Project.id == ProgressReport.project_id)
        .where(
            Project.lead_organisation_id == organisation_id,
            Project.status.not_in(FINISHED_STATUSES),
            ProgressReport.status == status,
        )
    )


def _report_title(sequence: int, is_final: bool) -> str:
    return "Final report" if is_final else f"Progress report {sequence}"


def reports_due(user) -> Queue:
    """Reports still to send whose period is ending or over, so they can be submitted now; earliest due first."""
    queue = Queue(
        key="monitoring.reports",
        heading="Progress reports due",
        count=0,
        empty="No progress report is due from your projects at the moment.",
    )
    if not user.organisation_id:
        return queue
    today = london_today()
    statement = _reports_of(user.organisation_id, ReportStatus.DUE).where(
        ProgressReport.period_end <= today + timedelta(days=OPENS_DAYS_BEFORE_END)
    )
    count = db.session.scalar(statement.with_only_columns(db.func.count(ProgressReport.id)).order_by(None))
    if not count:
        return queue
    rows = db.session.execute(
        statement.with_only_columns(
            ProgressReport.id,
            ProgressReport.project_id,
            ProgressReport.sequence,
            ProgressReport.is_final,
            ProgressReport.due_on,
            Project.reference,
            Project.title,
        )
        .order_by(ProgressReport.due_on, ProgressReport.id)
        .limit(SHOWN)
    ).all()
    items = [
        WorkItem(
            text=f"{_report_title(sequence, is_final)} for {reference} {title}",
            href=url_for("monitoring.report", project_id=project_id, report_id=report_id),
            due=due_on,
            overdue=due_on < today,
        )
        for report_id, project_id, sequence, is_final, due_on, reference, title in rows
    ]
    return replace(queue, count=count, items=items)


def changes_asked(user) -> Queue:
    """Reports with changes requested and learning items returned, the longest waiting first."""
    queue = Queue(
        key="monitoring.changes",
        heading="Changes asked of you",
        count=0,
        empty="The programme team has not asked you to change anything.",
    )
    if not user.organisation_id:
        return queue
    reports = _reports_of(user.organisation_id, ReportStatus.CHANGES_REQUESTED)
    learning = (
        db.select(LearningItem)
        .join(Project, Project.id == LearningItem.project_id)
        .where(Project.lead_organisation_id == user.organisation_id, LearningItem.status == ItemStatus.RETURNED)
    )
    count = db.session.scalar(
        db.select(
            reports.with_only_columns(db.func.count(ProgressReport.id)).scalar_subquery()
            + learning.with_only_columns(db.func.count(LearningItem.id)).scalar_subquery()
        )
    )
    if not count:
        return queue
    today = london_today()
    report_rows = db.session.execute(
        reports.with_only_columns(
            ProgressReport.reviewed_at,
            ProgressReport.id,
            ProgressReport.project_id,
            ProgressReport.sequence,
            ProgressReport.is_final,
            ProgressReport.due_on,
            Project.reference,
        )
        .order_by(ProgressReport.reviewed_at, ProgressReport.id)
        .limit(SHOWN)
    ).all()
    item_rows = db.session.execute(
        learning.with_only_columns(
            LearningItem.reviewed_at, LearningItem.id, LearningItem.project_id, LearningItem.title, Project.reference
        )
        .order_by(LearningItem.reviewed_at, LearningItem.id)
        .limit(SHOWN)
    ).all()
    waiting = [
        (
            reviewed_at,
            WorkItem(
                text=f"Change {_report_title(sequence, is_final).lower()} for {reference}",
                href=url_for("monitoring.report", project_id=project_id, report_id=report_id),
                why="Changes requested by the programme team",
                due=due_on,
                overdue=due_on < today,
            ),
        )
        for reviewed_at, report_id, project_id, sequence, is_final, due_on, reference in report_rows
    ] + [
        (
            reviewed_at,
            WorkItem(
                text=f"Revise ‘{title}’ for {reference}",
                href=url_for("learning.write", project_id=project_id, item_id=item_id),
                why="Learning returned with comments",
            ),
        )
        for reviewed_at, item_id, project_id, title, reference in item_rows
    ]
    waiting.sort(key=lambda pair: pair[0].timestamp() if pair[0] else float("inf"))
    return replace(queue, count=count, items=[item for _, item in waiting[:SHOWN]])
