"""A round's own application form, in the browser: the programme officer builds it on a draft round
(a page at a time, questions of several kinds, one asked only on an earlier answer), previews it and
publishes the round; an applicant fills it in, is shown each mistake beside its question, sees the page
that depends on an answer appear once they give it, checks their answers and submits.

Every page either of them reaches is checked with axe and must fit 320 CSS px without scrolling
sideways."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from grants.core.db import utcnow
from grants.core.permissions import Role
from tests.browser.journey_steps import assert_no_errors, banner, choose, fill_by_id, select
from tests.browser.setup_data import sign_in
from tests.factories import ApplicantFactory, OrganisationFactory, RoundFactory, ThemeFactory, UserFactory

NARROW = (320,)
IDEA, PARTNERS, WHO = "Your idea", "Partners and money", "Your partners"
AGREED = "Have other organisations agreed to work with you?"
NAME, DESCRIBE = "Name of your idea", "Describe your idea"
SECTOR, AMOUNT, NAMES = "Which sector would lead the work?", "Roughly how much would you ask for?", "Name them"
SECTORS = ("Local government", "NHS", "Voluntary and community")
# Nothing a full bid needs: no partnership, match funding or learning commitments on this form.
RULES = {
    "min_partner_sectors": 1,
    "min_confirmed_partners": 0,
    "match_at_least_required": False,
    "min_learning_commitments": 0,
}


def _draft_round_officer_and_applicant(app) -> tuple[int, str, str, str]:
    """A draft round whose form has no pages yet, a programme officer, and an applicant with an
    organisation. Returns the round's id and code, the officer's email and the applicant's."""
    token = uuid.uuid4().hex[:4].upper()
    with app.app_context():
        round_ = RoundFactory(
            code=f"EOI{token}",
            title=f"Expressions of interest {token}",
            status="draft",
            opens_at=utcnow() - timedelta(days=1),
            closes_at=utcnow() + timedelta(days=30),
            match_required_pence=0,
            eligibility=dict(RULES),
            themes=[ThemeFactory(name="Ageing well")],
            form=[],
        )
        officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
        applicant = ApplicantFactory(organisation=OrganisationFactory(sector="local_government"))
        return round_.id, round_.code, officer.email, applicant.email


def _completed(visitor, answer: str) -> None:
    visitor.page.get_by_role("group", name="Have you completed this section?").get_by_label(answer, exact=True).check()


# --- The programme officer builds the form -------------------------------------------------------------


def _add_page(officer, title: str, description: str) -> None:
    officer.page.get_by_role("button", name="Add a page", exact=True).click()
    officer.check()
    assert officer.h1() == "Add a page"
    officer.fill("Page title", title).fill("Guidance at the top of the page", description)
    officer.click_button("Save page")
    assert_no_errors(officer)
    assert f"The page ‘{title}’ has been added." in banner(officer)


def _add_question(officer, page: str, kind: str, title: str, **details) -> None:
    """From the form's overview: the page's "Add a question" link, the kind, then the details."""
    officer.click_link(f"Add a question to {page}")
    assert officer.h1() == "Add a question"
    choose(officer, kind)
    officer.click_button("Continue")
    assert_no_errors(officer)
    assert officer.page.get_by_label("Page", exact=True).input_value()  # the page it was added from
    officer.fill("Question", title)
    for label, value in details.items():
        if label == "condition":
            select(officer, "When is it asked?", value)
        elif label == "choices":
            officer.fill("Choices", "\n".join(value))
        elif label == "optional":
            choose(officer, "No")
        else:
            officer.fill(label.replace("_", " "), value)
    officer.click_button("Save question")
    assert_no_errors(officer)
    assert f"The question ‘{title}’ has been added." in banner(officer)
    assert officer.h1() == "Application form"


def _add_block(officer, page: str, label: str) -> None:
    """A built-in block the round needs (its data the rest of the service runs on), onto ``page``."""
    officer.click_link(f"Add a question to {page}")
    choose(officer, f"{label} (built in)")
    officer.click_button("Continue")
    assert_no_errors(officer)
    assert f"The {label.lower()} block has been added." in banner(officer)


def officer_builds_form(officer, round_id: int) -> None:
    officer.go(f"/manage/rounds/{round_id}")
    officer.click_link("Application form")
    assert officer.h1() == "Application form"
    assert "The form has no pages yet." in officer.text()

    _add_page(officer, IDEA, "Tell us the issue in your place and what you would like to try.")
    _add_page(officer, PARTNERS, "Whether others are on board, and roughly what it would cost.")
    _add_page(officer, WHO, "")
    _add_block(officer, IDEA, "Place and issues")  # every bid needs its place and the issues it tackles
    _add_question(officer, IDEA, "Short text", NAME, Hint="A few words we can call it by.")
    _add_question(officer, IDEA, "Long text", DESCRIBE, Most_words="30")
    _add_question(officer, PARTNERS, "Yes or no", AGREED)
    _add_question(officer, PARTNERS, "One choice", SECTOR, choices=SECTORS)
    _add_question(officer, PARTNERS, "Money", AMOUNT, Smallest_amount="1,000", Largest_amount="30,000")
    _add_question(officer, WHO, "Short text", NAMES, condition=f"Only if ‘{AGREED}’ is Yes")
    _add_block(officer, PARTNERS, "Budget")  # and the amount it asks for, which the award is paid from

    card = officer.page.locator(".govuk-summary-card", has_text=WHO)
    assert f"Only if ‘{AGREED}’ is Yes" in card.inner_text()
    card = officer.page.locator(".govuk-summary-card", has_text=IDEA)
    assert "Long text, required" in " ".join(card.inner_text().split())


def officer_previews(officer) -> None:
    officer.click_link(f"Preview page {PARTNERS}")
    assert officer.h1() == PARTNERS
    assert "This is a preview of page 2 of 3" in officer.text()
    form = officer.page.locator("main form")
    assert form.get_by_role("group", name=AGREED).count() == 1
    assert form.get_by_role("group", name=SECTOR).count() == 1
    for sector in SECTORS:
        assert form.get_by_label(sector, exact=True).count() == 1
    assert form.get_by_label(AMOUNT, exact=True).count() == 1
    # Checked as it will be when posted, kept nowhere: a bad amount is shown beside its question.
    officer.fill(AMOUNT, "a lot")
    # Whether a section is finished is the applicant's to say: the preview does not ask it.
    assert form.get_by_role("group", name="Have you completed this section?").count() == 0
    officer.click_button("Check this page and continue")
    assert any(AMOUNT in problem for problem in officer.error_summary()), officer.error_summary()
    assert officer.page.locator(".govuk-error-message", has_text=AMOUNT).count() == 1
    form.get_by_role("group", name=AGREED).get_by_label("Yes", exact=True).check()
    choose(officer, "NHS")
    officer.fill(AMOUNT, "5,000")
    officer.click_button("Check this page and continue")
    assert_no_errors(officer)
    assert officer.h1() == WHO  # the next page, whose question depends on an answer
    assert f"Only if ‘{AGREED}’ is Yes: this question is asked only then." in officer.text()
    officer.click_link("Back to the application form")
    assert officer.h1() == "Application form"


def officer_publishes(officer, round_id: int, code: str) -> None:
    officer.go(f"/manage/rounds/{round_id}")
    officer.click_button("Publish the round")
    assert_no_errors(officer)
    assert f"Round {code} is now open." in banner(officer)
    officer.click_link("Application form")
    assert "its questions cannot change" in officer.text()
    assert officer.page.get_by_role("button", name="Add a page").count() == 0


# --- The applicant fills it in -------------------------------------------------------------------------


def _task_list(applicant) -> list[str]:
    return [" ".join(t.split()) for t in applicant.page.locator(".govuk-task-list__name-and-hint").all_inner_texts()]


def _open_section(applicant, bid: str, title: str) -> None:
    applicant.go(bid)
    applicant.click_link(title)
    assert applicant.h1() == title


def _completed_and_saved(applicant) -> None:
    _completed(applicant, "Yes")
    applicant.click_button("Save and continue")


def _is_shown_beside(applicant, message: str) -> None:
    """In the error summary, and as the error message of its field, which the summary's link leads to."""
    assert any(message in problem for problem in applicant.error_summary()), applicant.error_summary()
    assert applicant.page.locator(".govuk-form-group--error .govuk-error-message", has_text=message).count() == 1


def applicant_fills_in_and_submits(applicant, round_id: int, code: str) -> str:
    applicant.go(f"/rounds/{round_id}")
    applicant.click_button("Start or continue your bid")
    applicant.fill("Project title", "Kitchen-table conversations")
    applicant.click_button("Start the bid")
    assert_no_errors(applicant)
    bid = applicant.path
    assert re.fullmatch(r"/applications/\d+", bid), bid
    assert _task_list(applicant) == [IDEA, PARTNERS]  # "Your partners" is asked only on a yes
    assert "You have completed 0 of 2 sections." in applicant.text()

    # The idea, marked completed with too many words and no name: nothing is saved, each is shown.
    _open_section(applicant, bid, IDEA)
    applicant.page.get_by_label("Ageing well", exact=True).check()  # the place is the organisation's
    applicant.fill(DESCRIBE, " ".join(["word"] * 31))
    _completed_and_saved(applicant)
    assert applicant.h1() == IDEA
    _is_shown_beside(applicant, f"‘{DESCRIBE}’ must be 30 words or fewer")
    applicant.fill(DESCRIBE, "Older residents, their carers and the services that support them plan together.")
    _completed_and_saved(applicant)  # the answers are well formed now; the name is still missing
    _is_shown_beside(applicant, NAME)
    applicant.fill(NAME, "Kitchen-table conversations")
    _completed_and_saved(applicant)
    assert_no_errors(applicant)
    assert applicant.path == bid

    # Partners and money: an amount that is not money, then one out of range, then good answers.
    _open_section(applicant, bid, PARTNERS)
    applicant.page.get_by_role("group", name=AGREED).get_by_label("Yes", exact=True).check()
    choose(applicant, "NHS")
    applicant.fill(AMOUNT, "about ten thousand")
    _completed_and_saved(applicant)
    _is_shown_beside(applicant, AMOUNT)
    applicant.fill(AMOUNT, "50,000")
    _completed_and_saved(applicant)
    _is_shown_beside(applicant, f"‘{AMOUNT}’ must be £30,000.00 or less")
    applicant.fill(AMOUNT, "12,500")
    applicant.fill("Amount requested", "12,500")
    fill_by_id(applicant, "budget_lines-0-description", "Facilitated conversations")
    fill_by_id(applicant, "budget_lines-0-amount", "12,500")
    _completed_and_saved(applicant)
    assert_no_errors(applicant)
    assert applicant.path == bid

    # The yes brings the page about the partners into the task list.
    assert _task_list(applicant) == [IDEA, PARTNERS, WHO]
    assert "You have completed 2 of 3 sections." in applicant.text()
    _open_section(applicant, bid, WHO)
    _completed_and_saved(applicant)  # required, and left empty
    _is_shown_beside(applicant, NAMES)
    applicant.fill(NAMES, "Wigan Borough NHS Trust, Age Well Wigan")
    _completed_and_saved(applicant)
    assert_no_errors(applicant)
    assert "You have completed 3 of 3 sections." in applicant.text()

    applicant.click_button("Check your answers and submit")
    assert applicant.h1() == "Check your answers before submitting your bid"
    assert_no_errors(applicant)
    answers = applicant.text()
    for shown in ("Kitchen-table conversations", "NHS", "£12,500.00", "Wigan Borough NHS Trust, Age Well Wigan"):
        assert shown in answers, shown
    applicant.click_button("Accept and submit the bid")
    assert applicant.h1() == "Bid submitted", applicant.error_summary()
    reference = re.search(rf"{code}-\d{{4}}", applicant.text())
    assert reference, applicant.text()
    return reference.group(0)


def test_an_officer_builds_a_form_and_an_applicant_submits_a_bid_against_it(person, live_server):
    round_id, code, officer_email, applicant_email = _draft_round_officer_and_applicant(live_server.app)

    officer = person("Olu, programme officer")
    officer.narrow = NARROW
    sign_in(officer, officer_email)
    officer_builds_form(officer, round_id)
    officer_previews(officer)
    officer_publishes(officer, round_id, code)

    applicant = person("Lena, applicant")
    applicant.narrow = NARROW
    sign_in(applicant, applicant_email)
    reference = applicant_fills_in_and_submits(applicant, round_id, code)

    applicant.click_link("See your bid and its history")
    assert reference in applicant.text() and "Submitted" in applicant.text()
