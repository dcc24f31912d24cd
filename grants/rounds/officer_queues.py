"""The programme officer's home: open rounds closing in the next two weeks, soonest first, with their
closing time. A round leaves the queue when it closes (or is closed early). Two queries."""

from __future__ import annotations

from datetime import timedelta

from flask import url_for
from sqlalchemy import func

from grants.core.db import utcnow
from grants.core.queues import SHOWN, Queue, WorkItem
from grants.core.times import format_datetime
from grants.extensions import db
from grants.rounds.models import Round, RoundStatus

SOON = timedelta(days=14)


def rounds_closing_soon(user) -> Queue:
    now = utcnow()
    closing = (Round.status == RoundStatus.OPEN, Round.closes_at > now, Round.closes_at <= now + SOON)
    count = db.session.scalar(db.select(func.count()).select_from(Round).where(*closing))
    rounds = db.session.execute(
        db.select(Round.id, Round.code, Round.title, Round.closes_at)
        .where(*closing)
        .order_by(Round.closes_at, Round.code)
        .limit(SHOWN)
    ).all()
    items = [
        WorkItem(
            f"{round_.code}: {round_.title}",
            url_for("round_admin.show", round_id=round_.id),
            why=f"Closes to bids {format_datetime(round_.closes_at)}",
        )
        for round_ in rounds
    ]
    return Queue(
        "rounds.closing_soon",
        "Rounds closing soon",
        count,
        items,
        more=("All rounds", url_for("round_admin.index")),
        empty="No open round closes in the next two weeks.",
    )
