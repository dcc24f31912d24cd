"""Every email an action promises leaves, in the embedded default (jobs in-process) as in production.

These tests commit for real (``committed_db``): the in-process job that sends an email runs in a
session of its own, on another connection, and sees only what has been committed, as it would in a
served process. Each action below queues several emails in one request; every one must arrive at the
real SMTP server, once, without any sweep or command being run.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from grants.core.permissions import Role
from grants.extensions import db
from grants.leadership import services as leadership_services
from grants.leadership.models import Participant
from grants.notifications.models import Notification
from grants.notifications.services import queue_email
from grants.reviews.models import ReviewAssignment
from tests.factories import (
    EnablerProfileFactory,
    RoundFactory,
    UserFactory,
    assign,
    decide,
    funded_project,
    submitted_review,
    under_review_bid,
)
from tests.fixtures.clients import sign_in_client


def statuses() -> Counter:
    db.session.expire_all()
    return Counter(db.session.scalars(db.select(Notification.status)))


def delivered(mailbox, count: int) -> Counter:
    """Who received the ``count`` messages the server has (waiting a few seconds at most)."""
    messages = mailbox.wait_for(count, timeout=10)
    return Counter(message["To"] for message in messages)


def test_several_emails_queued_in_one_change_all_leave(smtp_app, committed_db, mailbox):
    emails = [f"person{n}@example.org" for n in range(5)]
    for email in emails:
        queue_email(email, "password_changed", {"name": "Aisha"})
    db.session.commit()
    assert delivered(mailbox, 5) == Counter(emails)
    assert statuses() == {"sent": 5}


def test_assigning_reviewers_automatically_emails_every_reviewer(smtp_app, committed_db, mailbox):
    first = under_review_bid()
    for _ in range(3):
        under_review_bid(first.round)
    members = [UserFactory(roles=[Role.STEERING_MEMBER]) for _ in range(3)]
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    db.session.commit()
    due = date.today() + timedelta(days=14)
    response = sign_in_client(smtp_app, officer).post(
        f"/manage/rounds/{first.round_id}/reviewers/auto",
        data={"per_bid": "2", "due_on": [str(due.day), str(due.month), str(due.year)]},
    )
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(ReviewAssignment)) == 8
    received = delivered(mailbox, 8)
    assert sum(received.values()) == 8 and set(received) == {member.email for member in members}
    assert statuses() == {"sent": 8}


def test_decisions_taking_effect_send_every_letter(smtp_app, committed_db, mailbox):
    round_ = RoundFactory(status="assessing", places=2, budget_pence=5_400_000)
    bids = [under_review_bid(round_, title=title) for title in ("Strong", "Middling", "Weak")]
    for bid, values in zip(bids, ([5, 4], [3, 3], [2, 1]), strict=True):
        submitted_review(bid, values)
    for bid, outcome in zip(bids, ("approved", "reserve", "rejected"), strict=True):
        decide(bid, outcome)
    chair = UserFactory(roles=[Role.STEERING_CHAIR, Role.STEERING_MEMBER])
    db.session.commit()
    letters = db.select(db.func.count()).where(Notification.template.like("decision_%"))
    response = sign_in_client(smtp_app, chair).post(f"/assessment/rounds/{round_.id}/apply")
    assert response.status_code == 302
    queued = db.session.scalar(letters)
    assert queued >= 3, "a letter to each bid's lead at least"
    delivered(mailbox, queued)
    assert db.session.scalar(letters.where(Notification.status == "sent")) == queued
    assert len(mailbox.messages) == db.session.scalar(db.select(db.func.count()).select_from(Notification))


def test_changing_a_projects_enabler_emails_everyone_it_promises(smtp_app, committed_db, mailbox):
    project = funded_project()
    first, second = EnablerProfileFactory(), EnablerProfileFactory()
    assign(project, first.user)
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    db.session.commit()
    response = sign_in_client(smtp_app, officer).post(
        f"/manage/projects/{project.id}/enabler", data={"enabler_id": second.user_id, "reason": "Parental leave"}
    )
    assert response.status_code == 302
    queued = statuses()
    assert sum(queued.values()) >= 2, "the new enabler and the project lead at least"
    received = delivered(mailbox, sum(queued.values()))
    assert {second.user.email, project.application.lead_applicant.email} <= set(received)
    assert statuses() == {"sent": sum(queued.values())}


def test_inviting_participants_sends_every_invitation(smtp_app, committed_db, mailbox):
    project = funded_project()
    leadership_services.ensure_framework()
    people = [Participant(project_id=project.id, name=f"Person {n}", email=f"p{n}@example.org") for n in range(6)]
    db.session.add_all(people)
    db.session.commit()
    lead = sign_in_client(smtp_app, project.application.lead_applicant)
    response = lead.post(
        f"/projects/{project.id}/leadership/invite",
        data={"stage": "baseline", "participants": [person.id for person in people]},
    )
    assert response.status_code == 302
    assert delivered(mailbox, 6) == Counter(person.email for person in people)
    assert statuses() == {"sent": 6}


@pytest.mark.parametrize("shape", ["savepoint released", "savepoint rolled back"])
def test_a_savepoint_inside_the_change_sends_nothing_early(smtp_app, committed_db, mailbox, shape):
    queue_email("first@example.org", "password_changed", {"name": "Aisha"})
    try:
        with db.session.begin_nested():
            queue_email("inner@example.org", "password_changed", {"name": "Ben"})
            if shape == "savepoint rolled back":
                raise ValueError("the inner step was refused")
    except ValueError:
        pass
    assert mailbox.messages == [] and statuses() == {"pending": 1 + (shape == "savepoint released")}
    db.session.commit()
    expected = ["first@example.org"] + (["inner@example.org"] if shape == "savepoint released" else [])
    assert delivered(mailbox, len(expected)) == Counter(expected)
    assert statuses() == {"sent": len(expected)}


# --- Production shape: Redis and a real worker -----------------------------------------------------


@pytest.mark.worker
def test_through_redis_every_email_of_one_change_leaves_at_once(broker_app, celery_worker, committed_db, mailbox):
    emails = [f"member{n}@example.org" for n in range(6)]
    with broker_app.app_context():
        for email in emails:
            queue_email(email, "password_changed", {"name": "Priya"})
        db.session.commit()
    # No beat runs here: what arrives was sent by the jobs queued with the commit, not by a sweep.
    assert delivered(mailbox, 6) == Counter(emails)
    assert "no such outbox row" not in celery_worker.log()


@pytest.mark.worker
def test_through_redis_assigning_reviewers_emails_every_reviewer(broker_app, celery_worker, committed_db, mailbox):
    first = under_review_bid()
    for _ in range(2):
        under_review_bid(first.round)
    members = [UserFactory(roles=[Role.STEERING_MEMBER]) for _ in range(3)]
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    db.session.commit()
    due = date.today() + timedelta(days=14)
    response = sign_in_client(broker_app, officer).post(
        f"/manage/rounds/{first.round_id}/reviewers/auto",
        data={"per_bid": "3", "due_on": [str(due.day), str(due.month), str(due.year)]},
    )
    assert response.status_code == 302
    assert delivered(mailbox, 9) == Counter({member.email: 3 for member in members})
