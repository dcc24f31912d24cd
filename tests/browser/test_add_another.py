"""Measures of success added and removed on the page, without saving first (the GOV.UK "add another"
pattern, drawn by grants.js): rows are renumbered as they come and go, focus follows, the most the form
takes is respected, and what is saved is what the page showed. Saving returns to the task list, which
says "Saved"."""

from __future__ import annotations

from grants.applications.models import Application
from grants.extensions import db
from tests.browser.setup_data import draft_bid, sign_in


def legends(visitor) -> list[str]:
    return visitor.page.locator("[data-add-another-row] legend").all_inner_texts()


def names(visitor) -> list[str]:
    return visitor.page.locator("[data-add-another-row] input[name$='-name']").evaluate_all(
        "inputs => inputs.map(input => input.name)"
    )


def focused_id(visitor) -> str:
    return visitor.page.evaluate("() => document.activeElement.id || document.activeElement.textContent")


def test_an_applicant_adds_and_removes_measures_without_saving(person, live_server):
    app = live_server.app
    bid = draft_bid(app)
    path = f"/applications/{bid.application_id}/sections/outcomes"
    priya = person("Priya, applicant")
    sign_in(priya, bid.applicant_email, next_path=path)
    assert priya.path == path
    page = priya.page

    assert legends(priya) == ["Measure 1", "Measure 2"]
    assert "remove any you do not need" in priya.text()
    add = page.get_by_role("button", name="Add another measure")

    add.click()
    assert legends(priya) == ["Measure 1", "Measure 2", "Measure 3"]
    assert focused_id(priya) == "measures-2-name"
    page.locator("#measures-0-name").fill("Delayed discharges")
    page.locator("#measures-0-baseline").fill("40")
    page.locator("#measures-0-target").fill("20")
    page.locator("#measures-0-direction").select_option("down")
    page.locator("#measures-2-name").fill("People home within a week")
    page.locator("#measures-2-baseline").fill("55")
    page.locator("#measures-2-target").fill("80")

    page.get_by_role("button", name="Remove measure 2").click()
    assert legends(priya) == ["Measure 1", "Measure 2"]
    assert names(priya) == ["measures-0-name", "measures-1-name"]
    assert page.locator("#measures-1-name").input_value() == "People home within a week"
    assert page.locator("label[for='measures-1-name']").count() == 1
    assert focused_id(priya) == "measures-1-name"  # focus moves to the row that took its place

    for _ in range(6):
        add.click()
    assert len(legends(priya)) == 8 and add.is_hidden()  # the most the form takes
    for _ in range(6):
        page.get_by_role("button", name="Remove measure 3").click()
    assert legends(priya) == ["Measure 1", "Measure 2"] and add.is_visible()
    priya.check()

    page.get_by_label("Intended outcomes").fill("Fewer delayed discharges, and people at home sooner.")
    page.get_by_label("No", exact=True).check()
    priya.click_button("Save and continue")
    assert priya.path == f"/applications/{bid.application_id}"
    banner = " ".join(page.locator(".govuk-notification-banner--success").inner_text().split())
    assert "Saved: Outcomes and how they will be measured." in banner

    with app.app_context():
        application = db.session.get(Application, bid.application_id)
        assert [(m.name, m.baseline, m.target, m.direction) for m in application.measures] == [
            ("Delayed discharges", 40, 20, "down"),
            ("People home within a week", 55, 80, "up"),
        ]

    priya.go(path)
    assert legends(priya) == ["Measure 1", "Measure 2", "Measure 3", "Measure 4"]  # saved, and two to fill
    page.get_by_role("button", name="Remove measure 1").click()
    assert legends(priya) == ["Measure 1", "Measure 2", "Measure 3"]
    assert page.locator("#measures-0-name").input_value() == "People home within a week"
