"""A whole programme run through the website only, from an empty database to open data, in the two
shapes Grants is deployed in; at the end every email a step promised has arrived, exactly once.

The steps are in ``tests/programme/run.py`` (what happens) and ``scenario.py`` (how each person does
it, reading every form from its page, CSRF on). What is not done through the website is set-up a
deployment does too, and is marked as such there: reference data, the first administrator and
officer from the command line, and the clock.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.opendata.schema import package_errors
from tests.programme import run, scenario, shapes

BIDS = scenario.ORGANISATIONS  # each with one partner (two sectors, one confirmed partner: the defaults)
ASSESSED = BIDS - 1  # one withdraws
STAFF_WITH_TWO_FACTOR = 5  # administrator, officer, two chairs and the finance approver
STAFF_WHO_REGISTER = 5  # two members, two chairs and the finance approver
LETTERS_PER_BID = 2  # the lead and the partner

# Kind of email -> how many the run's steps promise (each recipient once).
EXPECTED_EMAIL = {
    "confirm_email": BIDS + STAFF_WHO_REGISTER,  # each registration: the link that confirms the address
    "two_factor_changed": STAFF_WITH_TWO_FACTOR,  # turning two-factor sign-in on, to the person
    "enabler_invitation": 1,  # the officer invites the enabler: a link to choose a password
    "partner_invitation": BIDS,  # each partner: the link to confirm their part
    "partner_response": BIDS,  # each lead: their partner confirmed
    "application_submitted": BIDS,  # each lead: the bid is in
    "application_withdrawn": 1,  # the lead who withdrew
    "review_assigned": ASSESSED + 1,  # one reviewer a bid, and the conflicted bid's second reviewer
    "review_look_again": 1,  # the reviewer the chair asked to look again
    # Letters when the decisions take effect (three approved), and the reserve approved into the place given up.
    "decision_approved": (3 + 1) * LETTERS_PER_BID,
    "decision_reserve": 1 * LETTERS_PER_BID,
    "decision_rejected": (ASSESSED - 4) * LETTERS_PER_BID,
    "enabler_assigned_enabler": 2,
    "enabler_assigned_lead": 2,
    "agreement_issued": 2,  # to the lead: read and sign
    "agreement_signed": 2,  # to the lead: their record
    "tranche_eligible": 2,  # to the officer: every condition of tranche 1 is met
    "release_requested": 2,  # to the finance approver: the second signature is needed
    "tranche_released": 2,  # to the lead
    "waiver_proposed": 1,  # to the finance approver: the second project's match, to agree or not
    "waiver_agreed": 1,  # to the officer who proposed it
    "report_accepted": 1,  # to the lead
    "learning_item_reviewed": 1,  # to the lead: the case study is published
    "award_given_up_recorded": 1,  # to the officer: the lead recorded it, to confirm
    "award_given_up": LETTERS_PER_BID,  # once confirmed: the lead and the confirmed partner
    "place_open": 2,  # to each steering group chair: a place is free for a reserve bid
    "project_closing": 2,  # the close-out started: to the lead and the officer
    "project_closed": 3,  # to the lead, the enabler and the finance approver
    # A link, never the words, to the other sides of a conversation: the clarification to the lead, its
    # answer to the officer; on the project the enabler's message to the lead and the officer, the lead's
    # reply to the enabler and the officer.
    "message_received": 1 + 1 + 2 + 2,
}


def check_the_post(deployment: shapes.Deployment) -> None:
    """Every promised email arrived exactly once, and nothing else was sent."""
    deployment.post_room.wait_until_drained(deployment.app)
    rows = shapes.outbox(deployment.app)
    assert dict(shapes.kinds(rows)) == EXPECTED_EMAIL
    delivered = deployment.post_room.received()
    if deployment.shape == "production":
        # Each outbox row reached the SMTP server once (matched by its Message-ID), and only those.
        arrived = Counter(message.notification_id for message in delivered)
        assert arrived == Counter({row_id: 1 for row_id, _, _, _ in rows})
        assert {row[3] for row in rows} == {"sent"}
    else:
        assert {row[3] for row in rows} == {"captured"}
        assert len(delivered) == len(rows)
    by_recipient = Counter(message.to for message in delivered)
    assert by_recipient == Counter(recipient for _, _, recipient, _ in rows)


def check_the_run(deployment: shapes.Deployment, programme: scenario.Programme) -> None:
    package = scenario.officer_downloads_360giving(programme)
    # Three approved and one from the reserve list; the award given up is left out of the open data.
    funded = (programme.bids[0], programme.bids[1], programme.bids[3])
    grants = {grant["title"]: grant for grant in package["grants"]}
    assert set(grants) == {bid.title for bid in funded}
    # Each described by the round's public-summary questions: the issue, the vision and, after a Yes, how.
    for bid in funded:
        summary = [scenario.ISSUE, scenario.VISION] + ([bid.how] if bid.worked_together else [])
        assert grants[bid.title]["description"] == "\n\n".join(summary), grants[bid.title]["description"]
    assert [bid.worked_together for bid in funded] == [True, False, False]
    assert package_errors(package) == []
    check_the_post(deployment)
    check_the_kept_figures(deployment)


def check_the_kept_figures(deployment: shapes.Deployment) -> None:
    """Every figure kept as the data changed (bids' weighted scores ...) agrees with a recomputation from
    scratch, after a whole wave of scores submitted, revised and excluded by a conflict."""
    from grants.core.figures import differences, kept_figures

    with deployment.app.app_context():
        assert kept_figures(), "no kept figures are registered"
        assert differences() == {figures.name: [] for figures in kept_figures()}


@pytest.fixture(scope="module")
def embedded_run(tmp_path_factory):
    """The run in the embedded default (SQLite file, jobs in-process without REDIS_URL, email captured
    in the database), done once for the tests below that read what it left."""
    deployment = shapes.embedded(tmp_path_factory.mktemp("embedded"))
    try:
        yield deployment, run.run(deployment)
    finally:
        deployment.close()


def test_a_programme_run_in_the_embedded_default(embedded_run):
    check_the_run(*embedded_run)


def test_a_programme_run_in_the_production_shape(tmp_path, postgres_server_url, redis_url, mailbox):
    """A fresh PostgreSQL database, Redis, a Celery worker process and an SMTP server."""
    deployment = shapes.production(
        tmp_path, postgres_server_url=postgres_server_url, redis_url=redis_url, mailbox=mailbox
    )
    try:
        check_the_run(deployment, run.run(deployment))
    finally:
        deployment.close()


# --- What the run found, held to -------------------------------------------------------------------------
# Read from the embedded run above once it has finished (its emails already counted).


def test_bulk_rejections_carry_their_feedback(embedded_run):
    _, programme = embedded_run
    rejected = programme.bids[4:-1]
    for bid in rejected:
        letters = [m for m in programme.inbox(bid.lead.email) if "decision" in m.subject.lower()]
        assert len(letters) == 1, [m.subject for m in programme.inbox(bid.lead.email)]
        assert run.BULK_FEEDBACK in letters[0].body, letters[0].body


def emails_shown_to_the_officer(programme: scenario.Programme, subject_words: str) -> list:
    """Every message on the officer's Email page (all its pages) whose subject has these words."""
    officer = programme.people["officer"].browser
    page, shown = officer.get("/email/").ok(), []
    while True:
        shown += [
            officer.get(link.href) for link in page.links if "/email/" in link.href and subject_words in link.text
        ]
        following = [link.href for link in page.links if link.text.startswith("Next")]
        if not following:
            return shown
        page = officer.get(following[0]).ok()


@pytest.mark.parametrize(
    ("subject_words", "kind", "link"),
    [
        ("part in a partnership bid", "partner_invitation", "/partner/"),
        ("Confirm your email", "confirm_email", "/register/confirm/"),
    ],
)
def test_one_use_links_are_not_shown_on_the_email_page(embedded_run, subject_words, kind, link):
    _, programme = embedded_run
    shown = emails_shown_to_the_officer(programme, subject_words)
    assert len(shown) == EXPECTED_EMAIL[kind]
    assert all(message.status == 200 and link not in message.html for message in shown)


def test_partner_invitations_name_the_bid(embedded_run):
    _, programme = embedded_run
    for bid in programme.bids:
        invitation = next(m for m in programme.inbox(bid.partners[0].email) if "/partner/" in m.body)
        assert bid.title in invitation.subject + invitation.body
        assert "Untitled bid" not in invitation.body


def test_a_published_case_study_evidences_its_commitment(embedded_run):
    _, programme = embedded_run
    lead = programme.bids[0].lead.browser
    page = lead.get(f"/projects/{programme.ids['project']}/learning").ok()
    row = page.text.split("Publish a case study of the kitchen-table conversations.")[1].split("Update")[0]
    assert "Planned" not in row and "Done" in row, row


@pytest.mark.parametrize("path", ["/manage/applications/export.csv", "/funding/tranches.csv"])
def test_downloads_of_non_public_data_are_not_stored(embedded_run, path):
    _, programme = embedded_run
    response = programme.people["officer"].browser.client.get(path, buffered=True)
    assert response.status_code == 200
    assert "no-store" in (response.headers.get("Cache-Control") or "")


@pytest.mark.parametrize("button", ["Accept and submit the bid", "Withdraw the bid"])
def test_a_repeated_post_answers_with_what_already_happened(embedded_run, button):
    """A double click: the form as it was first drawn is posted again."""
    _, programme = embedded_run
    for bid in programme.bids:
        drawn = [page for page in bid.lead.browser.history if any(button in f.button_texts() for f in page.forms)]
        if drawn:
            break
    filling = drawn[-1].form(button)
    if "reason" in filling.form.names():
        filling.fill("reason", "Our board could not confirm the match funding in time.")
    again = filling.submit()
    assert again.status in {200, 409}, again.describe()
    assert bid.reference in again.text
