"""The programme officer's home: submitted bids waiting for their eligibility check. A bid leaves the
queue when it is found ineligible, withdrawn, or goes under review as its round's assessment starts (a
bid found eligible needs nothing recorded: it goes forward with the others). Two queries."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import func

from grants.applications.models import Application, ApplicationStatus
from grants.core.queues import SHOWN, Queue, WorkItem
from grants.core.times import format_date
from grants.directory.models import Organisation
from grants.extensions import db
from grants.rounds.models import Round

WAITING = Application.status == ApplicationStatus.SUBMITTED


def eligibility_checks(user) -> Queue:
    count = db.session.scalar(db.select(func.count()).select_from(Application).where(WAITING))
    rows = db.session.execute(
        db.select(
            Application.id,
            Application.reference,
            Application.title,
            Application.submitted_at,
            Round.code,
            Organisation.name.label("lead"),
        )
        .join(Round, Round.id == Application.round_id)
        .join(Organisation, Organisation.id == Application.lead_organisation_id)
        .where(WAITING)
        .order_by(Application.submitted_at, Application.id)
        .limit(SHOWN)
    ).all()
    items = [
        WorkItem(
            f"Check {row.reference} {row.title or 'Untitled bid'}",
            url_for("manage_applications.show", application_id=row.id),
            why=f"{row.lead}, submitted to {row.code} on {format_date(row.submitted_at)}",
        )
        for row in rows
    ]
    return Queue(
        "applications.eligibility",
        "Eligibility checks waiting",
        count,
        items,
        more=("All submitted bids", url_for("manage_applications.index", status=ApplicationStatus.SUBMITTED.value)),
        empty="No submitted bid is waiting for its eligibility check.",
    )
