"""Error journeys in the browser: a bid that cannot be submitted yet shows the GOV.UK error summary,
focused, whose links lead to the answer to put right; and a tranche approved by two finance approvers
at once is released once, the second being told it already has been."""

from __future__ import annotations

from grants.applications.models import Application, Partner
from grants.core.audit import AuditEvent
from grants.extensions import db
from grants.funding.models import Payment, Tranche
from grants.notifications.models import Notification
from tests.browser.setup_data import draft_bid, requested_tranche, sign_in
from tests.factories import PASSWORD, complete_bid

SUMMARY_HAS_FOCUS = "document.activeElement.closest('.govuk-error-summary') !== null"


def _summary_has_focus(visitor) -> bool:
    return visitor.page.evaluate(SUMMARY_HAS_FOCUS)


def _focused_id(visitor) -> str:
    return visitor.page.evaluate("document.activeElement.id")


def _field_error(visitor, field_id: str) -> str:
    message = visitor.page.locator(f"#{field_id}-error")
    return " ".join(message.inner_text().split()).removeprefix("Error:").strip() if message.count() else ""


def test_submitting_a_bid_with_missing_answers_shows_the_error_summary_and_focuses_it(person, live_server):
    app = live_server.app
    bid = draft_bid(app, title="Better together in Wigan", section_states={"issue": "in_progress"})
    bid_path = f"/applications/{bid.application_id}"
    priya = sign_in(person("Priya, applicant"), bid.applicant_email, next_path=bid_path)
    assert priya.path == bid_path

    # Check and submit, with most of the bid unanswered: every reason is listed, and the summary has focus.
    priya.click_button("Check your answers and submit")  # a link drawn as a button
    assert priya.path == f"{bid_path}/check"
    assert priya.page.title().startswith("Error: ")
    assert priya.page.locator(".govuk-error-summary__title").inner_text().strip() == "Your bid cannot be submitted yet"
    problems = priya.error_summary()
    for missing in (
        "Add at least one partner organisation",
        "Select the place the project will benefit",
        "Enter an answer to ‘Your shared vision’",
        "Upload the pledge letter",
        "Add at least one budget line",
    ):
        assert missing in problems, problems
    assert _summary_has_focus(priya), "the error summary does not have focus"
    assert priya.page.get_by_role("button", name="Accept and submit the bid").count() == 0

    # An error link leads to the section to put right.
    priya.click_link("Enter an answer to ‘Your shared vision’")
    assert priya.path == f"{bid_path}/sections/vision#shared_vision"
    assert priya.h1() == "Shared vision"

    # The section's form sent empty: the summary, focused, and the message beside the question.
    priya.click_button("Save and continue")
    assert priya.page.title().startswith("Error: ")
    assert priya.error_summary() == ["Select whether you have completed this section"]
    assert _summary_has_focus(priya)
    assert _field_error(priya, "completed") == "Select whether you have completed this section"
    priya.click_link("Select whether you have completed this section")
    assert _focused_id(priya) == "completed", "the error link did not move focus to the question"

    # Marked completed with the vision still empty: the rule's message, beside the answer.
    priya.page.get_by_label("Yes", exact=True).check()
    priya.click_button("Save and continue")
    assert priya.error_summary() == ["Enter an answer to ‘Your shared vision’"]
    assert _summary_has_focus(priya)
    assert _field_error(priya, "shared_vision") == "Enter an answer to ‘Your shared vision’"
    priya.click_link("Enter an answer to ‘Your shared vision’")
    assert _focused_id(priya) == "shared_vision", "the error link did not move focus to the answer"

    with app.app_context():
        application = db.session.get(Application, bid.application_id)
        assert application.status == "draft" and application.reference is None and application.submitted_at is None
        assert application.section_state("vision") == "not_started"
        # Now every answer is given, and the bid can be submitted...
        complete_bid(application)
        partner_id = application.partners[0].id

    priya.go(f"{bid_path}/check")
    assert priya.error_summary() == []
    submit = priya.page.get_by_role("button", name="Accept and submit the bid")
    assert submit.count() == 1

    # ...until the only partner declines while the page is open: submitting is refused, and says why.
    with app.app_context():
        db.session.get(Partner, partner_id).status = "declined"
        db.session.commit()
    priya.click_button("Accept and submit the bid")
    assert priya.path == f"{bid_path}/check"
    assert priya.page.title().startswith("Error: ")
    problems = priya.error_summary()
    assert "At least 1 partner must confirm their part before you submit" in problems, problems
    assert _summary_has_focus(priya)
    assert priya.page.get_by_role("button", name="Accept and submit the bid").count() == 0
    priya.click_link("At least 1 partner must confirm their part before you submit")
    assert priya.path == f"{bid_path}/partnership"
    assert priya.h1() == "The partnership"

    with app.app_context():
        application = db.session.get(Application, bid.application_id)
        assert (application.status, application.reference, application.submitted_at) == ("draft", None, None)
        sent = db.session.scalars(db.select(Notification).where(Notification.template == "application_submitted"))
        assert sent.all() == []


def test_a_second_approver_sees_the_tranche_already_released(person, live_server):
    app = live_server.app
    setup = requested_tranche(app)
    page = f"/funding/tranches/{setup.tranche_id}"
    james = sign_in(person("James, finance approver"), setup.approver_emails[0], next_path=page)
    amara = sign_in(person("Amara, finance approver"), setup.approver_emails[1], next_path=page)

    # Both have the approval form open at the same time.
    for approver in (james, amara):
        assert approver.path == page
        assert approver.h1() == f"Tranche {setup.sequence}: £13,500.00"
        assert approver.page.get_by_role("button", name="Approve and release").count() == 1

    james.fill("Payment reference", "BACS-0001").fill("Your password", PASSWORD)
    james.click_button("Approve and release")
    assert james.path.startswith("/funding/"), james.path
    released = f"Tranche {setup.sequence} of {setup.project_reference} has been released."
    assert released in james.page.locator(".govuk-notification-banner--success").inner_text()

    # The second approver, still on the old form, approves too: told it has gone already, nothing paid twice.
    amara.fill("Payment reference", "BACS-0002").fill("Your password", PASSWORD)
    amara.click_button("Approve and release")
    banner = " ".join(amara.page.locator(".govuk-notification-banner").inner_text().split())
    assert f"Tranche {setup.sequence} has already been released." in banner
    assert amara.page.get_by_role("button", name="Approve and release").count() == 0
    assert "James Whitfield" in amara.text() and "BACS-0001" in amara.text()

    with app.app_context():
        tranche = db.session.get(Tranche, setup.tranche_id)
        assert tranche.status == "released"
        payments = db.session.scalars(db.select(Payment).where(Payment.tranche_id == setup.tranche_id)).all()
        assert [(p.reference, p.approved_by_id, p.requested_by_id) for p in payments] == [
            ("BACS-0001", setup.approver_ids[0], setup.officer_id)
        ]
        assert db.session.scalar(db.select(db.func.count()).select_from(Payment)) == 1
        refused = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "funding.release_refused")).all()
        assert [event.actor_id for event in refused] == [setup.approver_ids[1]]
