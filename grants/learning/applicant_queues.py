"""The applicant's home: their projects' learning commitments due within a month, or overdue. Only the
organisation's own projects, while they run (a finished project's commitments are a record, see
``permissions.can_update_commitments``). Two queries: a count, and the first few with their projects."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from flask import url_for

from grants.applications.models import COMMITMENT_KINDS
from grants.core.queues import SHOWN, Queue, WorkItem
from grants.core.times import london_today
from grants.extensions import db
from grants.learning.models import CommitmentStatus, LearningCommitment
from grants.projects.models import FINISHED_STATUSES, Project

DUE_WITHIN = timedelta(days=30)


def commitments_due(user) -> Queue:
    queue = Queue(
        key="learning.commitments",
        heading="Learning commitments due",
        count=0,
        empty="None of your projects' learning commitments is due in the next month.",
    )
    if not user.organisation_id:
        return queue
    today = london_today()
    statement = (
        db.select(LearningCommitment)
        .join(Project, Project.id == LearningCommitment.project_id)
        .where(
            Project.lead_organisation_id == user.organisation_id,
            Project.status.not_in(FINISHED_STATUSES),
            LearningCommitment.status != CommitmentStatus.DONE,
            LearningCommitment.due_on.is_not(None),
            LearningCommitment.due_on <= today + DUE_WITHIN,
        )
    )
    count = db.session.scalar(statement.with_only_columns(db.func.count(LearningCommitment.id)).order_by(None))
    if not count:
        return queue
    rows = db.session.execute(
        statement.with_only_columns(
            LearningCommitment.id,
            LearningCommitment.project_id,
            LearningCommitment.kind,
            LearningCommitment.description,
            LearningCommitment.due_on,
            Project.reference,
        )
        .order_by(LearningCommitment.due_on, LearningCommitment.id)
        .limit(SHOWN)
    ).all()
    items = [
        WorkItem(
            text=f"{COMMITMENT_KINDS.get(kind, 'Learning commitment')} for {reference}",
            href=url_for("learning.commitment", project_id=project_id, commitment_id=commitment_id),
            why=_shortened(description),
            due=due_on,
            overdue=due_on < today,
        )
        for commitment_id, project_id, kind, description, due_on, reference in rows
    ]
    return replace(queue, count=count, items=items)


def _shortened(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
