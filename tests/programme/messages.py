"""The run's conversations and documents to keep, done as people do them (see ``scenario``): an officer
asks a clarification while a bid is assessed, its applicant answers from the email, the reviewer reads
the answer beside the bid and the ranking says so; the enabler and the lead applicant write to each
other on the project; the lead downloads the bid as submitted and the signed agreement as PDFs; the officer
compiles the progress report and keeps a project's row of it as a PDF."""

from __future__ import annotations

import io
import re
import time

from tests.programme.browser import Page
from tests.programme.scenario import Bid, Person, Programme, emailed_link, succeeded

CLARIFICATION_BOX = "This is a clarification request"
QUESTION = "Which partner runs the citizen panel, and how are its members chosen?"
ANSWER = "The voluntary sector partner runs it; members answered an open call in the local paper."
ENABLER_NOTE = "Shall we plan the first whole-system workshop for the week after the board meets?"
LEAD_REPLY = "Yes please: the board meets on a Tuesday, so the Thursday after suits every partner."


def _messages_link(page: Page):
    """The link to the conversation as the bid's or project's page draws it: "Messages" or "Messages (N unread)"."""
    links = [link for link in page.links if link.text.startswith("Messages") and link.href.endswith("/messages")]
    assert links, f"no Messages link on {page.describe()}"
    return links[0]


def officer_asks_clarification(programme: Programme, bid: Bid) -> None:
    """On the bid's conversation, a message marked as a clarification request."""
    officer = programme.people["officer"].browser
    page = officer.get(f"/applications/{bid.application_id}/messages").ok()
    assert page.h1 == f"Messages about {bid.reference}", page.describe()
    page = page.form("Send message").fill("body", QUESTION).choose("clarification", CLARIFICATION_BOX, exact=False)
    page = succeeded(page.submit())
    assert page.path == f"/applications/{bid.application_id}/messages", page.describe()
    assert QUESTION in page.text and "Clarification request" in page.text, page.text[:3000]


def lead_answers_clarification(programme: Programme, bid: Bid) -> None:
    """The lead sees the unread message beside the bid, opens it from the email (which holds a link, not
    the question) and answers it."""
    lead = bid.lead.browser
    assert "1 unread" in _messages_link(lead.get(f"/applications/{bid.application_id}").ok()).text
    link = emailed_link(programme, bid.lead.email, rf"/applications/{bid.application_id}/messages\S*")
    [email] = [m for m in programme.inbox(bid.lead.email) if bid.reference in m.subject and "clarify" in m.subject]
    assert QUESTION not in email.body, email.body
    page = lead.get(link).ok()
    assert QUESTION in page.text, page.text[:3000]
    page = page.follow("Answer this request").ok()
    assert QUESTION in page.text, page.text[:3000]
    page = succeeded(page.form("Send answer").fill("body", ANSWER).submit())
    assert ANSWER in page.text and "Answer to the clarification request of" in page.text, page.text[:3000]
    assert "unread" not in _messages_link(lead.get(f"/applications/{bid.application_id}").ok()).text


def officer_reads_the_answer(programme: Programme, bid: Bid) -> None:
    """From the email saying the applicant answered."""
    officer = programme.people["officer"]
    link = emailed_link(
        programme, officer.email, rf"/applications/{bid.application_id}/messages\S*", subject="an answer to"
    )
    page = officer.browser.get(link).ok()
    assert ANSWER in page.text, page.text[:3000]


def reviewer_reads_the_answer(reviewer: Person, link: str) -> None:
    """The reviewer's page for the bid (once they have said they have no conflict with it) shows the
    clarification asked and its answer."""
    page = reviewer.browser.get(link).ok()
    if page.h1 == "Do you have a conflict of interest with this bid?":
        page = page.form("Continue").choose("has_conflict", "No").submit().ok()
    assert "Clarifications" in page.text and QUESTION in page.text and ANSWER in page.text, page.text[:4000]


def ranking_row(page: Page, reference: str) -> str:
    rows = [row for row in re.findall(r"<tr.*?</tr>", page.html, flags=re.S) if reference in row]
    assert rows, f"{reference} is not in the ranking: {page.describe()}"
    return " ".join(re.sub(r"<[^>]+>", " ", rows[0]).split())


def ranking_shows_clarification(programme: Programme, chair: Person, asked: Bid) -> None:
    page = chair.browser.get(f"/assessment/rounds/{programme.ids['round']}").ok()
    assert "Clarification answered" in ranking_row(page, asked.reference), ranking_row(page, asked.reference)
    for bid in programme.bids[1:-1]:  # the last was withdrawn
        assert "Clarification" not in ranking_row(page, bid.reference)


def enabler_and_lead_talk(programme: Programme, bid: Bid, project_id: int) -> None:
    """The enabler writes on the project's conversation; the lead reads it from the email and replies; the
    reply's email reaches the enabler, whose link opens the reply."""
    enabler = programme.people["enabler"]
    project_page = enabler.browser.get(f"/projects/{project_id}").ok()
    page = enabler.browser.get(_messages_link(project_page).href).ok()
    assert page.h1 == f"Messages about {bid.reference}", page.describe()
    assert not any(control.name == "clarification" for form in page.forms for control in form.controls)
    page = succeeded(page.form("Send message").fill("body", ENABLER_NOTE).submit())
    assert ENABLER_NOTE in page.text, page.text[:3000]

    link = emailed_link(programme, bid.lead.email, rf"/projects/{project_id}/messages\S*")
    page = bid.lead.browser.get(link).ok()
    assert ENABLER_NOTE in page.text and enabler.name in page.text, page.text[:3000]
    page = succeeded(page.form("Send message").fill("body", LEAD_REPLY).submit())
    assert LEAD_REPLY in page.text, page.text[:3000]

    programme.deployment.post_room.wait_until_drained(programme.app)
    told = [m for m in programme.inbox(enabler.email) if m.subject == f"A new message about {bid.reference}"]
    assert len(told) == 1 and LEAD_REPLY not in told[0].body, [m.subject for m in programme.inbox(enabler.email)]
    link = emailed_link(programme, enabler.email, rf"/projects/{project_id}/messages\S*", subject=told[0].subject)
    assert LEAD_REPLY in enabler.browser.get(link).ok().text


def _pdf(programme: Programme, person: Person, href: str, file_name: str, words: list[str]) -> None:
    from pypdf import PdfReader

    response = person.browser.client.get(href)
    assert response.status_code == 200 and response.mimetype == "application/pdf", (href, response.status_code)
    content = response.get_data()
    assert content.startswith(b"%PDF-"), content[:20]
    assert file_name in (response.headers.get("Content-Disposition") or ""), response.headers
    text = " ".join(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages).split())
    assert all(word in text for word in words), (words, text[:2000])


def lead_downloads_pdfs(programme: Programme, bid: Bid, project_id: int) -> None:
    """The bid as submitted, from the bid's page; the signed agreement, from its page."""
    lead = bid.lead
    page = lead.browser.get(f"/applications/{bid.application_id}").ok()
    href = next((link.href for link in page.links if link.href.endswith("/bid.pdf")), None)
    assert href, f"no link to the bid as a PDF on {page.describe()}"
    _pdf(programme, lead, href, f"{bid.reference}-bid-as-submitted.pdf", [bid.reference, bid.title])

    page = lead.browser.get(f"/projects/{project_id}/agreement/1").ok()
    href = next((link.href for link in page.links if link.href.endswith("/agreement/1.pdf")), None)
    assert href, f"no link to the signed agreement as a PDF on {page.describe()}"
    _pdf(programme, lead, href, f"{bid.reference}-grant-agreement-v1-signed.pdf", [bid.reference, lead.name])


def officer_compiles_progress_and_keeps_a_projects_pdf(programme: Programme, bid: Bid, project_id: int) -> None:
    """From the progress page, "Compile now": the job compiles it (in production the worker, while the page,
    which refreshes itself, says it is under way). Then the project's page links to its row of the report,
    kept as a PDF with the project's figures."""
    officer = programme.people["officer"]
    page = officer.browser.get("/progress/").ok()
    page = succeeded(page.form("Compile now").submit())
    assert "The progress report is" in page.banner, page.describe()
    deadline = time.monotonic() + 60
    while "Compiled " not in page.text:  # the worker has not finished yet: look again, as the page does
        assert time.monotonic() < deadline, f"the progress report was not compiled: {page.describe()}"
        time.sleep(0.5)
        page = officer.browser.get("/progress/").ok()
    assert bid.reference in page.text and bid.title in page.text, page.describe()

    page = officer.browser.get(f"/projects/{project_id}").ok()
    pattern = re.compile(rf"/progress/\d+/projects/{project_id}\.pdf$")
    href = next((link.href for link in page.links if pattern.search(link.href)), None)
    assert href, f"no link to the project's compiled progress on {page.describe()}"
    _pdf(programme, officer, href, f"progress-{bid.reference}-", [bid.reference, bid.title, "Released"])
