"""Awards given up: the budget and place an approved bid frees for a reserve bid, and the chairs told.

Projects confirms that a partnership gives up its award before any payment (``grants.projects.ending``).
The bid stays approved, with its decision; the round's approved portfolio then leaves it out
(``decisions.portfolio_effect``, from ``queries.round_ranking``), so a chair can approve a reserve bid
into what it freed. A project ended early still holds its budget and place: it was paid.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from grants.applications.models import ApplicationStatus
from grants.core.money import format_pence
from grants.extensions import db
from grants.notifications.services import queue_email
from grants.projects.models import Project, ProjectEnding, ProjectStatus
from grants.reviews import decisions, queries
from grants.rounds.models import RoundStatus


def awards_given_up(application_ids: Iterable[int]) -> dict[int, datetime]:
    """Of these bids, those approved whose award was given up since, with when (in one query)."""
    ids = list(application_ids)
    if not ids:
        return {}
    return {
        application_id: finished_at
        for application_id, finished_at in db.session.execute(
            db.select(Project.application_id, Project.finished_at).where(
                Project.application_id.in_(ids), Project.status == ProjectStatus.WITHDRAWN
            )
        )
    }


def tell_chairs_place_open(project: Project, ending: ProjectEnding) -> int:
    """Each active steering group chair hears, once however often this runs, which project gave up its
    award, what that freed and how many bids wait on the reserve list. The reason stays with the
    partnership and the programme team. Nothing is sent once the round is past approving reserves.
    Returns how many chairs were told now."""
    round_ = project.round
    if round_.status != RoundStatus.DECIDED:
        return 0
    db.session.flush()  # the ranking reads through the connection: it must see the project given up
    ranking = queries.round_ranking(round_)
    effect = decisions.portfolio_effect(round_, ranking, decisions.current_outcomes(ranking))
    freed = next((a.cost_pence for a in ranking if a.application_id == project.application_id), project.award_pence)
    context = {
        "reference": project.reference,
        "round_title": round_.title,
        "round_id": round_.id,
        "award": format_pence(freed, whole=True),
        "places": round_.places,
        "left": format_pence(max(0, effect.budget_pence - effect.total_pence), whole=True),
        "places_left": max(0, round_.places - effect.count) if round_.places else None,
        "reserves": sum(1 for a in ranking if a.status == ApplicationStatus.RESERVE),
    }
    told = 0
    for chair in queries.chairs():
        # A chair with a conflict of interest with the bid is told the reference, not the title.
        conflicted = project.application_id in queries.conflicted_application_ids(chair)
        sent = queue_email(
            chair.email,
            "place_open",
            {**context, "name": chair.name, "project_title": None if conflicted else project.title},
            user=chair,
            dedupe_key=f"place_open:{ending.id}:{chair.id}",
        )
        told += sent is not None
    return told
