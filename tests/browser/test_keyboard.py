"""The submit journey by keyboard alone: an applicant signs in, completes every section of a bid and
submits it using only Tab, Space, Enter, arrow keys and typing, never the mouse. Every element focused on the
way must show the GOV.UK focus style, and axe checks every page reached."""

from __future__ import annotations

from datetime import date, timedelta

from grants.applications.models import Application
from grants.documents.models import Document
from grants.extensions import db
from tests.browser.setup_data import PDF, draft_bid
from tests.factories import PASSWORD

# What the focused element is called (as its label, its text, or the value of a submit input), and
# whether the GOV.UK focus style shows: an outline or a box shadow on the element, or, for radios and
# checkboxes (whose input is transparent), on the ring the label's ::before draws.
FOCUSED = """() => {
    const element = document.activeElement;
    if (!element || element === document.body) return null;
    const clean = (text) => (text || "").replace(/\\s+/g, " ").trim();
    let name = element.getAttribute("aria-label");
    if (!name && element.labels && element.labels.length) name = element.labels[0].textContent;
    if (!name && element.tagName === "INPUT" && ["submit", "button"].includes(element.type)) name = element.value;
    if (!name) name = element.textContent;
    const shows = (style) =>
        (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0
            && !/rgba\\(\\d+, \\d+, \\d+, 0\\)|transparent/.test(style.outlineColor))
        || (style.boxShadow && style.boxShadow !== "none");
    // A GOV.UK radio or checkbox input is transparent: its focus shows on the label's ::before ring.
    const hidden = ["radio", "checkbox"].includes(element.type) && element.labels && element.labels.length;
    const visible = hidden ? shows(getComputedStyle(element.labels[0], "::before")) : shows(getComputedStyle(element));
    return {
        name: clean(name),
        tag: element.tagName.toLowerCase(),
        type: element.getAttribute("type") || "",
        id: element.id || "",
        visible: visible,
        checked: !!element.checked,
        selected: element.tagName === "SELECT" ? clean(element.options[element.selectedIndex]?.text) : null,
    };
}"""


class KeyboardOnly:
    """A visitor who uses the keyboard and nothing else."""

    def __init__(self, visitor):
        self.visitor = visitor
        self.page = visitor.page
        self.keys = visitor.page.keyboard

    def focused(self) -> dict | None:
        return self.page.evaluate(FOCUSED)

    def tab_to(self, name: str, *, limit: int = 80) -> dict:
        """Press Tab until the focused element is called ``name``; every element on the way must show
        that it has focus. Fails, saying where focus went, after ``limit`` presses."""
        passed = []
        for _ in range(limit):
            self.keys.press("Tab")
            focused = self.focused()
            if focused is None:
                passed.append("(nothing)")
                continue
            passed.append(focused["name"][:40])
            assert focused["visible"], f"no visible focus on {focused} at {self.visitor.path}"
            if focused["name"] == name:
                return focused
        raise AssertionError(
            f"{limit} presses of Tab at {self.visitor.path} never reached {name!r}; focus went: {passed}"
        )

    def type_into(self, label: str, text: str) -> None:
        focused = self.tab_to(label)
        assert focused["tag"] in ("input", "textarea"), focused
        self.keys.type(text)

    def choose(self, label: str, option: str) -> None:
        """Pick an option of a select: type its first letters (the browser's type-ahead), else arrow down."""
        focused = self.tab_to(label)
        assert focused["tag"] == "select", focused
        self.keys.type(option[:6])
        for _ in range(30):
            if self.focused()["selected"] == option:
                return
            self.keys.press("ArrowDown")
        raise AssertionError(f"{option!r} could not be chosen in {label!r}: {self.focused()}")

    def tick(self, label: str) -> None:
        """Select a radio or tick a checkbox with the space bar."""
        focused = self.tab_to(label)
        assert focused["type"] in ("radio", "checkbox"), focused
        self.keys.press(" ")
        assert self.focused()["checked"], f"{label!r} is not selected after Space"

    def press_to_load(self, key: str = "Enter") -> None:
        """Press a key that takes the person to another page, then check that page."""
        with self.page.expect_navigation():
            self.keys.press(key)
        self.visitor.check()

    def follow(self, name: str, *, limit: int = 80) -> None:
        self.tab_to(name, limit=limit)
        self.press_to_load("Enter")

    def save_section(self, back_to: str) -> None:
        self.tick("Yes")
        self.follow("Save and continue")
        assert self.visitor.path == back_to, f"not saved: {self.visitor.error_summary()}"


def test_an_applicant_completes_and_submits_a_bid_by_keyboard_alone(person, live_server):
    app = live_server.app
    bid = draft_bid(app, confirmed_partner=True)  # the partner confirms through their emailed link, elsewhere
    bid_path = f"/applications/{bid.application_id}"
    visitor = person("Priya, keyboard user")
    priya = KeyboardOnly(visitor)

    visitor.go(f"/sign-in?next={bid_path}")
    priya.type_into("Email address", bid.applicant_email)
    priya.type_into("Password", PASSWORD)
    priya.follow("Sign in")
    assert visitor.path == bid_path
    assert "You have completed 0 of 8 sections" in visitor.text()

    priya.follow("The partnership")
    assert visitor.h1() == "The partnership"
    priya.save_section(bid_path)

    priya.follow("The issue and the place")
    priya.type_into("Project title", "Better together for older people in Wigan")
    priya.choose("Place", "Wigan")
    priya.tick("Integrating services for older people")
    priya.type_into("The issue", "Older people move between hospital and home without a plan.")
    priya.save_section(bid_path)

    priya.follow("Shared vision")
    priya.type_into("Your shared vision", "Everyone gets home safely, with the right support around them.")
    priya.save_section(bid_path)

    priya.follow("Why a systems-leadership approach")
    priya.type_into("Why a systems-leadership approach", "No single service owns the journey home.")
    priya.save_section(bid_path)

    priya.follow("Outcomes and how they will be measured")
    priya.type_into("Intended outcomes", "Fewer delayed discharges, and people at home sooner.")
    priya.type_into("Measure", "Delayed discharges")
    priya.type_into("Unit", "per month")
    priya.type_into("Baseline", "40")
    priya.type_into("Target", "20")
    priya.choose("Better is", "Lower")
    priya.save_section(bid_path)

    # Playwright turns on its interception of file choosers without waiting for the browser to
    # confirm, so a chooser opened at once could be missed: listen from here, pages before it opens.
    opened = []
    visitor.page.on("filechooser", lambda chooser: opened.append(chooser))
    priya.follow("Match funding")
    priya.type_into("Who has pledged the match funding?", "Wigan Health and Wellbeing Board")
    priya.type_into("Amount pledged", "10,000")
    focused = priya.tab_to("Pledge letter")
    assert focused["type"] == "file", focused
    with visitor.page.expect_file_chooser() as chooser:  # the space bar opens the operating system's chooser
        priya.keys.press(" ")
    assert len(opened) == 1
    chooser.value.set_files(files=[{"name": "pledge-letter.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    priya.save_section(bid_path)

    priya.follow("Learning commitments")
    priya.type_into("How you will share what you learn (optional)", "Through the learning network and a case study.")
    priya.choose("Kind of commitment", "Publish a case study")
    priya.type_into("What you will do", "Publish a case study of what changed in the system.")
    target = date.today() + timedelta(days=365)
    priya.type_into("Day", str(target.day))
    priya.type_into("Month", str(target.month))
    priya.type_into("Year", str(target.year))
    priya.save_section(bid_path)

    priya.follow("Budget")
    priya.type_into("Amount requested", "27,000")
    priya.type_into("What the money is for", "Facilitated workshops")
    priya.type_into("Amount", "15,000")
    priya.type_into("What the money is for", "Citizen panel")
    priya.type_into("Amount", "12,000")
    priya.save_section(bid_path)

    assert "You have completed 8 of 8 sections" in visitor.text()
    priya.follow("Check your answers and submit")
    assert visitor.h1() == "Check your answers before submitting your bid"
    assert visitor.error_summary() == []
    priya.follow("Accept and submit the bid", limit=200)

    assert visitor.path == f"{bid_path}/submitted"
    panel = " ".join(visitor.page.locator(".govuk-panel").inner_text().split())
    assert panel.startswith("Bid submitted Your reference")

    with app.app_context():
        application = db.session.get(Application, bid.application_id)
        assert application.status == "submitted" and application.reference and application.submitted_at
        assert application.reference in panel
        assert application.title == "Better together for older people in Wigan"
        assert application.place.name == "Wigan"
        assert [theme.name for theme in application.themes] == ["Integrating services for older people"]
        assert [(m.name, m.baseline, m.target, m.direction) for m in application.measures] == [
            ("Delayed discharges", 40, 20, "down")
        ]
        assert (application.match_amount_pence, application.amount_requested_pence) == (1_000_000, 2_700_000)
        assert [(c.kind, c.target_date) for c in application.commitments] == [("case_study", target)]
        assert [line.amount_pence for line in application.budget_lines] == [1_500_000, 1_200_000]
        letter = db.session.scalars(db.select(Document).where(Document.application_id == application.id)).one()
        assert (letter.original_filename, letter.size_bytes) == ("pledge-letter.pdf", len(PDF))
