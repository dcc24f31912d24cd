"""What each reminder says, worked out when it is sent, from the thing as it is then. A reminder
whose reason has gone (the bid was submitted, the report accepted, the project ended) is not sent."""

from __future__ import annotations

from datetime import date

from grants.applications.models import Application, ApplicationStatus
from grants.core.db import utcnow
from grants.extensions import db
from grants.funding.models import Tranche, TrancheStatus
from grants.learning.models import CommitmentStatus, LearningCommitment
from grants.monitoring.models import ProgressReport
from grants.notifications.services import renders_when_sent
from grants.projects.models import EnablerAssignment, Project, ProjectStatus, ProjectUpdate
from grants.reminders.rules import LIVE_PROJECT_STATUSES, Moment
from grants.reviews.models import AssignmentStatus


def _today() -> date:
    return Moment.at(utcnow()).today


def _reminded(project: Project) -> bool:
    """Whether the project's team is still reminded of what it owes (never once it has finished)."""
    return project.status in LIVE_PROJECT_STATUSES


@renders_when_sent("reminder_round_closing")
def round_closing(context: dict) -> dict | None:
    application = db.session.get(Application, context["id"])
    if application is None or application.status != ApplicationStatus.DRAFT or not application.round.is_accepting():
        return None
    return {
        "application_id": application.id,
        "title": application.title or "Your bid",
        "round_title": application.round.title,
        "closes_at": application.round.closes_at,
    }


@renders_when_sent("reminder_review_due")
def review_due(context: dict) -> dict | None:
    from grants.reviews.models import ReviewAssignment

    assignment = db.session.get(ReviewAssignment, context["id"])
    if assignment is None or assignment.status not in (AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS):
        return None
    application = assignment.application
    return {
        "assignment_id": assignment.id,
        "reference": application.reference or application.title,
        "due_on": assignment.due_on,
        "overdue": assignment.due_on < _today(),
    }


@renders_when_sent("reminder_report_due")
def report_due(context: dict) -> dict | None:
    report = db.session.get(ProgressReport, context["id"])
    if report is None or not report.is_editable or not _reminded(report.project):
        return None
    return {
        "project_id": report.project_id,
        "report_id": report.id,
        "reference": report.project.reference,
        "project_title": report.project.title,
        "report_title": report.title,
        "due_on": report.due_on,
        "overdue": report.due_on < _today(),
    }


@renders_when_sent("reminder_commitment_due")
def commitment_due(context: dict) -> dict | None:
    commitment = db.session.get(LearningCommitment, context["id"])
    if commitment is None or commitment.status == CommitmentStatus.DONE or commitment.due_on is None:
        return None
    project = commitment.project
    if not _reminded(project):
        return None
    return {
        "project_id": project.id,
        "commitment_id": commitment.id,
        "reference": project.reference,
        "description": commitment.description,
        "due_on": commitment.due_on,
        "overdue": commitment.due_on < _today(),
    }


@renders_when_sent("tranche_eligible")
def tranche_eligible(context: dict) -> dict | None:
    tranche = db.session.get(Tranche, context["id"])
    if tranche is None or tranche.status != TrancheStatus.ELIGIBLE:
        return None
    project = tranche.project
    if project.is_finished:
        return None
    return {
        "reference": project.reference,
        "project_title": project.title,
        "sequence": tranche.sequence,
        "amount_pence": tranche.amount_pence,
        "project_id": project.id,
    }


@renders_when_sent("reminder_quiet_enabler")
def quiet_enabler(context: dict) -> dict | None:
    assignment = db.session.get(EnablerAssignment, context["id"])
    if assignment is None or assignment.ends_on is not None:  # only the current enabler is reminded
        return None
    if assignment.project.status != ProjectStatus.ACTIVE:  # as the rule: an active project's enabler
        return None
    since = date.fromisoformat(str(context["stage"]).removeprefix("since-")[:10])
    updated_since = db.session.scalar(
        db.select(ProjectUpdate.id)
        .where(
            ProjectUpdate.project_id == assignment.project_id,
            ProjectUpdate.author_id == assignment.enabler_id,
            ProjectUpdate.happened_on > since,
        )
        .limit(1)
    )
    if updated_since is not None:
        return None
    project = assignment.project
    return {
        "project_id": project.id,
        "reference": project.reference,
        "project_title": project.title,
        "since": since,
        "enabler_name": assignment.enabler.name,
    }
