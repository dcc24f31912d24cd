"""The programme officer's home: bids needing reviewers. A round does not fix how many reviewers each
bid has (the officer chooses when assigning), so a bid under assessment needs one when it has fewer
active reviewers than the most any bid in its round has, and always when it has none: the same bids
the reviewers page offers for reassignment after a conflict, and those nobody has been asked to review.
An assignment takes the bid out of the queue. Two queries, however many bids."""

from __future__ import annotations

from datetime import date

from flask import url_for
from sqlalchemy import case, func

from grants.applications.models import Application
from grants.core.queues import SHOWN, Queue, WorkItem
from grants.extensions import db
from grants.reviews.models import ReviewAssignment
from grants.reviews.permissions import ASSESSABLE_ROUND_STATES, ASSIGNABLE_BID_STATES
from grants.reviews.queries import ACTIVE_REVIEWS
from grants.rounds.models import Round


def needing_reviewers():
    """Each assignable bid of a round under assessment with its active reviewers and how many it wants,
    as a subquery (``id``, ``reviewers``, ``wanted``), and the condition that it needs more."""
    active = (
        db.select(ReviewAssignment.application_id, func.count().label("reviewers"))
        .where(ReviewAssignment.status.in_(ACTIVE_REVIEWS))
        .group_by(ReviewAssignment.application_id)
        .subquery()
    )
    reviewers = func.coalesce(active.c.reviewers, 0)
    bids = (
        db.select(
            Application.id,
            reviewers.label("reviewers"),
            func.max(reviewers).over(partition_by=Application.round_id).label("most"),
        )
        .join(Round, Round.id == Application.round_id)
        .outerjoin(active, active.c.application_id == Application.id)
        .where(Application.status.in_(ASSIGNABLE_BID_STATES), Round.status.in_(ASSESSABLE_ROUND_STATES))
        .subquery()
    )
    wanted = case((bids.c.most > 1, bids.c.most), else_=1)
    return bids, wanted, bids.c.reviewers < wanted


def _why(reviewers: int, wanted: int) -> str:
    if reviewers == 0:
        return "No reviewers yet"
    return f"{reviewers} of {wanted} reviewers"


def bids_needing_reviewers(user) -> Queue:
    today = date.today()
    bids, wanted, short = needing_reviewers()
    count = db.session.scalar(db.select(func.count()).select_from(bids).where(short))
    rows = db.session.execute(
        db.select(
            Application.id,
            Application.reference,
            Application.title,
            Round.assessment_deadline,
            bids.c.reviewers,
            wanted.label("wanted"),
        )
        .select_from(bids)
        .join(Application, Application.id == bids.c.id)
        .join(Round, Round.id == Application.round_id)
        .where(short)
        .order_by(bids.c.reviewers, Round.assessment_deadline, Application.reference)
        .limit(SHOWN)
    ).all()
    items = [
        WorkItem(
            f"Find reviewers for {row.reference} {row.title or 'Untitled bid'}",
            url_for("review_admin.assign", application_id=row.id),
            why=_why(row.reviewers, row.wanted),
            due=row.assessment_deadline,
            overdue=row.assessment_deadline is not None and row.assessment_deadline < today,
        )
        for row in rows
    ]
    return Queue(
        "reviews.needing_reviewers",
        "Bids needing reviewers",
        count,
        items,
        more=("Rounds being assessed", url_for("assessment.index")),
        empty="Every bid under assessment has its reviewers.",
    )
