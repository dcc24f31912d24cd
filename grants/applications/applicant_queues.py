"""The applicant's home: the bids their organisation is still writing, and the partners those bids wait
for. Each queue is a fixed number of queries however many there are: a count, the first few with what
they show, and (for drafts) their rounds' forms."""

from __future__ import annotations

from dataclasses import replace

from flask import url_for
from sqlalchemy.orm import contains_eager, load_only, raiseload

from grants.applications.models import Application, ApplicationStatus, Partner, PartnerStatus
from grants.bidforms.queries import Form, forms_of
from grants.core.db import utcnow
from grants.core.queues import SHOWN, Queue, WorkItem
from grants.core.times import format_date
from grants.directory.models import Organisation
from grants.extensions import db
from grants.rounds.models import Round, RoundStatus


def _drafts_of(organisation_id: int):
    """The organisation's drafts in rounds still taking bids: those that can still be finished and sent."""
    now = utcnow()
    return (
        db.select(Application)
        .join(Application.round)
        .where(
            Application.lead_organisation_id == organisation_id,
            Application.status == ApplicationStatus.DRAFT,
            Round.status == RoundStatus.OPEN,
            Round.opens_at <= now,
            Round.closes_at > now,
        )
    )


def sections_done(application: Application, form: Form) -> tuple[int, int]:
    """How many of the bid's sections (the pages of its round's form it is asked) are marked completed,
    and of how many."""
    pages = form.shown_pages(application.answers or {})
    return sum(1 for page in pages if application.section_state(page.key) == "completed"), len(pages)


def drafts(user) -> Queue:
    """Drafts to finish, soonest closing first, each saying how far it has gone and when its round closes."""
    queue = Queue(
        key="applications.drafts",
        heading="Bids to finish",
        count=0,
        more=("All your bids", url_for("applications.index")),
        empty="You have no bids in draft. When you start one, it waits here until you submit it.",
    )
    if not user.organisation_id:
        return queue
    statement = _drafts_of(user.organisation_id)
    count = db.session.scalar(statement.with_only_columns(db.func.count(Application.id)).order_by(None))
    if not count:
        return queue
    shown = db.session.scalars(
        statement.options(
            load_only(
                Application.id,
                Application.title,
                Application.section_states,
                Application.answers,
                Application.round_id,
            ),
            contains_eager(Application.round).load_only(Round.title, Round.closes_at),
            raiseload("*"),
        )
        .order_by(Round.closes_at, Application.id)
        .limit(SHOWN)
    ).all()
    forms = forms_of({application.round_id for application in shown})
    items = [
        WorkItem(
            text=f"Finish {application.display_title}",
            href=url_for("applications.show", application_id=application.id),
            why="{} of {} sections done · {}".format(
                *sections_done(application, forms[application.round_id]), application.round.title
            ),
            due=application.round.closes_at,
        )
        for application in shown
    ]
    return replace(queue, count=count, items=items)


def partners_awaited(user) -> Queue:
    """Partners invited to the organisation's drafts who have not yet confirmed (or declined) their part."""
    queue = Queue(
        key="applications.partners",
        heading="Partners yet to confirm",
        count=0,
        empty="No partner is waiting to confirm their part in your bids.",
    )
    if not user.organisation_id:
        return queue
    statement = (
        _drafts_of(user.organisation_id)
        .join(Partner, Partner.application_id == Application.id)
        .where(Partner.status == PartnerStatus.INVITED)
    )
    count = db.session.scalar(statement.with_only_columns(db.func.count(Partner.id)).order_by(None))
    if not count:
        return queue
    rows = db.session.execute(
        statement.join(Organisation, Organisation.id == Partner.organisation_id)
        .with_only_columns(
            Application.id,
            Application.title,
            Organisation.name,
            Partner.contact_name,
            Partner.invited_at,
            Round.closes_at,
        )
        .order_by(Round.closes_at, Partner.invited_at, Partner.id)
        .limit(SHOWN)
    ).all()
    items = [
        WorkItem(
            text=f"{name} on {title or 'Untitled bid'}",
            href=url_for("applications.partnership", application_id=application_id),
            why=f"{contact} was emailed a link on {format_date(invited_at)}; you can send it again",
            due=closes_at,
        )
        for application_id, title, name, contact, invited_at, closes_at in rows
    ]
    return replace(queue, count=count, items=items)
