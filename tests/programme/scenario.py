"""One programme run, from an empty database to published learning and open data, done by the people
who do each step through the website (``tests.programme.browser``). Each step is one small function
named for what a person does, so that a step the product changes is changed in one place.

What is not done through the website is set up the way a real deployment does it, and said so:
reference data, the first administrator and officer from the command line, and the clock (a round's
closing time, a report's period), which only time would otherwise move.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import unescape

import pyotp

from tests.programme.browser import Browser, Page
from tests.programme.shapes import BASE_URL, Deployment

PASSWORD = "a long walk by the canal"
# A real (minimal) PDF: uploads are checked by their content.
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)
ORGANISATIONS = 12  # the fewest the run needs: one withdraws, the rest are assessed
AWARD = 27_000  # pounds: the round's default award per project
BUDGET = 3 * AWARD  # room for three projects: a fourth approval is over the budget
PLACE_NAMES = ["Wigan", "Bolton", "Salford", "Oldham"]
THEME = "Integrating services for older people"


@dataclass
class Person:
    name: str
    email: str
    browser: Browser | None = None
    totp: str | None = None  # the key their authenticator app holds


@dataclass
class Bid:
    number: int
    organisation: str
    lead: Person
    partners: list[Person]
    title: str
    application_id: int | None = None
    reference: str | None = None
    worked_together: bool = False  # their answer to the round's own question
    how: str = ""  # and, after a Yes, how

    @property
    def kept_how(self) -> str:
        """The answer to "How?" the bid keeps: none unless the partners have worked together."""
        return self.how if self.worked_together else ""


@dataclass
class Programme:
    deployment: Deployment
    people: dict[str, Person] = field(default_factory=dict)
    bids: list[Bid] = field(default_factory=list)
    ids: dict = field(default_factory=dict)
    _addresses: int = 0

    @property
    def app(self):
        return self.deployment.app

    def person(self, key: str, name: str, email: str) -> Person:
        self._addresses += 1
        person = Person(name, email)
        # Each person has their own browser, on their own address (they are not all in one office).
        person.browser = Browser(self.app, name, f"10.{self._addresses // 250}.{self._addresses % 250}.1")
        self.people[key] = person
        return person

    def inbox(self, email: str) -> list:
        return [message for message in self.deployment.post_room.received() if message.to == email]


# --- Small helpers ---------------------------------------------------------------------------------------


def london_today() -> date:
    from grants.core.times import london_today as today

    return today()


def succeeded(page: Page, banner: str | None = None) -> Page:
    assert page.status == 200 and not page.errors, page.describe()
    if banner is not None:
        assert banner in page.banner, f"expected {banner!r}: {page.describe()}"
    return page


def emailed_link(programme: Programme, email: str, pattern: str, subject: str | None = None) -> str:
    """The link in the newest email this person received whose body has a link matching ``pattern``
    (read from the message as delivered, not from the database)."""
    programme.deployment.post_room.wait_until_drained(programme.app)
    for message in reversed(programme.inbox(email)):
        if subject is not None and subject not in message.subject:
            continue
        found = re.search(rf"{re.escape(BASE_URL)}({pattern})", message.body)
        if found:
            return found.group(1)
    raise AssertionError(
        f"no email to {email} with a link like {pattern}: {[m.subject for m in programme.inbox(email)]}"
    )


# --- Set-up a deployment does outside the website ----------------------------------------------------------


def load_reference_data(programme: Programme) -> None:
    """SET-UP, as a real deployment does: the ONS local authority areas and the default themes, loaded
    with ``flask --app wsgi reference-data load``."""
    result = programme.app.test_cli_runner().invoke(args=["reference-data", "load"])
    assert result.exit_code == 0, result.output
    assert "Themes: 8 added." in result.output, result.output


def create_staff_from_command_line(programme: Programme, key: str, name: str, email: str, role: str) -> Person:
    """SET-UP, as a real deployment does: the first administrator and officer are made with
    ``flask --app wsgi users create`` (staff accounts are not made through the website)."""
    result = programme.app.test_cli_runner().invoke(
        args=["users", "create", "--email", email, "--name", name, "--role", role, "--password", PASSWORD]
    )
    assert result.exit_code == 0, result.output
    return programme.person(key, name, email)


# --- Accounts ------------------------------------------------------------------------------------------


def sign_in(person: Person) -> Page:
    """Password, then the second step where the role needs one: set up on first sign-in (the key
    read from the set-up page), a fresh code afterwards."""
    page = person.browser.get("/sign-in")
    page = page.form("Sign in").fill("email", person.email).fill("password", PASSWORD).submit()
    if page.path == "/account/two-factor/set-up":
        found = re.search(r'data-testid="two-factor-secret">([^<]+)<', page.html)
        person.totp = found.group(1).replace(" ", "")
        page = page.form("Turn on two-factor sign-in").fill("code", pyotp.TOTP(person.totp).now()).submit()
        assert page.h1 == "Save your recovery codes", page.describe()
    elif page.path == "/sign-in/two-factor":
        page = page.form("Continue").fill("code", pyotp.TOTP(person.totp).now()).submit()
    assert page.path not in {"/sign-in", "/sign-in/two-factor"}, page.describe()
    return succeeded(page)


def sign_out(person: Person) -> None:
    page = person.browser.get("/").press("Sign out")
    succeeded(page, "You have signed out.")


def register(programme: Programme, person: Person) -> Page:
    """Create an account on the registration page, then confirm the address through the link emailed
    to it (the password asked again on the link's page)."""
    page = person.browser.get("/register")
    page = (
        page.form("Create account")
        .fill("name", person.name)
        .fill("email", person.email)
        .fill("password", PASSWORD)
        .fill("confirm_password", PASSWORD)
        .submit()
    )
    assert page.path == "/register/check-your-email", page.describe()
    link = emailed_link(programme, person.email, r"/register/confirm/\S+", subject="Confirm your email address")
    page = person.browser.get(link).ok()
    page = page.form("Confirm and sign in").fill("password", PASSWORD).submit()
    return succeeded(page, "Your email address is confirmed and your account is ready.")


def administrator_grants_role(programme: Programme, person: Person, role_label: str) -> None:
    """The administrator finds the person on the People page and gives them a role (their own
    password asked again)."""
    admin = programme.people["admin"].browser
    page = admin.get("/admin/people").ok().follow(f"Change roles for {person.name}", exact=True)
    page = page.form("Save roles").tick_only("roles", [role_label]).fill("password", PASSWORD).submit()
    succeeded(page, f"Roles saved for {person.name}.")


# --- The round ------------------------------------------------------------------------------------------


def officer_creates_round(programme: Programme) -> Page:
    officer = programme.people["officer"].browser
    today = london_today()
    page = officer.get("/manage/rounds/new").ok()
    page = (
        page.form("Save round")
        .fill("code", "LV")
        .fill("title", "Local Vision wave 1")
        .fill("summary", "Funding for local partnerships to tackle an issue no single agency can solve alone.")
        .fill("guidance", "Apply as a partnership across sectors, with the board's pledge.")
        .date("opens_on", today - timedelta(days=1))
        .fill("opens_time", "9am")
        .date("closes_on", today + timedelta(days=30))
        .fill("closes_time", "5pm")
        .date("assessment_deadline", today + timedelta(days=60))
        .fill("places", "")  # a total budget instead of a number of places
        .fill("budget", f"{BUDGET:,}")
        .choose("themes", THEME)
        .submit()
    )
    succeeded(page, "Round LV has been created as a draft.")
    programme.ids["round"] = int(re.fullmatch(r"/manage/rounds/(\d+)", page.path).group(1))
    return page


def officer_publishes_round(programme: Programme) -> None:
    officer = programme.people["officer"].browser
    page = officer.get(f"/manage/rounds/{programme.ids['round']}").press("Publish the round")
    succeeded(page, "Round LV is now open.")


# --- The round's application form -------------------------------------------------------------------

WORKING_PAGE = "Working together"
HOW_PAGE = "How you have worked together"
WORKED_BEFORE = "Have the partners worked together before?"
HOW = "How?"
HOW_WORDS = 200
LATE_QUESTION = "Who first brought the partners together?"


def officer_opens_application_form(programme: Programme) -> Page:
    """From the round's page, its Application form: the pages and their questions."""
    officer = programme.people["officer"].browser
    page = officer.get(f"/manage/rounds/{programme.ids['round']}").ok().follow("Application form", exact=True).ok()
    assert page.h1 == "Application form", page.describe()
    return page


def officer_adds_page(programme: Programme, title: str, description: str) -> Page:
    page = officer_opens_application_form(programme).follow("Add a page", exact=True).ok()
    page = page.form("Save page").fill("title", title).fill("description", description).submit()
    return succeeded(page, f"The page ‘{title}’ has been added.")


def officer_draws_new_question(programme: Programme, page_title: str, kind_label: str):
    """The builder's two steps to a new question on a page: the kind, then the question's form (returned
    to fill in)."""
    page = officer_opens_application_form(programme).follow(f"Add a question to {page_title}", exact=True).ok()
    page = page.form("Continue").choose("kind", kind_label).submit().ok()
    assert page.h1 == "Add a question", page.describe()
    return page.form("Save question")


def questions_on_the_form(programme: Programme) -> list[str]:
    """Each question's title as the officer's overview of the form lists them, in order."""
    page = officer_opens_application_form(programme)
    return [" ".join(re.sub(r"<[^>]+>", " ", title).split()) for title in QUESTION_TITLE.findall(page.html)]


QUESTION_TITLE = re.compile(r'<dt class="govuk-summary-list__key">(.*?)</dt>', flags=re.S)


def officer_adds_conditional_questions(programme: Programme) -> None:
    """A yes/no question on a new page, saved with a double click that sends it twice at once (one
    question, never an error); then, on a later page, a long text asked only after a Yes, part of the
    public description of a funded bid."""
    officer_adds_page(programme, WORKING_PAGE, "Tell us about the partnership's history.")
    filling = (
        officer_draws_new_question(programme, WORKING_PAGE, "Yes or no")
        .fill("title", WORKED_BEFORE)
        .fill("hint", "Any joint work counts.")
        .choose("required", "Yes")
    )
    pages = filling.submit_at_once(2)
    banners = sorted(page.banner for page in pages)
    assert all(page.status == 200 for page in pages), [page.describe() for page in pages]
    assert sum(f"The question ‘{WORKED_BEFORE}’ has been added." in banner for banner in banners) == 1, banners
    assert sum("That form had already been sent" in banner for banner in banners) == 1, banners
    assert questions_on_the_form(programme).count(WORKED_BEFORE) == 1

    officer_adds_page(programme, HOW_PAGE, "")
    page = (
        officer_draws_new_question(programme, HOW_PAGE, "Long text")
        .fill("title", HOW)
        .fill("hint", "What you did together, and what you learned.")
        .choose("required", "Yes")
        .fill("max_words", HOW_WORDS)
        .choose("condition", f"Only if ‘{WORKED_BEFORE}’ is Yes")
        .choose("public_summary", "public description", exact=False)
        .submit()
    )
    succeeded(page, f"The question ‘{HOW}’ has been added.")
    assert f"Only if ‘{WORKED_BEFORE}’ is Yes" in page.text, page.text[:3000]
    # The page's key is in its preview's address: applicants who answer No must never reach that page.
    preview = page.link(f"Preview page {HOW_PAGE}", exact=True)
    programme.ids["how_page"] = preview.rsplit("/", 1)[1]


def officer_previews_page(programme: Programme) -> None:
    """The later page as an applicant will see it: it says when it is asked, checks what is typed as it
    will be checked, and keeps nothing."""
    page = officer_opens_application_form(programme).follow(f"Preview page {HOW_PAGE}", exact=True).ok()
    assert "This is a preview of page 10 of 10" in page.banner, page.describe()
    assert f"Only if ‘{WORKED_BEFORE}’ is Yes: this question is asked only then." in page.text, page.text[:3000]
    too_long = " ".join(["word"] * (HOW_WORDS + 1))
    assert "Have you completed this section?" not in page.text  # the applicant's to say, not the preview's
    refused = page.form("Check this page and continue").type(HOW, too_long).submit()
    assert refused.status == 400, refused.describe()
    assert f"‘{HOW}’ must be {HOW_WORDS} words or fewer" in refused.errors, refused.describe()
    filled = refused.form("Check this page and continue").type(HOW, "We ran a winter pilot.").submit()
    succeeded(filled, "That was the last page")
    assert filled.h1 == "Application form", filled.describe()


def officer_changes_hint(programme: Programme, title: str, hint: str, *, button: str = "Change") -> Page:
    page = officer_opens_application_form(programme).follow(f"{button} {title}", exact=True).ok()
    page = page.form("Save question").fill("hint", hint).submit()
    succeeded(page, "The question has been saved.")
    assert hint in page.text, page.text[:3000]
    return page


def officer_links_criterion(programme: Programme, criterion: str, titles: list[str]) -> None:
    """The rubric's criterion names the questions it assesses: the reviewer reads their answers beside it.
    Each question's key is read from the criterion's form (the value of its box), as the API names it."""
    officer = programme.people["officer"].browser
    page = officer.get(f"/manage/rounds/{programme.ids['round']}").ok().follow(f"Change {criterion}", exact=True).ok()
    filling = page.form("Save criterion")
    for title in titles:
        filling.choose("question_keys", title)
    boxes = [control for control in filling.form.controls if control.name == "question_keys"]
    programme.ids["keys"] = {box.label: box.value for box in boxes}
    page = filling.submit()
    succeeded(page, "The rubric has been saved.")
    assert all(title in page.text for title in titles), page.text[:3000]


def officer_finds_form_frozen(programme: Programme, drawn_before) -> None:
    """Once open, the questions are fixed: a question's form drawn before publishing is refused with the
    builder's reason, and nothing is added; asking for the form again says the same. The guidance can
    still change."""
    reason = "This round is open: its questions cannot change. You can still change the guidance."
    before = questions_on_the_form(programme)
    refused = drawn_before.submit()
    assert refused.status == 400 and reason in refused.errors, refused.describe()
    assert questions_on_the_form(programme) == before
    assert LATE_QUESTION not in before
    page = officer_opens_application_form(programme)
    assert "its questions cannot change" in page.text, page.text[:2000]
    assert not any(link.text.startswith("Add a question") for link in page.links)
    sent_back = programme.people["officer"].browser.get(f"/manage/rounds/{programme.ids['round']}/form/questions/new")
    assert sent_back.h1 == "Application form" and reason in sent_back.banner, sent_back.describe()
    officer_changes_hint(programme, WORKED_BEFORE, OPEN_HINT, button="Change hint")


OPEN_HINT = "Any joint work counts, even a single project."


# --- Applicants ----------------------------------------------------------------------------------------


def set_up_organisation(bid: Bid, sector: str, place: str) -> None:
    page = bid.lead.browser.get("/organisation").ok()
    page = (
        page.form("Save organisation")
        .fill("name", bid.organisation)
        .choose("sector", sector)
        .fill("address_line_1", f"{bid.number} High Street")
        .fill("town", place)
        .fill("postcode", "WN1 1YN")
        .choose("place_id", place)
        .submit()
    )
    succeeded(page, "Your organisation's details have been saved.")


def start_bid(programme: Programme, bid: Bid) -> None:
    """Start a bid from the round's page, giving its title (partner invitations name the bid)."""
    page = bid.lead.browser.get(f"/rounds/{programme.ids['round']}").ok()
    page = page.follow("Start or continue your bid").ok()
    page = page.form("Start the bid").fill("title", bid.title).submit()
    found = re.fullmatch(r"/applications/(\d+)", page.path)
    assert found, page.describe()
    bid.application_id = int(found.group(1))


def _save_section(bid: Bid, filling) -> None:
    page = filling.choose("completed", "Yes").submit()
    succeeded(page)
    assert page.path == f"/applications/{bid.application_id}", page.describe()


def invite_partner(bid: Bid, partner: Person, organisation: str, sector: str) -> None:
    page = bid.lead.browser.get(f"/applications/{bid.application_id}/partners/new").ok()
    page = (
        page.form("Save partner and send the invitation")
        .fill("organisation_name", organisation)
        .choose("sector", sector)
        .fill("role", "Leads the work with GP practices and the hospital discharge team.")
        .fill("contact_name", partner.name)
        .fill("contact_email", partner.email)
        .submit()
    )
    succeeded(page, f"{organisation} has been saved. We have emailed {partner.name} a link to confirm their part.")


ISSUE = "Older people move between hospital, care and home without anyone owning the plan."
VISION = "Everyone gets home safely, with the support they chose."


def complete_bid(programme: Programme, bid: Bid, place: str, amount: int = AWARD) -> None:
    """Every section of the bid but the partnership's confirmations."""
    browser, base = bid.lead.browser, f"/applications/{bid.application_id}"
    _save_section(bid, browser.get(f"{base}/partnership").form("Save and continue"))
    _save_section(
        bid,
        browser.get(f"{base}/sections/issue")
        .form("Save and continue")
        .fill("title", bid.title)
        .choose("place_id", place)
        .choose("themes", THEME)
        .fill("issue", ISSUE),
    )
    _save_section(
        bid,
        browser.get(f"{base}/sections/vision").form("Save and continue").fill("shared_vision", VISION),
    )
    _save_section(
        bid,
        browser.get(f"{base}/sections/approach")
        .form("Save and continue")
        .fill("systems_leadership", "No single service owns the journey home."),
    )
    _save_section(
        bid,
        browser.get(f"{base}/sections/outcomes")
        .form("Save and continue")
        .fill("outcomes", "Fewer delayed discharges and fewer readmissions within 30 days.")
        .fill("measures-0-name", "Delayed discharges")
        .fill("measures-0-unit", "per month")
        .fill("measures-0-baseline", "40")
        .fill("measures-0-target", "20")
        .choose("measures-0-direction", "Lower"),
    )
    _save_section(
        bid,
        browser.get(f"{base}/sections/match")
        .form("Save and continue")
        .fill("match_funder", f"{place} Health and Wellbeing Board")
        .fill("match_amount", "10,000")
        .attach("evidence", "pledge-letter.pdf", PDF),
    )
    _save_section(
        bid,
        browser.get(f"{base}/sections/learning")
        .form("Save and continue")
        .fill("learning_plan", "A case study for the library and a learning event.")
        .choose("commitments-0-kind", "Publish a case study")
        .fill("commitments-0-description", "Publish a case study of the kitchen-table conversations.")
        .date("commitments-0-target_date", london_today() + timedelta(days=300)),
    )
    _save_section(
        bid,
        browser.get(f"{base}/sections/budget")
        .form("Save and continue")
        .fill("amount_requested", f"{amount:,}")
        .fill("budget_lines-0-description", "Facilitated workshops")
        .fill("budget_lines-0-amount", f"{amount - 12_000:,}")
        .fill("budget_lines-1-description", "Citizen panel")
        .fill("budget_lines-1-amount", "12,000"),
    )
    answer_round_questions(programme, bid)
    page = browser.get(base)
    # The partnership counts once its partners have confirmed; the page asking how is there after a Yes.
    sections = 10 if bid.worked_together else 9
    assert f"You have completed {sections - 1} of {sections} sections." in page.text, page.text[:1500]
    assert "Waiting for partners" in page.text, page.text[:1500]


def _working_together(programme: Programme, bid: Bid, answer: str) -> None:
    browser, base = bid.lead.browser, f"/applications/{bid.application_id}"
    page = browser.get(base).ok().follow(WORKING_PAGE, exact=True).ok()
    assert OPEN_HINT in page.text, "the hint changed after publishing is the one applicants read"
    _save_section(bid, page.form("Save and continue").choose(programme.ids["keys"][WORKED_BEFORE], answer))


def answer_round_questions(programme: Programme, bid: Bid) -> None:
    """The round's own questions. After a Yes, the later page asks how; after a No it is never asked:
    not in the task list, not at its address. An applicant who said Yes and answered, then changed to
    No, no longer keeps that answer."""
    browser, base = bid.lead.browser, f"/applications/{bid.application_id}"
    how_page = f"{base}/sections/{programme.ids['how_page']}"
    changes_mind = bool(bid.how) and not bid.worked_together
    if bid.worked_together or changes_mind:
        _working_together(programme, bid, "Yes")
        page = browser.get(base).ok().follow(HOW_PAGE, exact=True).ok()
        assert page.path == how_page, page.describe()
        _save_section(bid, page.form("Save and continue").type(HOW, bid.how))
    if not bid.worked_together:
        _working_together(programme, bid, "No")
        assert HOW_PAGE not in browser.get(base).ok().text
        assert browser.get(how_page).status == 404
        check = browser.get(f"{base}/check")
        assert WORKED_BEFORE in check.text and (not bid.how or bid.how not in check.text), check.text[:3000]


def partner_confirms(programme: Programme, bid: Bid, partner: Person) -> None:
    """The partner follows the link in the invitation they were emailed and confirms their part."""
    link = emailed_link(programme, partner.email, r"/partner/\S+")
    page = partner.browser.get(link).ok()
    assert bid.title in page.text, page.text[:1000]
    page = page.form("Send response").choose("response", "Yes, we confirm our part").submit()
    succeeded(page)
    assert page.h1 == "Thank you", page.describe()


def submit_bid(programme: Programme, bid: Bid) -> None:
    browser = bid.lead.browser
    sections = 10 if bid.worked_together else 9
    shown = browser.get(f"/applications/{bid.application_id}").text
    assert f"You have completed {sections} of {sections} sections." in shown, shown[:1500]
    page = browser.get(f"/applications/{bid.application_id}/check")
    assert page.h1 == "Check your answers before submitting your bid", page.describe()
    page = succeeded(page).press("Accept and submit the bid")
    assert page.h1 == "Bid submitted", page.describe()
    bid.reference = re.search(r"LV-\d{4}", page.text).group(0)


def withdraw_bid(bid: Bid) -> None:
    page = bid.lead.browser.get(f"/applications/{bid.application_id}/withdraw").ok()
    page = (
        page.form("Withdraw the bid").fill("reason", "Our board could not confirm the match funding in time.").submit()
    )
    succeeded(page)
    assert "Withdrawn" in page.text, page.describe()


# --- Staff -----------------------------------------------------------------------------------------------


def staff_joins(programme: Programme, key: str, name: str, email: str, role_label: str) -> Person:
    """A member of staff registers on the website and the administrator gives them their role."""
    person = programme.person(key, name, email)
    register(programme, person)
    administrator_grants_role(programme, person, role_label)
    sign_out(person)
    sign_in(person)  # again, with the role's second step where it needs one
    return person


def officer_invites_enabler(programme: Programme, name: str, email: str) -> Person:
    """The officer invites the enabler, who chooses a password through the emailed link; the officer
    fills in the enabler's profile so that matching can offer them."""
    officer = programme.people["officer"].browser
    page = officer.get("/manage/enablers/invite").ok()
    page = page.form("Send the invitation").fill("name", name).fill("email", email).submit()
    succeeded(page, f"{name} has been invited")
    programme.ids["enabler_profile"] = page.path
    return programme.person("enabler", name, email)


# --- Assessment ------------------------------------------------------------------------------------------


def officer_closes_round_and_starts_assessment(programme: Programme) -> None:
    """The officer closes the round early (every bid is in) and puts the bids under review."""
    officer = programme.people["officer"].browser
    page = officer.get(f"/manage/rounds/{programme.ids['round']}").press("Close the round now")
    succeeded(page, "Round LV is now closed.")
    page = page.press("Start assessment (bids go under review)")
    succeeded(page, "Round LV is now assessing.")


def officer_assigns_reviewers(programme: Programme, per_bid: int = 1) -> None:
    officer = programme.people["officer"].browser
    page = officer.get(f"/manage/rounds/{programme.ids['round']}/reviewers").ok()
    page = page.form("Assign reviewers").fill("per_bid", per_bid).submit()
    succeeded(page, "Each reviewer has been emailed.")


def officer_assigns_reviewer(programme: Programme, bid: Bid, reviewer: Person) -> None:
    officer = programme.people["officer"].browser
    page = officer.get(f"/manage/rounds/{programme.ids['round']}/reviewers").ok()
    page = page.follow(f"Assign a reviewer to {bid.reference}", exact=True)
    page = page.form("Assign").choose("reviewer_id", reviewer.name).submit()
    succeeded(page, f"{reviewer.name} has been asked to review {bid.reference}.")


def reviews_waiting(reviewer: Person) -> dict[str, str]:
    """The reviewer's list: bid reference -> the link to its review."""
    page = reviewer.browser.get("/reviews/").ok()
    return {
        link.text.split()[0]: link.href
        for link in page.links
        if re.fullmatch(r"/reviews/\d+", link.href) and re.match(r"LV-\d{4}", link.text)
    }


def reviewer_declares_conflict(reviewer: Person, link: str) -> None:
    page = reviewer.browser.get(link).ok()
    page = (
        page.form("Continue")
        .choose("has_conflict", "Yes")
        .fill("nature", "My partner is a trustee of the lead organisation.")
        .submit()
    )
    succeeded(page, "You have been taken off this bid and the programme team will reassign it.")


SUMMARY_ROW = re.compile(
    r'<dt class="govuk-summary-list__key">(.*?)</dt>\s*<dd class="govuk-summary-list__value">(.*?)</dd>', flags=re.S
)


def answers_beside_criteria(page: Page) -> dict[str, str]:
    """What the bid says, as the scoring page shows it beside the criteria: question -> answer."""
    shown: dict[str, str] = {}
    for block in re.findall(r"data-criterion-answers=.*?</dl>", page.html, flags=re.S):
        for key, value in SUMMARY_ROW.findall(block):
            shown[_words(key)] = _words(value)
    return shown


def _words(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def reviewer_scores(reviewer: Person, link: str, score: int, bid: Bid | None = None) -> None:
    """Declare no conflict (the first time), then score every criterion, having read beside them what
    ``bid`` answered to the round's own questions."""
    page = reviewer.browser.get(link).ok()
    if page.h1 == "Do you have a conflict of interest with this bid?":
        page = page.form("Continue").choose("has_conflict", "No").submit().ok()
    if bid is not None:
        shown = answers_beside_criteria(page)
        assert shown.get(WORKED_BEFORE) == ("Yes" if bid.worked_together else "No"), shown
        assert shown.get(HOW) == (bid.how if bid.worked_together else None), shown
    filling = page.form("Submit scores")
    for name in filling.form.names():
        if name.startswith("value_"):
            filling.choose(name, f"{score}: ", exact=False)  # each point says what it means: "3: Adequate"
        elif name.startswith("justification_"):
            filling.fill(name, f"Scored {score}: the partnership's evidence is set out in the bid.")
    succeeded(filling.submit(), "Your scores have been submitted.")


def reviewer_looks_again(reviewer: Person, link: str, criterion_score: int) -> None:
    """Asked to look again, the reviewer changes the first criterion's score and resubmits."""
    page = reviewer.browser.get(link).ok()
    assert "The chair has asked you to look again" in page.banner, page.describe()
    filling = page.form("Submit changes")
    first = next(name for name in filling.form.names() if name.startswith("value_"))
    filling.choose(first, f"{criterion_score}: ", exact=False)
    filling.fill(first.replace("value_", "justification_"), "Looked again: the panel is run by the council.")
    succeeded(filling.submit())


def chair_asks_reviewer_to_look_again(programme: Programme, chair: Person, bid: Bid) -> str:
    """Returns the reviewer's name."""
    page = chair.browser.get(f"/assessment/applications/{bid.application_id}").ok()
    form = next(form for form in page.forms if "/look-again" in form.action)
    button = form.button_texts()[0]
    reviewer = button.removeprefix("Ask ").removesuffix(" to look again")
    page = page.form(button).fill("note", "Look again at the citizen panel: is it really run by residents?").submit()
    succeeded(page, f"{reviewer} has been asked to look again.")
    return reviewer


def chair_declares_conflict(chair: Person, bid: Bid) -> None:
    page = chair.browser.get(f"/assessment/applications/{bid.application_id}/conflict").ok()
    page = page.form("Declare the conflict").fill("nature", "I chair the board of the lead organisation.").submit()
    succeeded(page, f"Conflict declared. You will not see {bid.reference} again; another chair decides it.")


def chair_decides(chair: Person, bid: Bid, outcome: str, *, feedback: str = "") -> Page:
    """``outcome`` as the page says it: Approve, Reserve or Reject. Returns the page the chair sees
    (the refusal, if refused)."""
    page = chair.browser.get(f"/assessment/applications/{bid.application_id}").ok()
    filling = (
        page.form("Record decision")
        .choose("outcome", outcome)
        .fill("rationale", f"{outcome}: the steering group's view, from the scores and the discussion.")
    )
    if feedback:
        filling.fill("feedback", feedback).choose("feedback_released", "Share this feedback with the applicant")
    return filling.submit()


def chair_decides_in_bulk(programme: Programme, chair: Person, bids: list[Bid], outcome: str, feedback: str) -> None:
    """Several bids at once, with feedback for their applicants: checked, then confirmed."""
    page = chair.browser.get(f"/assessment/rounds/{programme.ids['round']}").ok()
    filling = page.form("Check these decisions").choose("outcome", outcome)
    filling.fill("rationale", "Scored below the bids the budget allows; the steering group agreed.")
    filling.fill("feedback_text", feedback)
    for bid in bids:
        filling.choose("application_ids", f"Select {bid.reference}")
    page = succeeded(filling.submit())
    confirm = next(form for form in page.forms if form.action.endswith("/bulk"))
    page = page.form(confirm.button_texts()[-1], action="/bulk").submit()
    succeeded(page, f"{len(bids)} decision{'s' if len(bids) != 1 else ''} recorded.")


def chair_makes_decisions_take_effect(programme: Programme, chair: Person) -> Page:
    page = chair.browser.get(f"/assessment/rounds/{programme.ids['round']}/apply").ok()
    page = page.press("Make the decisions take effect")
    return succeeded(page, "decisions have taken effect")


# --- Where people read the answers ------------------------------------------------------------------


def officer_downloads_round_applications(programme: Programme) -> dict[str, dict[str, str]]:
    """The officer's list of applications, filtered to the round, downloaded as CSV (a column for each
    of the round's questions): reference -> column -> cell."""
    import csv
    import io

    officer = programme.people["officer"].browser
    page = officer.get("/manage/applications/").ok()
    page = page.form("Filter").choose("round", "LV: Local Vision wave 1").submit().ok()
    href = page.link("Download these applications (CSV)")
    assert f"round={programme.ids['round']}" in href, href
    response = officer.client.get(href)
    assert response.status_code == 200 and response.mimetype == "text/csv", response.status_code
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    return {row["Reference"]: row for row in rows}


def officer_creates_api_token(programme: Programme) -> str:
    """A token carrying the officer's role, made in their account; its secret is shown once."""
    officer = programme.people["officer"].browser
    page = officer.get("/account/api-tokens/new").ok()
    page = page.form("Create token").fill("name", "Programme reporting").choose("roles", "Programme officer").submit()
    succeeded(page, "The token “Programme reporting” has been created.")
    found = re.search(r'value="([^"]+)"[^>]*data-testid="api-token-secret"', page.html)
    assert found, page.describe()
    return found.group(1)


def api_application(programme: Programme, token: str, bid: Bid) -> dict:
    """The API's record of one bid, read with the officer's token (no session: the header alone)."""
    client = programme.app.test_client()
    response = client.get(f"/api/v1/applications/{bid.application_id}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    return response.get_json()["data"]


# --- The project ----------------------------------------------------------------------------------------


def project_of(programme: Programme, bid: Bid) -> int:
    officer = programme.people["officer"].browser
    page = officer.get("/projects/").ok()
    return int(re.fullmatch(r"/projects/(\d+)", page.link(bid.reference)).group(1))


def enabler_chooses_password(programme: Programme, enabler: Person) -> None:
    """Through the link in the invitation they were emailed."""
    link = emailed_link(programme, enabler.email, r"/password/reset/\S+")
    page = enabler.browser.get(link).ok()
    page = page.form("Save new password").fill("password", PASSWORD).fill("confirm_password", PASSWORD).submit()
    succeeded(page)
    if page.path == "/sign-in":
        sign_in(enabler)


def officer_assigns_enabler(programme: Programme, project_id: int, enabler: Person, reference: str) -> None:
    officer = programme.people["officer"].browser
    page = officer.get(f"/manage/projects/{project_id}/enabler").ok()
    page = (
        page.form("Assign enabler")
        .choose("enabler_id", enabler.name, exact=False)
        .fill("reason", "Knows the place and older people's services.")
        .submit()
    )
    succeeded(page, f"{enabler.name} now supports {reference}.")


def officer_issues_agreement(programme: Programme, project_id: int) -> None:
    officer = programme.people["officer"].browser
    page = officer.get(f"/projects/{project_id}/funding").press("Issue version 1 for signature")
    succeeded(page, "Version 1 of the agreement has been issued. The project lead has been emailed.")


def lead_signs_agreement(programme: Programme, bid: Bid, project_id: int) -> None:
    """Through the link in the email that says the agreement is ready."""
    link = emailed_link(programme, bid.lead.email, r"/projects/\d+/agreement/\d+")
    page = bid.lead.browser.get(link).ok()
    page = (
        page.form("Sign the agreement")
        .fill("full_name", bid.lead.name)
        .choose("confirm", "I have read the agreement and agree to its terms", exact=False)
        .submit()
    )
    succeeded(page, "You have signed version 1 of the grant agreement.")


def officer_confirms_match(programme: Programme, project_id: int) -> None:
    officer = programme.people["officer"].browser
    page = officer.get(f"/projects/{project_id}/match/confirm").ok()
    page = (
        page.form("Confirm the match funding")
        .fill("note", "Minute 6 of the board meeting: the £10,000 is confirmed.")
        .submit()
    )
    succeeded(page, "The match funding is confirmed.")


def officer_requests_tranche(programme: Programme, project_id: int, sequence: int = 1) -> None:
    officer = programme.people["officer"].browser
    page = officer.get(f"/projects/{project_id}/funding").ok()
    page = page.press(f"Request release of tranche {sequence}")
    succeeded(page, f"The release of tranche {sequence} has been requested.")


def finance_approves_tranche(programme: Programme, reference: str, sequence: int = 1) -> None:
    """A finance approver who did not request it: the second signature."""
    finance = programme.people["finance"]
    page = finance.browser.get("/funding/approvals").ok().follow(f"Approve tranche {sequence} of {reference}")
    page = page.form("Approve and release").fill("payment_reference", f"PAY-{reference}-{sequence}")
    page = page.fill("password", PASSWORD).submit()
    succeeded(page, f"Tranche {sequence} of {reference} has been released.")


def officer_sees_tranche_not_ready(programme: Programme, project_id: int, sequence: int, because: str) -> None:
    """The funding page neither offers the request nor calls the tranche ready, and says why."""
    page = programme.people["officer"].browser.get(f"/projects/{project_id}/funding").ok()
    assert not any(f"Request release of tranche {sequence}" in form.button_texts() for form in page.forms)
    assert because in page.text, page.text[:3000]


def officer_proposes_waiver(programme: Programme, project_id: int, condition: str, reason: str) -> None:
    """A built-in condition cannot be removed; the officer proposes to waive it, with a reason."""
    officer = programme.people["officer"].browser
    page = officer.get(f"/projects/{project_id}/funding").ok()
    assert not any(link.text.startswith("Remove") and condition in link.text for link in page.links)
    page = page.follow(f"Propose a waiver of {condition} for tranche 1")
    page = page.form("Propose the waiver").fill("reason", reason).submit()
    succeeded(page, f"You have proposed to waive “{condition}” for tranche 1.")


def finance_agrees_waiver(programme: Programme, condition: str) -> None:
    """The finance approver (not the officer who proposed it) agrees, from the link they were emailed."""
    finance = programme.people["finance"]
    link = emailed_link(programme, finance.email, r"/funding/tranches/\d+", subject="waive")
    page = finance.browser.get(link).ok()
    page = page.press("Agree to waive it")
    succeeded(page, f"You have agreed to waive “{condition}” for tranche 1.")


def time_passes_until_first_report_is_due(programme: Programme, project_id: int) -> None:
    """THE CLOCK, not an action: three months pass. The first report's period is moved to end today,
    which opens it for submission (it opens two weeks before the period ends)."""
    from grants.extensions import db
    from grants.monitoring.models import ProgressReport

    today = london_today()
    with programme.app.app_context():
        report = db.session.scalars(
            db.select(ProgressReport).where(ProgressReport.project_id == project_id, ProgressReport.sequence == 1)
        ).one()
        report.period_start, report.period_end = today - timedelta(days=91), today
        report.due_on = today + timedelta(days=14)
        db.session.commit()


def lead_submits_progress_report(bid: Bid, project_id: int) -> None:
    page = bid.lead.browser.get(f"/projects/{project_id}/monitoring").ok().follow("Progress report 1", exact=True)
    filling = (
        page.form("Submit for review")
        .fill("narrative", "Three workshops and a citizen panel; a shared discharge plan.")
        .fill("partnership_change", "Decisions on discharges are now made together.")
        .choose("rag", "Green")
    )
    for name in filling.form.names():
        if name.startswith("outcome_"):
            filling.fill(name, "31")
    succeeded(filling.submit(), "Progress report 1 has been submitted. The programme team will review it.")


def officer_accepts_progress_report(programme: Programme, bid: Bid, project_id: int) -> None:
    officer = programme.people["officer"].browser
    assert bid.reference in officer.get("/monitoring/reports").ok().text
    page = officer.get(f"/projects/{project_id}/monitoring").ok().follow("Progress report 1", exact=True)
    page = page.form("Save review").choose("decision", "Accept the report").submit()
    succeeded(page, f"Progress report 1 for {bid.reference} is accepted.")


def lead_writes_case_study(bid: Bid, project_id: int, title: str) -> None:
    page = bid.lead.browser.get(f"/projects/{project_id}/learning/items/new").ok()
    page = (
        page.form("Submit for review")
        .choose("kind", "Case study")
        .fill("title", title)
        .fill("summary", "Talking with older residents at their kitchen tables changed how partners planned.")
        .fill("body", "Hospital, council and voluntary staff visited residents together and listened.")
        .fill("what_worked", "Going together, not one agency at a time.")
        .fill("what_did_not", "Start the citizen panel sooner.")
        .choose("commitment", "Publish a case study", exact=False)
        .choose("consent", "Everyone named or quoted", exact=False)
        .submit()
    )
    succeeded(page, "Thank you. The programme team will review it.")


def officer_publishes_learning(programme: Programme, title: str) -> None:
    officer = programme.people["officer"].browser
    page = officer.get("/learning/review").ok().follow(title, exact=True)
    page = page.form("Save decision").choose("decision", "Publish it in the learning library").submit()
    succeeded(page, f"“{title}” is published in the learning library.")


def visitor_finds_learning(visitor: Browser, title: str, words: str) -> None:
    page = visitor.get("/learning/").ok()
    page = page.form("Search").fill("q", words).submit().ok()
    assert "1 item matching" in page.text, page.text[:1500]
    page = page.follow(title, exact=True).ok()
    assert page.h1 == title


def officer_downloads_360giving(programme: Programme) -> dict:
    import json

    officer = programme.people["officer"].browser
    page = officer.get("/open-data/").ok()
    href = next(link.href for link in page.links if "360giving.json" in link.href)
    response = officer.client.get(href)
    assert response.status_code == 200, response.status_code
    return json.loads(response.get_data(as_text=True))


# --- The end of a grant ---------------------------------------------------------------------------------


def tranche_statuses(programme: Programme, project_id: int) -> dict[int, str]:
    """Each tranche's status as the funding page shows it: sequence -> the words of its tag."""
    page = programme.people["officer"].browser.get(f"/projects/{project_id}/funding").ok()
    headings = re.findall(r'id="tranche-(\d+)">\s*<h3[^>]*>(.*?)</h3>', page.html, flags=re.S)
    tags = {
        int(number): re.search(r'class="govuk-tag[^"]*">(.*?)<', heading, flags=re.S) for number, heading in headings
    }
    assert tags and all(tags.values()), page.describe()
    return {number: " ".join(tag.group(1).split()) for number, tag in tags.items()}


def project_status(browser: Browser, project_id: int) -> str:
    """The line the project page shows under its title: the project's status and its RAG."""
    page = browser.get(f"/projects/{project_id}").ok()
    after_title = page.html[page.html.index("</h1>") :]
    lines = re.findall(r'<p class="govuk-body">(.*?)</p>', after_title, flags=re.S)
    found = next((line for line in lines if "govuk-tag" in line), None)
    assert found is not None, page.describe()
    return " ".join(re.sub(r"<[^>]+>", " ", found).split())


def lead_gives_up_award(bid: Bid, project_id: int, reason: str) -> Page:
    """The lead applicant records that the partnership gives up its award (nothing has been paid)."""
    page = bid.lead.browser.get(f"/projects/{project_id}/give-up").ok()
    assert page.h1 == f"Give up the award for {bid.reference}?", page.describe()
    page = page.form("Record that the award is given up").fill("reason", reason).submit()
    succeeded(page, "It is recorded that the award is to be given up. A programme officer will confirm it.")
    assert re.fullmatch(rf"/projects/{project_id}/endings/\d+", page.path), page.describe()
    assert "A programme officer will confirm this." in page.text, page.text[:2000]
    assert not any("Confirm" in form.button_texts() for form in page.forms), "the lead could confirm it"
    return page


def officer_confirms_award_given_up(programme: Programme, bid: Bid, project_id: int, reason: str) -> None:
    """From the link in the email asking them to confirm it, having read who recorded it and why."""
    officer = programme.people["officer"]
    link = emailed_link(
        programme, officer.email, rf"/projects/{project_id}/endings/\d+", subject=f"{bid.reference} gives up its award"
    )
    page = officer.browser.get(link).ok()
    assert bid.lead.name in page.text and reason in page.text, page.text[:2000]
    page = page.form("Confirm").fill("confirm-decision_note", "Spoken to the lead: the board agreed.").submit()
    succeeded(page, f"The award for {bid.reference} is given up.")
    assert "Confirmed" in page.text and "Spoken to the lead: the board agreed." in page.text, page.text[:2000]


def chair_approves_reserve(programme: Programme, chair: Person, given_up: Bid, bid: Bid) -> int:
    """From the email saying a place is open, the reserve bid into it. Returns its project's id."""
    link = emailed_link(
        programme, chair.email, r"/assessment/rounds/\d+/reserves", subject=f"{given_up.reference} has given up"
    )
    page = chair.browser.get(link).ok()
    assert "Awards given up" in page.text and given_up.reference in page.text, page.text[:2000]
    page = (
        page.form("Approve and set up the project")
        .choose("application_id", f"{bid.reference}: {bid.title}")
        .fill("rationale", "A place was given up: the first bid on the reserve list takes it.")
        .submit()
    )
    succeeded(
        page,
        f"{bid.reference} has been approved from the reserve list and its project set up. "
        "The applicant and partners are being told.",
    )
    return project_of(programme, bid)


def officer_starts_closeout_early(programme: Programme, bid: Bid, project_id: int) -> Page:
    officer = programme.people["officer"].browser
    page = officer.get(f"/projects/{project_id}/close-out").ok()
    assert page.h1 == "Close-out", page.describe()
    page = page.press("Start the close-out now")
    succeeded(page, f"The close-out of {bid.reference} has started.")
    assert page.path == f"/projects/{project_id}/close-out", page.describe()
    return page


def officer_closes_project(page: Page, bid: Bid, note: str) -> Page:
    """Close with a note and, for each thing left, the reason it will not happen."""
    filling = page.form("Close the project")
    left = [name for name in filling.form.names() if name.startswith("why_")]
    assert left, f"nothing left to explain on {page.describe()}"
    for name in left:
        filling.fill(name, "The partnership finished the work early; it will not be needed.")
    page = filling.fill("closeout_note", note).submit()
    succeeded(page, f"{bid.reference} is closed.")
    assert note in page.text and "What did not happen, and why" in page.text, page.text[:3000]
    return page
