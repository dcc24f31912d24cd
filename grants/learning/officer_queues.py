"""The programme officer's home: case studies and insights sent for review, the longest waiting first
(the list the learning review page shows). Publishing one, returning it or keeping it internal takes
it out. Two queries."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import func

from grants.accounts.models import User
from grants.core.queues import SHOWN, Queue, WorkItem
from grants.extensions import db
from grants.learning.models import LearningItem
from grants.learning.queries import review_statement
from grants.projects.models import Project


def learning_to_review(user) -> Queue:
    statement = review_statement()
    count = db.session.scalar(db.select(func.count()).select_from(LearningItem).where(statement.whereclause))
    learning = db.session.execute(
        db.select(LearningItem.id, LearningItem.project_id, LearningItem.title, Project.reference, User.name)
        .join(Project, Project.id == LearningItem.project_id)
        .outerjoin(User, User.id == LearningItem.author_id)
        .where(statement.whereclause)
        .order_by(LearningItem.submitted_at, LearningItem.id)  # as the review page: the longest waiting first
        .limit(SHOWN)
    ).all()
    items = [
        WorkItem(
            f"Review “{item.title}”",
            url_for("learning.item", project_id=item.project_id, item_id=item.id),
            why=f"{item.reference}, sent by {item.name or 'someone no longer known'}",
        )
        for item in learning
    ]
    return Queue(
        "learning.reviews",
        "Learning to review",
        count,
        items,
        more=("All learning to review", url_for("learning.reviews")),
        empty="No case study or insight is waiting for review.",
    )
