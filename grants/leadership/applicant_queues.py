"""The applicant's home: self-assessments their projects' participants have been invited to and not all
answered, while the stage is open. The team chases them, invites them again or closes the stage on the
project's leadership page (``permissions.can_manage_participants``). A stage has no due date of its own,
so each item says when its first invitations went. Two queries: a count, and the first few."""

from __future__ import annotations

from dataclasses import replace

from flask import url_for

from grants.core.queues import SHOWN, Queue, WorkItem
from grants.core.times import format_date
from grants.extensions import db
from grants.leadership.models import (
    STAGE_PHRASES,
    AssessmentInvitation,
    AssessmentResponse,
    Participant,
    StageClosure,
)
from grants.projects.models import FINISHED_STATUSES, Project


def _stages_waiting(organisation_id: int):
    """(project, stage) rows with how many were invited, how many answered and when invitations first went."""
    invited = db.func.count(AssessmentInvitation.id)
    answered = db.func.count(AssessmentResponse.id)
    closed = db.exists().where(StageClosure.project_id == Project.id, StageClosure.stage == AssessmentInvitation.stage)
    return (
        db.select(
            Project.id,
            Project.reference,
            AssessmentInvitation.stage,
            invited.label("invited"),
            answered.label("answered"),
            db.func.min(AssessmentInvitation.sent_at).label("first_sent"),
        )
        .select_from(AssessmentInvitation)
        .join(Participant, Participant.id == AssessmentInvitation.participant_id)
        .join(Project, Project.id == Participant.project_id)
        .outerjoin(
            AssessmentResponse,
            (AssessmentResponse.participant_id == AssessmentInvitation.participant_id)
            & (AssessmentResponse.stage == AssessmentInvitation.stage),
        )
        .where(Project.lead_organisation_id == organisation_id, Project.status.not_in(FINISHED_STATUSES), ~closed)
        .group_by(Project.id, Project.reference, AssessmentInvitation.stage)
        .having(answered < invited)
    )


def assessments_waiting(user) -> Queue:
    queue = Queue(
        key="leadership.assessments",
        heading="Self-assessments waiting for answers",
        count=0,
        empty="Everyone invited to a self-assessment that is still open has answered it.",
    )
    if not user.organisation_id:
        return queue
    waiting = _stages_waiting(user.organisation_id).subquery()
    count = db.session.scalar(db.select(db.func.count()).select_from(waiting))
    if not count:
        return queue
    rows = db.session.execute(
        db.select(waiting).order_by(waiting.c.first_sent, waiting.c.id, waiting.c.stage).limit(SHOWN)
    ).all()
    items = [
        WorkItem(
            text=f"Self-assessment {STAGE_PHRASES[stage]} {reference}",
            href=url_for("leadership.project", project_id=project_id) + "#stages",
            why=f"{answered} of {invited} invited {'has' if answered == 1 else 'have'} answered; "
            f"first invited on {format_date(first_sent)}",
        )
        for project_id, reference, stage, invited, answered, first_sent in rows
    ]
    return replace(queue, count=count, items=items)
