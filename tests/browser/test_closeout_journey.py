"""The end of a grant in the browser. A programme officer closes a project whose first tranche is paid:
from its page to its close-out, the close-out started early, the form sent without the reasons (the
error summary and the messages beside the questions), then closed with a reason for each thing left
and a note. And an award given up: recorded by the lead applicant, confirmed by the officer. axe
checks every page reached; the close-out page is also read at 320 pixels wide."""

from __future__ import annotations

import re
from dataclasses import dataclass

from grants.core.permissions import Role
from grants.extensions import db
from grants.funding.models import Tranche
from grants.funding.services import release
from grants.projects.models import Project, ProjectStatus
from tests.browser.setup_data import sign_in
from tests.factories import UserFactory, funded_project

OFFICER = "olu.officer@example.org"
NOTE = "Discharges are now planned together; the partnership carries the work on without the grant."


@dataclass(frozen=True)
class Funded:
    project_id: int
    reference: str
    lead_email: str


def _officer(email: str) -> None:
    UserFactory(roles=[Role.PROGRAMME_OFFICER], name="Olu Officer", email=email)


def _paid_project(app) -> Funded:
    """An active project with its first tranche paid: agreement signed, match funding confirmed, an
    enabler, a release requested by one officer and approved by a finance approver."""
    from tests.funding.conftest import ready_to_request

    with app.app_context():
        _officer(OFFICER)
        officer = UserFactory(roles=[Role.PROGRAMME_OFFICER], name="Sarah Collins", email="sarah@example.org")
        finance = UserFactory(roles=[Role.FINANCE_APPROVER], name="Fatima Rahman", email="fatima@example.org")
        project = funded_project()
        first = ready_to_request(project, officer)
        release.request_release(first, actor=officer)
        release.approve_release(first, actor=finance, payment_reference="BACS-0001")
        db.session.commit()
        assert project.status == ProjectStatus.ACTIVE
        return Funded(project.id, project.reference, project.application.lead_applicant.email)


def _unpaid_project(app, officer_email: str) -> Funded:
    """A project still setting up: nothing signed, nothing paid."""
    with app.app_context():
        _officer(officer_email)
        project = funded_project()
        db.session.commit()
        assert project.status == ProjectStatus.SETUP
        return Funded(project.id, project.reference, project.application.lead_applicant.email)


def _status(visitor) -> str:
    """The line under the project's title: its status and its RAG."""
    line = visitor.page.locator("main h1 ~ p.govuk-body").filter(has=visitor.page.locator(".govuk-tag")).first
    return " ".join(line.inner_text().split())


def _tranches(app, project_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                db.select(Tranche.status).where(Tranche.project_id == project_id).order_by(Tranche.sequence)
            )
        )


def _titled_error(visitor) -> bool:
    """The page's title starts "Error: ", once."""
    title = visitor.page.title()
    assert not title.startswith("Error: Error:"), title
    return title.startswith("Error: ")


def _tranches_shown(visitor) -> list[str]:
    """Each tranche's status tag on the project's funding page, in order."""
    visitor.click_link("Agreement, tranches and match funding")
    tags = visitor.page.locator(".grants-tranche h3 .govuk-tag")
    return [" ".join(tags.nth(index).inner_text().split()) for index in range(tags.count())]


def _field_error(visitor, field_id: str) -> str:
    message = visitor.page.locator(f"#{field_id}-error")
    return " ".join(message.inner_text().split()).removeprefix("Error:").strip() if message.count() else ""


def _follow_link_to(visitor, path: str, what: str) -> None:
    """Click the page's link to ``path``, whatever its words."""
    links = visitor.page.locator(f'main a[href$="{path}"]')
    assert links.count() >= 1, f"{visitor.path} has no link to {what} ({path})"
    links.first.click()
    visitor.check()
    assert visitor.path == path


def _no_sideways_scroll(visitor, width: int = 320) -> None:
    """At ``width`` CSS pixels (WCAG 1.4.10, reflow) the page scrolls only up and down; axe checks it too."""
    size = visitor.page.viewport_size
    visitor.page.set_viewport_size({"width": width, "height": 640})
    try:
        overflow = visitor.page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{visitor.path} scrolls sideways by {overflow}px at {width}px wide"
        visitor.check()
    finally:
        visitor.page.set_viewport_size(size)


def test_an_officer_starts_a_close_out_early_and_closes_the_project(person, live_server):
    app = live_server.app
    funded = _paid_project(app)
    project_path = f"/projects/{funded.project_id}"
    closeout_path = f"{project_path}/close-out"
    olu = sign_in(person("Olu, programme officer"), OFFICER, next_path=project_path)
    assert olu.path == project_path
    assert "Active" in _status(olu)

    # From the project's page to its close-out.
    _follow_link_to(olu, closeout_path, "its close-out")
    assert olu.h1() == "Close-out"
    assert olu.page.get_by_role("button", name="Close the project").count() == 0  # not before it is closing
    _no_sideways_scroll(olu)

    # The work is done before the end date: the officer starts the close-out now.
    olu.click_button("Start the close-out now")
    assert olu.path == closeout_path
    assert f"The close-out of {funded.reference} has started." in olu.text()
    assert olu.page.get_by_role("button", name="Start the close-out now").count() == 0
    # Left: the tranches not yet paid and the match funding not yet received (and whatever else the
    # areas look for, such as the final self-assessment), each with a question for its reason.
    left = olu.page.locator(".govuk-task-list__item", has_text="Left to do")
    why_fields = olu.page.locator("textarea[name^='why_']")
    why_ids = [why_fields.nth(index).get_attribute("id") for index in range(why_fields.count())]
    assert {"why_tranches", "why_match_received"} <= set(why_ids), why_ids
    assert left.count() == len(why_ids), olu.text()
    _no_sideways_scroll(olu)

    # Sent with nothing: the error summary, focused, lists the note and each thing left without a reason,
    # and each message is beside its question.
    olu.click_button("Close the project")
    assert olu.path == closeout_path
    assert _titled_error(olu)
    problems = olu.error_summary()
    assert "Write the close-out note" in problems, problems
    assert _field_error(olu, "closeout_note") == "Write the close-out note"
    assert olu.page.evaluate("document.activeElement.closest('.govuk-error-summary') !== null")
    for field_id in why_ids:
        message = _field_error(olu, field_id)
        assert message, f"no message beside {field_id}: {problems}"
        assert message in problems, (message, problems)
        link = olu.page.locator(f".govuk-error-summary a[href='#{field_id}']")
        assert link.count() == 1, f"the error summary does not lead to {field_id}: {problems}"
    _no_sideways_scroll(olu)
    assert _tranches(app, funded.project_id) == ["released", "scheduled", "scheduled"]

    # The note written, the reasons still missing: refused again, each reason asked for beside its question.
    olu.fill("Close-out note", NOTE)
    olu.click_button("Close the project")
    assert _titled_error(olu)
    problems = olu.error_summary()
    assert "Write the close-out note" not in problems
    for field_id in why_ids:
        assert _field_error(olu, field_id), f"no message beside {field_id}: {problems}"
    assert olu.page.get_by_label("Close-out note").input_value() == NOTE  # what was typed is kept

    # Every reason given: closed.
    reasons = {field_id.removeprefix("why_"): "The work finished early." for field_id in why_ids}
    reasons["match_received"] = "The board paid the partners directly."
    olu.fill("Why will “Match funding received” not happen?", reasons["match_received"])
    for key, reason in reasons.items():
        if key != "match_received":
            olu.page.locator(f"#why_{key}").fill(reason)
    olu.click_button("Close the project")
    assert olu.path == closeout_path
    assert not _titled_error(olu)
    assert f"{funded.reference} is closed." in olu.text()
    assert NOTE in olu.text() and "The board paid the partners directly." in olu.text()
    assert olu.page.get_by_role("button", name="Close the project").count() == 0
    _no_sideways_scroll(olu)

    olu.click_link(funded.reference)  # the back link
    assert olu.path == project_path
    assert "Closed" in _status(olu)
    assert _tranches_shown(olu) == ["Released", "Cancelled", "Cancelled"]
    assert _tranches(app, funded.project_id) == ["released", "cancelled", "cancelled"]
    with app.app_context():
        project = db.session.get(Project, funded.project_id)
        assert project.status == ProjectStatus.CLOSED and project.closeout_note == NOTE
        assert project.closeout_exceptions == reasons


def test_a_lead_gives_up_an_award_and_an_officer_confirms_it(person, live_server):
    app = live_server.app
    officer_email = "olu.adeyemi@example.org"
    funded = _unpaid_project(app, officer_email)
    project_path = f"/projects/{funded.project_id}"
    lead = sign_in(person("Priya, lead applicant"), funded.lead_email, next_path=project_path)
    assert lead.path == project_path
    assert "Setting up" in _status(lead)

    _follow_link_to(lead, f"{project_path}/give-up", "give up the award")
    assert lead.h1() == f"Give up the award for {funded.reference}?"

    # No reason: the error summary and the message beside the question.
    lead.click_button("Record that the award is given up")
    assert _titled_error(lead)
    assert len(lead.error_summary()) == 1
    assert _field_error(lead, "reason") == lead.error_summary()[0]
    lead.fill("Why is the partnership giving up its award?", "The council's cabinet withdrew its support.")
    lead.click_button("Record that the award is given up")
    assert re.fullmatch(rf"{project_path}/endings/\d+", lead.path), lead.path
    assert "It is recorded that the award is to be given up." in lead.text()
    assert "A programme officer will confirm this." in lead.text()
    assert lead.page.get_by_role("button", name="Confirm").count() == 0
    ending_path = lead.path

    olu = sign_in(person("Olu, programme officer"), officer_email, next_path=ending_path)
    assert olu.path == ending_path
    assert "The council's cabinet withdrew its support." in olu.text()
    olu.fill("Note (optional)", "Spoken to the lead: the board agreed.")
    olu.click_button("Confirm")
    assert olu.path == ending_path
    assert f"The award for {funded.reference} is given up." in olu.text()
    assert "Confirmed" in olu.text()
    assert olu.page.get_by_role("button", name="Confirm").count() == 0

    lead.go(project_path)
    assert "Award given up" in _status(lead)
    assert _tranches_shown(lead) == ["Cancelled", "Cancelled", "Cancelled"]
    assert _tranches(app, funded.project_id) == ["cancelled", "cancelled", "cancelled"]
