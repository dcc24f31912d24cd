"""The programme officer's home: bids needing reviewers. A round does not fix how many reviewers each
bid has (the officer chooses when assigning), so a bid under assessment needs one when it has fewer
active reviewers than the most any bid in its round has, and always when it has none (the rule of
``queries.wanted_reviewers``, which the chair's home and the reviewers page follow too): the same bids
the reviewers page offers for reassignment after a conflict, and those nobody has been asked to review.
An assignment takes the bid out of the queue. Two queries, however many bids."""

from __future__ import annotations

from datetime import date

from flask import url_for
from sqlalchemy import func

from grants.applications.models import Application
from grants.core.queues import SHOWN, Queue, WorkItem
from grants.extensions import db
from grants.reviews import queries
from grants.rounds.models import Round


def _why(reviewers: int, wanted: int) -> str:
    if reviewers == 0:
        return "No reviewers yet"
    return f"{reviewers} of {wanted} reviewers"


def bids_needing_reviewers(user) -> Queue:
    today = date.today()
    bids = queries.reviewer_counts()
    wanted = queries.wanted_reviewers_of(bids)
    short = bids.c.active < wanted
    count = db.session.scalar(db.select(func.count()).select_from(bids).where(short))
    rows = db.session.execute(
        db.select(
            Application.id,
            Application.reference,
            Application.title,
            Round.assessment_deadline,
            bids.c.active,
            wanted.label("wanted"),
        )
        .select_from(bids)
        .join(Application, Application.id == bids.c.application_id)
        .join(Round, Round.id == Application.round_id)
        .where(short)
        .order_by(bids.c.active, Round.assessment_deadline, Application.reference)
        .limit(SHOWN)
    ).all()
    items = [
        WorkItem(
            f"Find reviewers for {row.reference} {row.title or 'Untitled bid'}",
            url_for("review_admin.assign", application_id=row.id),
            why=_why(row.active, row.wanted),
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
