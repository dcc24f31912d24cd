"""Reading bids: every list ordered, everything a page shows loaded in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import contains_eager, joinedload, lazyload, load_only, selectinload

from grants.applications.models import Application, ApplicationStatus, application_themes
from grants.applications.workflow import DECISION_READ, TIMELINE_ACTIONS
from grants.core.audit import AuditEvent
from grants.core.db import utcnow
from grants.directory.models import Organisation, Place
from grants.documents.models import Document
from grants.extensions import db
from grants.rounds.models import Round, RoundStatus

# The decision on a bid, which its applicant sees once it has taken effect. Decisions are the steering
# group's (reviews, above this area): it says how to find one when it is set up (``find_decisions_with``).
_DECISIONS: list[Callable[[int], object | None]] = []


def find_decisions_with(finder: Callable[[int], object | None]) -> None:
    """``finder(application_id)``: the bid's decision once it has taken effect, else None (one query)."""
    _DECISIONS[:] = [finder]


def decision_in_effect(application_id: int):
    """The decision the applicant may see: only once it has taken effect."""
    if not _DECISIONS:  # never show a bid as undecided for want of asking
        raise RuntimeError("the reviews area has not said how to find a bid's decision")
    return _DECISIONS[0](application_id)


# Whether an approved bid's award was given up since is its project's (an area above this one): the area
# that knows says how to find out when it is set up (``find_awards_given_up_with``).
_GIVEN_UP: list[Callable[[list[int]], dict[int, datetime]]] = []


def find_awards_given_up_with(finder: Callable[[list[int]], dict[int, datetime]]) -> None:
    """``finder(application_ids)``: of these bids, those whose award was given up, with when (one query)."""
    _GIVEN_UP[:] = [finder]


def awards_given_up(applications: Iterable[Application]) -> dict[int, datetime]:
    """Of these bids, the approved ones whose award was given up since, with when."""
    ids = [application.id for application in applications if application.status == ApplicationStatus.APPROVED]
    if not ids:
        return {}
    if not _GIVEN_UP:  # never show a bid as funded for want of asking
        raise RuntimeError("no area has said how to find an award given up")
    return _GIVEN_UP[0](ids)


# The bid's conversation (an area above this one) says how many of its messages a person has not read,
# for the link to it on the bid's pages (``count_unread_messages_with``).
_UNREAD: list[Callable[[Any, Application], int | None]] = []


def count_unread_messages_with(counter: Callable[[Any, Application], int | None]) -> None:
    """``counter(user, application)``: how many of the bid's messages the person has not read, or None
    when they take no part in its conversation (one query)."""
    _UNREAD[:] = [counter]


def unread_messages(user: Any, application: Application) -> int | None:
    """For the "Messages" link on the bid's pages: None when the person is not in its conversation."""
    if not _UNREAD:  # never hide a bid's messages for want of asking
        raise RuntimeError("the conversations area has not said how to count a bid's unread messages")
    return _UNREAD[0](user, application)


def decision_read(application_id: int, reader_id: int, since: datetime) -> bool:
    """Whether the person has opened the bid's page since its decision took effect (one query)."""
    return bool(
        db.session.scalar(
            db.select(AuditEvent.id)
            .where(
                AuditEvent.action == DECISION_READ,
                AuditEvent.object_type == "application",
                AuditEvent.object_id == str(application_id),
                AuditEvent.actor_id == reader_id,
                AuditEvent.occurred_at >= since,
            )
            .limit(1)
        )
    )


def organisation_applications(organisation_id: int) -> list[Application]:
    return db.session.scalars(
        db.select(Application)
        .where(Application.lead_organisation_id == organisation_id)
        .options(selectinload(Application.themes))
        .order_by(Application.created_at.desc(), Application.id.desc())
    ).all()


def load_application(application_id: int) -> Application | None:
    """One bid with everything its pages show."""
    return db.session.scalar(
        db.select(Application)
        .where(Application.id == application_id)
        .options(
            selectinload(Application.partners),
            selectinload(Application.measures),
            selectinload(Application.commitments),
            selectinload(Application.budget_lines),
            selectinload(Application.documents),
        )
    )


def accepting_rounds(now=None) -> list[Round]:
    now = now or utcnow()
    return db.session.scalars(
        db.select(Round)
        .where(Round.status == RoundStatus.OPEN, Round.opens_at <= now, Round.closes_at > now)
        .order_by(Round.closes_at, Round.id)
    ).all()


def bid_counts_by_round() -> dict[int, dict[str, int]]:
    """Round id → bid status → how many bids (for the list of rounds to manage)."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for round_id, status, number in db.session.execute(
        db.select(Application.round_id, Application.status, db.func.count()).group_by(
            Application.round_id, Application.status
        )
    ):
        counts[round_id][status] = number
    return counts


LISTED_COLUMNS = (
    Application.round_id,
    Application.reference,
    Application.lead_organisation_id,
    Application.status,
    Application.title,
    Application.place_id,
    Application.amount_requested_pence,
    Application.match_amount_pence,
    Application.submitted_at,
)


def officer_statement(filters: dict):
    """The programme officer's list of bids, filtered; the lead organisation (joined once, for the
    sector filter too), round and place come in the same query, the themes in one more. Only the
    columns a list shows are read, not the bids' answers."""
    statement = (
        db.select(Application)
        .join(Application.lead_organisation)
        .options(
            load_only(*LISTED_COLUMNS),
            joinedload(Application.round).options(load_only(Round.code, Round.title), lazyload(Round.themes)),
            contains_eager(Application.lead_organisation).options(
                load_only(Organisation.name, Organisation.sector), lazyload(Organisation.place)
            ),
            joinedload(Application.place).load_only(Place.name, Place.ons_code),
            selectinload(Application.themes),
        )
    )
    if filters.get("round"):
        statement = statement.where(Application.round_id == filters["round"])
    if filters.get("status"):
        statement = statement.where(Application.status == filters["status"])
    if filters.get("theme"):
        statement = statement.where(
            Application.id.in_(
                db.select(application_themes.c.application_id).where(application_themes.c.theme_id == filters["theme"])
            )
        )
    if filters.get("place"):
        statement = statement.where(Application.place_id == filters["place"])
    if filters.get("sector"):
        statement = statement.where(Organisation.sector == filters["sector"])
    if filters.get("q"):
        text = filters["q"].lower()
        statement = statement.where(
            db.or_(
                db.func.lower(Application.reference).contains(text, autoescape=True),
                db.func.lower(Application.title).contains(text, autoescape=True),
            )
        )
    return statement.order_by(Application.submitted_at.desc().nulls_last(), Application.id.desc())


def timeline(application: Application, *, given_up_at: datetime | None = None) -> list[tuple]:
    """(when, what, detail) for the applicant's status timeline, from the audit trail; and, for an
    approved bid whose award was given up since (``awards_given_up``), when that was."""
    events = db.session.scalars(
        db.select(AuditEvent)
        .where(
            AuditEvent.object_type == "application",
            AuditEvent.object_id == str(application.id),
            AuditEvent.action.in_(TIMELINE_ACTIONS),
        )
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    ).all()
    steps = [(event.occurred_at, TIMELINE_ACTIONS[event.action], (event.after or {}).get("reason")) for event in events]
    return steps + ([(given_up_at, "Award given up", None)] if given_up_at else [])


def audit_links(user, ids: list[str]) -> dict[str, str]:
    """Bids named in the audit trail that the person may open (one query): the programme officer's view."""
    from flask import url_for

    from grants.applications.permissions import can_view_application
    from grants.core.audit_links import whole_ids
    from grants.core.permissions import Role

    rows = db.session.execute(
        db.select(Application.id, Application.lead_organisation_id).where(Application.id.in_(whole_ids(ids)))
    ).all()
    endpoint = "manage_applications.show" if user.has_role(Role.PROGRAMME_OFFICER) else "applications.show"
    return {str(row.id): url_for(endpoint, application_id=row.id) for row in rows if can_view_application(user, row)}


def answer_files(round_id: int) -> dict[int, str]:
    """The names of the files answering the round's questions, by document id, for its downloads."""
    rows = db.session.execute(
        db.select(Document.id, Document.original_filename)
        .join(Application, Application.id == Document.application_id)
        .where(Application.round_id == round_id, Document.kind == "answer")
        .order_by(Document.id)
    )
    return {document_id: name for document_id, name in rows}
