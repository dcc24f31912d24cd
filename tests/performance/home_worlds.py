"""Worlds for the budgets of the officer's and the enabler's homes: each ``grow_*`` adds ``count`` more
items to every queue of that home, in bulk (one INSERT for many rows), each on a project, bid or round
of its own, so that a load for each item would show."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import insert

from grants.applications.models import Application
from grants.conversations.models import Message
from grants.core.db import utcnow
from grants.extensions import db
from grants.funding.models import Tranche, TrancheCondition
from grants.learning.models import LearningItem
from grants.monitoring.models import ProgressReport
from grants.notifications.models import Notification
from grants.projects.models import EnablerAssignment, Project
from grants.rounds.models import Round
from tests.factories import RoundFactory, UserFactory
from tests.performance import worlds


def _projects(count: int, *, status: str = "active", rag: str | None = None) -> list[int]:
    """``count`` projects, each from an approved bid of its own lead organisation and place."""
    round_ = RoundFactory(status="decided")
    application_ids = worlds.grow_bids(round_, count, status="approved")
    bids = db.session.execute(
        db.select(Application.id, Application.reference, Application.lead_organisation_id, Application.place_id).where(
            Application.id.in_(application_ids)
        )
    ).all()
    today = date.today()
    ids = db.session.scalars(
        insert(Project).returning(Project.id, sort_by_parameter_order=True),
        [
            {
                "application_id": bid.id,
                "round_id": round_.id,
                "reference": bid.reference,
                "title": f"Project {bid.reference}",
                "lead_organisation_id": bid.lead_organisation_id,
                "place_id": bid.place_id,
                "award_pence": 2_700_000,
                "starts_on": today - timedelta(days=60),
                "ends_on": today + timedelta(days=300),
                "status": status,
                "rag": rag,
            }
            for bid in bids
        ],
    ).all()
    db.session.commit()
    return ids


def _tranches(project_ids: list[int], **values) -> list[int]:
    return db.session.scalars(
        insert(Tranche).returning(Tranche.id, sort_by_parameter_order=True),
        [{"project_id": project_id, **values} for project_id in project_ids],
    ).all()


def _conditions(tranche_ids: list[int], owner_id: int) -> None:
    db.session.execute(
        insert(TrancheCondition),
        [
            {"tranche_id": tranche_id, "kind": "custom", "description": f"Condition {n}", "owner_id": owner_id}
            for n, tranche_id in enumerate(tranche_ids)
        ],
    )


def unread_messages(side: str, author_id: int, *, application_ids=(), project_ids=()) -> None:
    """A message from ``side`` in the conversation of each bid and project given: one unread message in
    each of that many conversations, for everyone on another side."""
    now = utcnow()
    rows = [
        {"thread": f"application:{i}", "application_id": i, "author_id": author_id, "side": side, "body": f"Hello {i}"}
        for i in application_ids
    ] + [
        {"thread": f"project:{i}", "project_id": i, "author_id": author_id, "side": side, "body": f"Hello {i}"}
        for i in project_ids
    ]
    db.session.execute(
        insert(Message), [{**row, "created_at": now - timedelta(minutes=n)} for n, row in enumerate(rows)]
    )


def grow_officer_work(officer, count: int) -> None:
    """``count`` more of each: bids submitted (each with a message from its applicant), bids under
    assessment without reviewers, reports and learning sent for review, tranches ready, conditions overdue,
    failed email, rounds closing soon."""
    now, today = utcnow(), date.today()
    submitted = worlds.grow_bids(RoundFactory(), count, status="submitted")  # still open: no reviewers wanted yet
    worlds.grow_bids(RoundFactory(status="assessing", assessment_deadline=today + timedelta(days=20)), count)
    project_ids = _projects(count)
    author = UserFactory()
    unread_messages("applicant", author.id, application_ids=submitted)
    db.session.execute(
        insert(ProgressReport),
        [
            {
                "project_id": project_id,
                "sequence": 1,
                "period_start": today - timedelta(days=60),
                "period_end": today - timedelta(days=1),
                "due_on": today + timedelta(days=13),
                "status": "submitted",
                "submitted_at": now - timedelta(minutes=n),
                "submitted_by_id": author.id,
            }
            for n, project_id in enumerate(project_ids)
        ],
    )
    db.session.execute(
        insert(LearningItem),
        [
            {
                "project_id": project_id,
                "title": f"Lesson {n}",
                "status": "submitted",
                "author_id": author.id,
                "submitted_at": now - timedelta(minutes=n),
            }
            for n, project_id in enumerate(project_ids)
        ],
    )
    _tranches(project_ids, sequence=1, amount_pence=1_350_000, due_on=today, status="eligible", eligible_at=now)
    overdue = _tranches(project_ids, sequence=2, amount_pence=810_000, due_on=today - timedelta(days=3))
    _conditions(overdue, officer.id)
    db.session.execute(
        insert(Notification),
        [
            {
                "recipient_email": f"person{n}@example.org",
                "template": "password_changed",
                "subject": f"Message {n}",
                "body_text": "Dear person",
                "status": "failed",
                "attempts": 5,
                "last_error": "550 Mailbox unavailable",
            }
            for n in range(count)
        ],
    )
    start = db.session.scalar(db.select(db.func.count()).select_from(Round))
    db.session.execute(
        insert(Round),
        [
            {
                "code": f"Q{start + n:05d}",
                "title": f"Round {start + n}",
                "opens_at": now - timedelta(days=30),
                "closes_at": now + timedelta(days=1 + n % 13),
                "budget_pence": 67_500_000,
                "status": "open",
            }
            for n in range(count)
        ],
    )
    db.session.commit()


def grow_enabler_work(enabler, officer, count: int) -> None:
    """``count`` more projects the enabler supports, each quiet for 40 days (an update overdue), with a
    condition on its second tranche that the enabler confirms, and a message from the programme team."""
    today = date.today()
    project_ids = _projects(count, rag="amber")
    unread_messages("programme", officer.id, project_ids=project_ids)
    db.session.execute(
        insert(EnablerAssignment),
        [
            {"project_id": project_id, "enabler_id": enabler.id, "starts_on": today - timedelta(days=40)}
            for project_id in project_ids
        ],
    )
    tranche_ids = _tranches(project_ids, sequence=2, amount_pence=810_000, due_on=today + timedelta(days=30))
    _conditions(tranche_ids, enabler.id)
    db.session.commit()
