from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import lazyload, selectinload

from grants.core.db import utcnow
from grants.extensions import db
from grants.rounds.models import Round, RoundStatus


def public_rounds(now=None) -> dict:
    """Open, upcoming and recently closed rounds, for the public list: one query, whatever the number (the
    list shows no round's themes)."""
    now = now or utcnow()
    rounds = db.session.scalars(
        db.select(Round)
        .where(Round.status.in_([RoundStatus.OPEN, RoundStatus.CLOSED, RoundStatus.ASSESSING, RoundStatus.DECIDED]))
        .order_by(Round.closes_at, Round.id)
        .options(lazyload(Round.themes))
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


# How many bids each round has in each state. Bids are an area above rounds: the applications area
# says how to count them when it is set up (``count_bids_with``).
_BID_COUNTER: list[Callable[[], dict[int, dict[str, int]]]] = []


def count_bids_with(counter: Callable[[], dict[int, dict[str, int]]]) -> None:
    """``counter()``: round id → bid status → how many bids (one query)."""
    _BID_COUNTER[:] = [counter]


def managed_rounds() -> tuple[list[Round], dict[int, dict[str, int]]]:
    """Every round, newest first, with how many bids it has in each state."""
    if not _BID_COUNTER:
        raise RuntimeError("the applications area has not said how to count a round's bids")
    rounds = db.session.scalars(db.select(Round).order_by(Round.opens_at.desc(), Round.id.desc())).all()
    return rounds, _BID_COUNTER[0]()


def round_with_criteria(round_id: int) -> Round | None:
    return db.session.scalar(db.select(Round).where(Round.id == round_id).options(selectinload(Round.criteria)))


def audit_links(user, ids: list[str]) -> dict[str, str]:
    """Rounds named in the audit trail, linked to their management page for the programme officer (one
    query); nobody else manages rounds, so others see them named in plain text."""
    from flask import url_for

    from grants.core.audit_links import whole_ids
    from grants.core.permissions import Role

    if not user.has_role(Role.PROGRAMME_OFFICER):
        return {}
    found = db.session.scalars(db.select(Round.id).where(Round.id.in_(whole_ids(ids)))).all()
    return {str(round_id): url_for("round_admin.show", round_id=round_id) for round_id in found}
