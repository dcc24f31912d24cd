"""The applicant's home: decisions on their organisation's bids, taken effect in the last month, that
they have not yet read. Reading is opening the bid's page since the decision took effect (the page
keeps that in the audit trail, ``applications.workflow.DECISION_READ``). Two queries: a count, and the
first few."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from flask import url_for

from grants.applications.models import Application
from grants.applications.workflow import DECISION_READ
from grants.core.audit import AuditEvent
from grants.core.db import utcnow
from grants.core.queues import SHOWN, Queue, WorkItem
from grants.extensions import db
from grants.reviews.models import Decision, DecisionOutcome

RECENT = timedelta(days=30)  # an older decision is no longer news, read or not

OUTCOME_WORDS = {
    DecisionOutcome.APPROVED: "Approved for funding",
    DecisionOutcome.RESERVE: "Placed on the reserve list",
    DecisionOutcome.REJECTED: "Not funded this time",
}


def decisions_to_read(user) -> Queue:
    queue = Queue(
        key="reviews.decisions",
        heading="Decisions to read",
        count=0,
        empty="There is no new decision on your bids.",
    )
    if not user.organisation_id:
        return queue
    read = db.exists().where(
        AuditEvent.action == DECISION_READ,
        AuditEvent.object_type == "application",
        AuditEvent.object_id == db.cast(Application.id, db.String),
        AuditEvent.actor_id == user.id,
        AuditEvent.occurred_at >= Decision.effective_at,
    )
    statement = (
        db.select(Decision)
        .join(Application, Application.id == Decision.application_id)
        .where(
            Application.lead_organisation_id == user.organisation_id,
            Decision.effective_at.is_not(None),
            Decision.effective_at >= utcnow() - RECENT,
            ~read,
        )
    )
    count = db.session.scalar(statement.with_only_columns(db.func.count(Decision.id)).order_by(None))
    if not count:
        return queue
    rows = db.session.execute(
        statement.with_only_columns(
            Application.id, Application.reference, Application.title, Decision.outcome, Decision.effective_at
        )
        .order_by(Decision.effective_at.desc(), Decision.id)
        .limit(SHOWN)
    ).all()
    items = [
        WorkItem(
            text=f"Read the decision on {reference} {title or 'Untitled bid'}",
            href=url_for("applications.show", application_id=application_id),
            why=OUTCOME_WORDS.get(outcome, "Decided"),
        )
        for application_id, reference, title, outcome, _ in rows
    ]
    return replace(queue, count=count, items=items)
