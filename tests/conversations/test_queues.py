"""Unread messages on the homes of those in a conversation: counted for the side each takes part on,
listed a conversation at a time with what it is about, opened at the first unread message, and gone
once read."""

from __future__ import annotations

import pytest

from grants.conversations import queries, services
from grants.conversations.models import Side
from grants.core.permissions import Role
from grants.extensions import db as _db
from tests.factories import (
    ApplicantFactory,
    ReviewAssignmentFactory,
    UserFactory,
    assign,
    funded_project,
    under_review_bid,
)
from tests.fixtures.clients import sign_in_client
from tests.work_queues import home_queue

KEY = "conversations.unread"


@pytest.fixture
def bid(db):
    return under_review_bid(title="Home safely")


@pytest.fixture
def officer(db):
    return UserFactory(roles=[Role.PROGRAMME_OFFICER])


@pytest.fixture
def lead(bid):
    return ApplicantFactory(organisation=bid.lead_organisation)


def test_the_applicants_unread_messages_fall_as_they_read_them(app, bid, officer, lead):
    project = funded_project(lead_organisation=bid.lead_organisation, title="Wigan deal")
    first = services.send_on_bid(bid, actor=officer, body="One", clarification=True)
    services.send_on_bid(bid, actor=officer, body="Two")
    mine = services.send_on_bid(bid, actor=lead, body="My own words")  # never unread for their own side
    on_project = services.send_on_project(project, actor=officer, body="Three")
    _db.session.commit()
    client = sign_in_client(app, lead)
    queue = home_queue(client, KEY)
    assert queue.count == 2  # conversations, each one item
    assert "3 unread messages in 2 conversations" in queue.words
    assert "1 unread message about " + project.reference + " Wigan deal" in queue.words
    assert f"2 unread messages about {bid.reference} Home safely" in queue.words
    assert queue.links == [
        f"/projects/{project.id}/messages#message-{on_project.id}",  # the most recent first
        f"/applications/{bid.id}/messages#message-{first.id}",
    ]
    queries.mark_read(lead, mine.thread, first.id)
    _db.session.commit()
    queue = home_queue(client, KEY)
    assert queue.count == 2 and f"1 unread message about {bid.reference}" in queue.words
    assert "2 unread messages in 2 conversations" in queue.words
    queries.mark_read(lead, mine.thread, mine.id)
    queries.mark_read(lead, on_project.thread, on_project.id)
    _db.session.commit()
    queue = home_queue(client, KEY)
    assert queue.count == 0 and queue.links == [] and "You have read every message sent to you." in queue.words


def test_the_programme_team_counts_the_applicants_and_the_steering_groups_messages(app, bid, officer, lead):
    reviewer = ReviewAssignmentFactory(application=bid, status="in_progress").reviewer
    services.send_on_bid(bid, actor=officer, body="A question")
    services.send_on_bid(bid, actor=lead, body="An answer")
    services.ask_programme_team(bid, actor=reviewer, body="Ask them about the police")
    _db.session.commit()
    queue = home_queue(sign_in_client(app, officer), KEY)
    assert queue.count == 1 and f"2 unread messages about {bid.reference}" in queue.words
    # The applicant never sees the steering group's request.
    assert home_queue(sign_in_client(app, lead), KEY).count == 1


def test_the_projects_enabler_counts_their_projects_messages(app, officer):
    project = funded_project(title="Wigan deal")
    enabler = UserFactory(roles=[Role.ENABLER])
    assign(project, enabler)
    other_enabler = UserFactory(roles=[Role.ENABLER])
    message = services.send_on_project(project, actor=officer, body="Workshop next week?")
    _db.session.commit()
    queue = home_queue(sign_in_client(app, enabler), KEY)
    assert queue.count == 1 and queue.links == [f"/projects/{project.id}/messages#message-{message.id}"]
    assert home_queue(sign_in_client(app, other_enabler), KEY).count == 0


def test_another_organisation_and_someone_of_none_see_nothing(app, bid, officer):
    services.send_on_bid(bid, actor=officer, body="A question")
    _db.session.commit()
    assert home_queue(sign_in_client(app, ApplicantFactory()), KEY).count == 0
    assert home_queue(sign_in_client(app, UserFactory(roles=[Role.APPLICANT])), KEY).count == 0


def test_each_role_counts_for_its_own_side(app, bid, officer):
    """An officer who is also an applicant of the bid's organisation: the officers' message is read on the
    programme team's side (their own), and unread on the applicant's."""
    both = UserFactory(roles=[Role.PROGRAMME_OFFICER, Role.APPLICANT], organisation=bid.lead_organisation)
    services.send_on_bid(bid, actor=officer, body="A question")
    _db.session.commit()
    assert queries.unread_count(both, Side.PROGRAMME) == 0
    assert queries.unread_count(both, Side.APPLICANT) == 1
