"""In the browser: a programme officer asks a clarification about a bid under review (an empty message
first, so the error summary is shown), the applicant sees the unread message from their bid's page,
answers it with a file, and the officer sees the answer waiting. axe checks every page reached, and each
must fit 320 CSS px without scrolling sideways, long words and links in the messages included."""

from __future__ import annotations

import re
from pathlib import Path

from grants.conversations.models import Message
from grants.core.permissions import Role
from grants.extensions import db
from tests.browser.setup_data import sign_in
from tests.factories import ApplicantFactory, UserFactory, under_review_bid

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
LONG_LINK = "https://example.org/minutes/" + "boardminutesofthetwentiethofmarch" * 6  # no place to break
NARROW = (320,)


def test_a_clarification_is_asked_and_answered_with_a_file(person, live_server, tmp_path):
    app = live_server.app
    with app.app_context():
        bid = under_review_bid(title="Home safely after hospital")
        UserFactory(roles=[Role.PROGRAMME_OFFICER], email="olu.officer@example.org", name="Olu Officer")
        ApplicantFactory(organisation=bid.lead_organisation, email="priya.lead@example.org", name="Priya Shah")
        bid_id, reference = bid.id, bid.reference

    olu = person("Olu, programme officer")
    olu.narrow = NARROW
    sign_in(olu, "olu.officer@example.org", next_path=f"/manage/applications/{bid_id}")
    olu.click_link("Messages")
    assert olu.h1() == f"Messages about {reference}" and "No messages yet." in olu.text()
    olu.click_button("Send message")
    assert olu.error_summary() == ["Enter your message"]
    olu.fill("Your message", f"Which board signs the match-funding pledge? The minutes: {LONG_LINK}")
    olu.page.get_by_label(re.compile("This is a clarification request")).check()
    olu.click_button("Send message")
    with app.app_context():
        asked = db.session.scalars(db.select(Message).where(Message.application_id == bid_id)).one()
        assert asked.is_clarification
        asked_id = asked.id
    assert olu.path == f"/applications/{bid_id}/messages#message-{asked_id}"
    assert "Your message has been sent." in olu.text() and "Clarification request" in olu.text()

    priya = person("Priya, applicant")
    priya.narrow = NARROW
    sign_in(priya, "priya.lead@example.org", next_path=f"/applications/{bid_id}")
    priya.click_link("Messages (1 unread)")
    assert "New" in priya.text() and "Which board signs" in priya.text()
    priya.click_link("Answer this request")
    assert priya.h1() == "Answer the clarification request"
    priya.fill("Your answer", "The Wigan health and wellbeing board: its chair signs. The minutes are attached.")
    letter = Path(tmp_path) / "board-minutes.pdf"
    letter.write_bytes(PDF)
    priya.page.get_by_label("Attach files (optional)").set_input_files(str(letter))
    priya.click_button("Send answer")
    assert "Answer to the clarification request of" in priya.text() and "board-minutes.pdf" in priya.text()
    priya.go(f"/applications/{bid_id}")
    assert "Messages (1 unread)" not in priya.text()

    olu.go(f"/manage/applications/{bid_id}")
    olu.click_link("Messages (1 unread)")
    assert "Priya Shah, Applicant" in olu.text() and "board-minutes.pdf" in olu.text()
