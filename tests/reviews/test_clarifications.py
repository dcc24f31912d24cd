"""Clarifications beside a bid for those assessing it: the programme team's requests and the applicant's
answers on the reviewer's and the chair's bid pages (never the rest of the conversation, never to someone
with a conflict), a steering member's request to the programme team (seen by the officers alone), and the
ranking's tag."""

from __future__ import annotations

import re

import pytest

from grants.conversations import permissions, queries, services
from grants.conversations.models import Message, Side
from grants.core.permissions import Role
from grants.extensions import db as _db
from grants.notifications.models import Notification
from grants.reviews import services as review_services
from grants.reviews.models import Score
from tests.factories import (
    ApplicantFactory,
    DocumentFactory,
    ReviewAssignmentFactory,
    UserFactory,
    decide,
    submitted_review,
    under_review_bid,
)
from tests.fixtures.clients import sign_in_client
from tests.helpers import csrf_token, error_summary, form_key, text

QUESTION = "How will the police take part in the partnership?"
ANSWER = "Through the community safety partnership, from its March meeting."
CHATTER = "Thank you for your bid: we will be in touch."


@pytest.fixture
def bid(db):
    return under_review_bid()


@pytest.fixture
def officer(db):
    return UserFactory(roles=[Role.PROGRAMME_OFFICER], name="Sarah Collins")


@pytest.fixture
def clarified(bid, officer):
    """A clarification asked and answered (with a file), beside an ordinary message of the conversation."""
    lead = ApplicantFactory(organisation=bid.lead_organisation)
    services.send_on_bid(bid, actor=officer, body=CHATTER)
    request = services.send_on_bid(bid, actor=officer, body=QUESTION, clarification=True)
    answer = services.send_on_bid(bid, actor=lead, body=ANSWER, answers=request)
    _db.session.flush()
    DocumentFactory(
        kind="message", message_id=answer.id, application_id=bid.id, original_filename="safety-partnership.pdf"
    )
    _db.session.commit()
    return request, answer


def reviewing(app, bid, status="in_progress"):
    assignment = ReviewAssignmentFactory(application=bid, status=status)
    return assignment, sign_in_client(app, assignment.reviewer)


def clarifications(html: str) -> str:
    found = re.search(r'<section class="grants-clarifications".*?</section>', html, flags=re.S)
    assert found, "no Clarifications section on the page"
    return found.group(0)


def test_an_assigned_reviewer_sees_the_request_and_its_answer_but_not_the_rest_of_the_conversation(app, bid, clarified):
    request, answer = clarified
    assignment, reviewer = reviewing(app, bid)
    html = reviewer.get(f"/reviews/{assignment.id}").get_data(as_text=True)
    shown = clarifications(html)
    assert QUESTION in shown and ANSWER in shown and "Answered" in text(shown)
    assert "Sarah Collins, Programme team" in text(shown)
    document = _db.session.scalars(_db.select(Message).where(Message.id == answer.id)).one().documents[0]
    assert f'href="/messages/{answer.id}/files/{document.id}"' in shown and "safety-partnership.pdf" in shown
    assert CHATTER not in html
    assert "Read the whole conversation" not in html  # a reviewer is not part of it


def test_a_request_waiting_for_its_answer_says_so(app, bid, officer):
    services.send_on_bid(bid, actor=officer, body=QUESTION, clarification=True)
    _db.session.commit()
    assignment, reviewer = reviewing(app, bid)
    shown = text(clarifications(reviewer.get(f"/reviews/{assignment.id}").get_data(as_text=True)))
    assert QUESTION in shown and "Not answered yet" in shown


def test_a_reviewer_who_declared_a_conflict_is_refused_the_page_and_the_request(app, bid, clarified):
    assignment, reviewer = reviewing(app, bid, status="assigned")
    review_services.declare(assignment, has_conflict=True, nature="I chair its board.", actor=assignment.reviewer)
    _db.session.commit()
    page = reviewer.get(f"/reviews/{assignment.id}")
    assert page.status_code == 404 and ANSWER not in page.get_data(as_text=True)
    assert not permissions.can_see_clarifications(assignment.reviewer, bid)
    assert not permissions.can_ask_programme_team(assignment.reviewer, bid)
    asked = reviewer.post(f"/reviews/applications/{bid.id}/ask", data={"body": "Ask them about the police."})
    assert asked.status_code == 404
    with pytest.raises(services.PermissionDenied):
        services.ask_programme_team(bid, actor=assignment.reviewer, body="Ask them about the police.")
    assert not _db.session.scalars(_db.select(Message).where(Message.side == Side.STEERING)).all()


def test_a_reviewer_who_has_not_declared_yet_sees_no_clarification(app, bid, clarified):
    assignment, reviewer = reviewing(app, bid, status="assigned")
    html = reviewer.get(f"/reviews/{assignment.id}").get_data(as_text=True)
    assert ANSWER not in html and QUESTION not in html
    assert reviewer.post(f"/reviews/applications/{bid.id}/ask", data={"body": "Ask them."}).status_code == 404


def test_another_organisations_applicant_sees_none_of_it(app, bid, clarified):
    stranger = ApplicantFactory()
    assert not permissions.can_see_clarifications(stranger, bid)
    client = sign_in_client(app, stranger)
    for url in (f"/assessment/applications/{bid.id}", f"/reviews/applications/{bid.id}/ask"):
        response = client.post(url, data={"body": "Hello"}) if url.endswith("/ask") else client.get(url)
        assert response.status_code == 403, url
        assert ANSWER not in response.get_data(as_text=True)


def test_the_chair_sees_them_and_may_ask_and_an_officer_sees_them_with_the_whole_conversation(
    app, bid, clarified, officer
):
    chair = sign_in_client(app, UserFactory(roles=[Role.STEERING_CHAIR]))
    shown = clarifications(chair.get(f"/assessment/applications/{bid.id}").get_data(as_text=True))
    assert QUESTION in shown and ANSWER in shown
    assert "Ask the programme team" in shown and f'action="/reviews/applications/{bid.id}/ask?page=assessment"' in shown
    html = sign_in_client(app, officer).get(f"/assessment/applications/{bid.id}").get_data(as_text=True)
    shown = clarifications(html)
    assert ANSWER in shown and "Ask the programme team" not in shown
    assert f'href="/applications/{bid.id}/messages"' in shown


def test_a_chair_with_a_conflict_is_refused_the_page_and_the_request(app, bid, clarified):
    person = UserFactory(roles=[Role.STEERING_CHAIR])
    chair = sign_in_client(app, person)
    review_services.declare_chair_conflict(bid, "A trustee of the lead.", actor=person)
    _db.session.commit()
    assert chair.get(f"/assessment/applications/{bid.id}").status_code == 404
    assert chair.post(f"/reviews/applications/{bid.id}/ask", data={"body": "Ask them."}).status_code == 404


# --- Asking the programme team ------------------------------------------------------------------------


def _ask(client, page_url: str, body: str, action: str):
    html = client.get(page_url).get_data(as_text=True)
    return client.post(action, data={"csrf_token": csrf_token(html), "submission": form_key(html), "body": body})


def test_a_reviewers_request_is_seen_by_the_programme_team_alone(app, bid, officer):
    lead = ApplicantFactory(organisation=bid.lead_organisation)
    assignment, reviewer = reviewing(app, bid)
    page = f"/reviews/{assignment.id}"
    action = f"/reviews/applications/{bid.id}/ask?page=review"
    response = _ask(reviewer, page, "Ask them how the police will take part.", action)
    assert response.status_code == 302 and response.headers["Location"] == f"{page}#clarifications"
    [ask] = _db.session.scalars(_db.select(Message).where(Message.application_id == bid.id)).all()
    assert (ask.side, ask.team_only, ask.author_id) == (Side.STEERING, True, assignment.reviewer_id)
    assert [m.id for m in queries.messages_in(ask.thread, team=True)] == [ask.id]
    assert queries.messages_in(ask.thread, team=False) == []
    assert queries.unread_count(officer, Side.PROGRAMME) == 1 and queries.unread_count(lead, Side.APPLICANT) == 0
    told = set(_db.session.scalars(_db.select(Notification.recipient_id)))
    assert officer.id in told and lead.id not in told
    html = reviewer.get(page).get_data(as_text=True)
    assert "Your question has been sent to the programme team." in html
    assert "What you asked the programme team" in html and "Ask them how the police will take part." in html
    # Another reviewer of the bid does not see it.
    other, other_client = reviewing(app, bid)
    assert "Ask them how the police" not in other_client.get(f"/reviews/{other.id}").get_data(as_text=True)


def test_a_request_sent_twice_is_kept_once(app, bid):
    assignment, reviewer = reviewing(app, bid)
    html = reviewer.get(f"/reviews/{assignment.id}").get_data(as_text=True)
    data = {"csrf_token": csrf_token(html), "submission": form_key(html), "body": "Ask about the police."}
    for _ in range(2):
        assert reviewer.post(f"/reviews/applications/{bid.id}/ask?page=review", data=data).status_code in (302, 303)
    assert len(queries.asks_by(assignment.reviewer_id, bid.id)) == 1


def test_the_chair_asks_from_the_chairs_page_and_comes_back_to_it(app, bid):
    person = UserFactory(roles=[Role.STEERING_CHAIR])
    chair = sign_in_client(app, person)
    page = f"/assessment/applications/{bid.id}"
    response = _ask(chair, page, "Ask about the match funding.", f"/reviews/applications/{bid.id}/ask?page=assessment")
    assert response.headers["Location"] == f"{page}#clarifications"
    assert [ask.body for ask in queries.asks_by(person.id, bid.id)] == ["Ask about the match funding."]


@pytest.mark.parametrize("page", ["review", "assessment"])
def test_an_empty_request_is_shown_again_with_the_error_and_nothing_is_sent(app, bid, page):
    if page == "review":
        assignment, client = reviewing(app, bid)
        url = f"/reviews/{assignment.id}"
        criterion = bid.round.criteria[0]
        _db.session.add(Score(assignment=assignment, criterion_id=criterion.id, value=3, justification="A draft"))
        _db.session.commit()
    else:
        client = sign_in_client(app, UserFactory(roles=[Role.STEERING_CHAIR]))
        url = f"/assessment/applications/{bid.id}"
    response = _ask(client, url, "   ", f"/reviews/applications/{bid.id}/ask?page={page}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error_summary(html) == ["Say what the programme team should ask the applicant"]
    assert "<title>Error:" in html and bid.reference in html
    assert not _db.session.scalars(_db.select(Message)).all()
    if page == "review":  # the reviewer's draft scores are shown as they left them
        assert ">A draft</textarea>" in html


def test_nobody_asks_once_the_bid_is_decided(app, bid):
    assignment, reviewer = reviewing(app, bid)
    bid.status = "approved"
    decide(bid, "approved")
    html = reviewer.get(f"/reviews/{assignment.id}").get_data(as_text=True)
    assert "Ask the programme team" not in html and "Clarifications" in html
    assert reviewer.post(f"/reviews/applications/{bid.id}/ask", data={"body": "Ask them."}).status_code == 403


def test_officers_ask_the_applicant_themselves(app, bid, officer):
    client = sign_in_client(app, officer)
    assert client.post(f"/reviews/applications/{bid.id}/ask", data={"body": "Ask them."}).status_code == 403


def test_a_steering_member_not_reviewing_the_bid_is_not_shown_it(app, bid):
    client = sign_in_client(app, UserFactory(roles=[Role.STEERING_MEMBER]))
    assert client.post(f"/reviews/applications/{bid.id}/ask", data={"body": "Ask them."}).status_code == 404


# --- The ranking ----------------------------------------------------------------------------------------


def test_the_ranking_tags_each_bid_whose_clarification_was_asked_or_answered(app, bid, officer):
    round_ = bid.round
    answered, plain = bid, under_review_bid(round_)
    asked = under_review_bid(round_)
    for each in (answered, asked, plain):
        submitted_review(each, [3] * len(round_.criteria))
    lead = ApplicantFactory(organisation=answered.lead_organisation)
    request = services.send_on_bid(answered, actor=officer, body=QUESTION, clarification=True)
    services.send_on_bid(answered, actor=lead, body=ANSWER, answers=request)
    services.send_on_bid(asked, actor=officer, body=QUESTION, clarification=True)
    services.send_on_bid(plain, actor=officer, body=CHATTER)
    _db.session.commit()
    chair = sign_in_client(app, UserFactory(roles=[Role.STEERING_CHAIR]))
    html = chair.get(f"/assessment/rounds/{round_.id}").get_data(as_text=True)
    rows = {
        reference: text(row)
        for row in re.findall(r'<tr class="govuk-table__row">.*?</tr>', html, flags=re.S)
        for reference in (answered.reference, asked.reference, plain.reference)
        if reference in row
    }
    assert "Clarification answered" in rows[answered.reference]
    assert "Clarification asked" in rows[asked.reference] and "answered" not in rows[asked.reference]
    assert "Clarification" not in rows[plain.reference]
