"""What monitoring asks of a project's close-out: its final report, accepted."""

from __future__ import annotations

from grants.core.times import format_date
from grants.extensions import db
from grants.monitoring.models import ProgressReport, ReportStatus
from grants.projects.ending import LeftItem
from grants.projects.models import Project


def final_report_of(project: Project) -> ProgressReport | None:
    report: ProgressReport | None = db.session.scalar(
        db.select(ProgressReport)
        .where(ProgressReport.project_id == project.id, ProgressReport.is_final.is_(True))
        .order_by(ProgressReport.sequence.desc())
        .limit(1)
    )
    return report


def _state(report: ProgressReport) -> str:
    if report.status == ReportStatus.ACCEPTED:
        return f"Accepted on {format_date(report.reviewed_at)}"
    if report.status == ReportStatus.SUBMITTED:
        return "Submitted, waiting for review"
    if report.status == ReportStatus.CHANGES_REQUESTED:
        return "Changes requested, waiting for the project team"
    return f"Due {format_date(report.due_on)}: not yet submitted"


def closeout_left(project: Project) -> list[LeftItem]:
    """The final report, accepted. (A project scheduled without one has nothing to wait for here.)"""
    report = final_report_of(project)
    if report is None:
        return []
    return [
        LeftItem(
            key="final_report",
            title="Final progress report accepted",
            done=report.status == ReportStatus.ACCEPTED,
            detail=_state(report),
            endpoint="monitoring.project",
            order=10,
        )
    ]
