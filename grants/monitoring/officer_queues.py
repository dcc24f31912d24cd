"""The programme officer's home: progress reports waiting for review, the longest waiting first (the
list the reports page shows). Accepting a report, or asking for changes, takes it out. Two queries."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import func

from grants.core.queues import SHOWN, Queue, WorkItem
from grants.core.times import format_date
from grants.extensions import db
from grants.monitoring.models import ProgressReport
from grants.monitoring.queries import reports_statement
from grants.projects.models import Project

WAITING = "submitted"


def _title(report) -> str:
    """As ``ProgressReport.title`` says it, in a sentence."""
    return "the final report" if report.is_final else f"progress report {report.sequence}"


def reports_to_review(user) -> Queue:
    statement = reports_statement(WAITING)
    count = db.session.scalar(db.select(func.count()).select_from(statement.order_by(None).subquery()))
    reports = db.session.execute(
        statement.with_only_columns(
            ProgressReport.id,
            ProgressReport.project_id,
            ProgressReport.sequence,
            ProgressReport.is_final,
            ProgressReport.submitted_at,
            Project.reference,
            Project.title,
            maintain_column_froms=True,
        ).limit(SHOWN)
    ).all()
    items = [
        WorkItem(
            f"Review {_title(report)} for {report.reference}",
            url_for("monitoring.report", project_id=report.project_id, report_id=report.id),
            why=f"{report.title}, sent on {format_date(report.submitted_at)}",
        )
        for report in reports
    ]
    return Queue(
        "monitoring.reports",
        "Progress reports to review",
        count,
        items,
        more=("All reports waiting for review", url_for("monitoring.reports")),
        empty="No progress report is waiting for review.",
    )
