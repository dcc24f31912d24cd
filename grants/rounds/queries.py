from __future__ import annotations

from collections import defaultdict

from sqlalchemy.orm import selectinload

from grants.core.db import utcnow
from grants.extensions import db
from grants.rounds.models import Round, RoundStatus


def public_rounds(now=None) -> dict:
    """Open, upcoming and recently closed rounds, for the public list: two queries, whatever the number."""
    now = now or utcnow()
    rounds = db.session.scalars(
        db.select(Round)
        .where(Round.status.in_([RoundStatus.OPEN, RoundStatus.CLOSED, RoundStatus.ASSESSING, RoundStatus.DECIDED]))
        .order_by(Round.closes_at, Round.id)
    ).all()
    return {
        "open_rounds": [r for r in rounds if r.is_accepting(now)],
        "upcoming_rounds": [r for r in rounds if r.is_upcoming(now)],
        "past_rounds": sorted(
            (r for r in rounds if r.closes_at <= now or r.status != RoundStatus.OPEN),
            key=lambda r: r.closes_at,
            reverse=True,
        ),
    }


def managed_rounds() -> tuple[list[Round], dict[int, dict[str, int]]]:
    """Every round, newest first, with how many bids it has in each state."""
    from grants.applications.models import Application

    rounds = db.session.scalars(db.select(Round).order_by(Round.opens_at.desc(), Round.id.desc())).all()
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for round_id, status, number in db.session.execute(
        db.select(Application.round_id, Application.status, db.func.count()).group_by(
            Application.round_id, Application.status
        )
    ):
        counts[round_id][status] = number
    return rounds, counts


def round_with_criteria(round_id: int) -> Round | None:
    return db.session.scalar(db.select(Round).where(Round.id == round_id).options(selectinload(Round.criteria)))
