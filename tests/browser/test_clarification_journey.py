"""A clarification asked and answered, in the browser: a programme officer asks the applicant of a bid
under review a question, marked as a clarification request; the applicant finds it under "Unread
messages" on their home, opens it and answers it; the reviewer assessing the bid reads the answer beside
it. Both forms are filled in and sent with the keyboard alone (Tab, typing, Space, Enter).

Every page any of them reaches is checked with axe; the conversation's pages must fit 320 CSS px
without scrolling sideways."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from grants.core.db import utcnow
from grants.core.permissions import Role
from grants.extensions import db
from grants.reviews.models import ConflictDeclaration
from tests.browser.journey_steps import assert_no_errors
from tests.browser.setup_data import sign_in
from tests.browser.test_keyboard import KeyboardOnly
from tests.factories import (
    ApplicantFactory,
    OrganisationFactory,
    ReviewAssignmentFactory,
    UserFactory,
    under_review_bid,
)

NARROW = (320,)
QUESTION = "Which partner runs the citizen panel, and how are its members chosen?"
ANSWER = "The voluntary sector partner runs it; members answered an open call in the local paper."
CLARIFICATION_BOX = "This is a clarification request (its answer is shown to those assessing the bid)"


@dataclass(frozen=True)
class Assessed:
    application_id: int
    reference: str
    title: str
    assignment_id: int
    officer_email: str
    applicant_email: str
    reviewer_email: str


def _bid_under_review(app) -> Assessed:
    """A bid under review, its applicant, a programme officer and a steering member assessing it (who
    has said they have no conflict with it)."""
    token = uuid.uuid4().hex[:6]
    with app.app_context():
        applicant = ApplicantFactory(
            name="Lena Hughes",
            email=f"lena.{token}@bolton.example.org",
            organisation=OrganisationFactory(name=f"Bolton Council {token}", sector="local_government"),
        )
        application = under_review_bid(
            lead_organisation=applicant.organisation, lead_applicant=applicant, title="Kitchen-table conversations"
        )
        officer = UserFactory(roles=[Role.PROGRAMME_OFFICER], name="Olu Adeyemi", email=f"olu.{token}@example.org")
        reviewer = UserFactory(roles=[Role.STEERING_MEMBER], name="Sam Whitfield", email=f"sam.{token}@example.org")
        assignment = ReviewAssignmentFactory(application=application, reviewer=reviewer, status="in_progress")
        db.session.add(
            ConflictDeclaration(
                application_id=application.id, reviewer_id=reviewer.id, has_conflict=False, declared_at=utcnow()
            )
        )
        db.session.commit()
        return Assessed(
            application.id,
            application.reference,
            application.title,
            assignment.id,
            officer.email,
            applicant.email,
            reviewer.email,
        )


def officer_asks_by_keyboard(officer, bid: Assessed) -> None:
    """The officer writes the question and marks it as a clarification request with Tab, typing and Space."""
    officer.go(f"/applications/{bid.application_id}/messages")
    assert officer.h1() == f"Messages about {bid.reference}"
    keyboard = KeyboardOnly(officer)
    keyboard.type_into("Your message", QUESTION)
    keyboard.tick(CLARIFICATION_BOX)
    keyboard.follow("Send message")
    assert_no_errors(officer)
    assert officer.path.startswith(f"/applications/{bid.application_id}/messages"), officer.path
    request = officer.page.locator("[id^=message-]", has_text=QUESTION)
    assert request.count() == 1 and "Clarification request" in request.inner_text()


def applicant_opens_it_from_home(applicant, bid: Assessed) -> None:
    applicant.go("/")
    unread = applicant.page.locator('[data-queue="conversations.unread"]')
    assert unread.count() == 1, "no Unread messages on the applicant's home"
    words = " ".join(unread.inner_text().split())
    assert "Unread messages" in words and bid.reference in words, words
    link = unread.get_by_role("link", name=bid.reference, exact=False).first
    applicant.narrow = NARROW  # the conversation's pages, read on a phone
    link.click()
    applicant.check()
    assert applicant.h1() == f"Messages about {bid.reference}"
    assert QUESTION in applicant.text()


def applicant_answers(applicant, bid: Assessed) -> None:
    """From the request, its "Answer this request" link; the answer typed and sent with the keyboard."""
    request = applicant.page.locator("[id^=message-]", has_text=QUESTION)
    request.get_by_role("link", name="Answer this request").click()
    applicant.check()
    assert QUESTION in applicant.text()
    keyboard = KeyboardOnly(applicant)
    keyboard.type_into("Your answer", ANSWER)
    keyboard.follow("Send answer")
    assert_no_errors(applicant)
    assert applicant.path.startswith(f"/applications/{bid.application_id}/messages"), applicant.path
    answer = applicant.page.locator("[id^=message-]", has_text=ANSWER)
    assert answer.count() == 1 and "Answer to the clarification request of" in answer.inner_text()
    applicant.narrow = ()
    applicant.go("/")  # read: nothing is waiting any more
    unread = applicant.page.locator('[data-queue="conversations.unread"]')
    assert bid.reference not in unread.inner_text()


def reviewer_reads_the_answer(reviewer, bid: Assessed) -> None:
    reviewer.go(f"/reviews/{bid.assignment_id}")
    assert reviewer.page.get_by_role("heading", name="Clarifications").count() == 1, "no Clarifications beside the bid"
    words = reviewer.text()
    assert QUESTION in words and ANSWER in words, words


def test_an_officer_asks_a_clarification_the_applicant_answers_and_the_reviewer_reads_it(person, live_server):
    bid = _bid_under_review(live_server.app)

    officer = person("Olu, programme officer")
    sign_in(officer, bid.officer_email)
    officer.narrow = NARROW
    officer_asks_by_keyboard(officer, bid)
    officer.narrow = ()

    applicant = person("Lena, applicant")
    sign_in(applicant, bid.applicant_email)
    applicant_opens_it_from_home(applicant, bid)
    applicant_answers(applicant, bid)

    reviewer = person("Sam, steering group member")
    sign_in(reviewer, bid.reviewer_email)
    reviewer_reads_the_answer(reviewer, bid)
