"""The programme journey's steps, each done in the browser by the person who does it, so that journeys
can be put together from them (and a step left out to show that the journey then fails).

Only what no step of the journey covers is written to the database directly (``set_up_programme``:
staff accounts, an enabler's profile, a place and a theme), and, where the product needs time to
pass, the dates that stand for the clock (``time_passes_*``). Everything else is a person's action.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from tests.browser.second_step import pass_second_step
from tests.browser.visitor import Visitor

PASSWORD = "a long walk by the canal"

# A real (minimal) PDF: the upload is checked by its content, so it must start with %PDF-.
PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


# --- Who and what the journey starts with ---------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    password: str = PASSWORD


@dataclass(frozen=True)
class PartnerContact:
    organisation: str
    sector: str  # as the radio button says it
    role: str
    contact: Person


@dataclass
class Programme:
    """One journey's people and reference data: names and emails carry the journey's tag so that two
    journeys on the same server never choose each other's people, places or themes."""

    tag: str
    place: str
    theme: str
    officer: Person
    steering_member: Person
    chair: Person
    enabler: Person
    finance: Person
    applicant: Person
    lead_organisation: str
    partners: list[PartnerContact]
    round_code: str
    round_title: str
    bid_title: str
    learning_title: str
    ids: dict = field(default_factory=dict)  # what the journey finds out on the way: round, bid, project


def new_programme(tag: str) -> Programme:
    """``tag``: a few letters naming the journey (distinct per test)."""
    token = uuid.uuid4().hex[:6]
    key = f"{tag.lower()}-{token}"

    def person(name: str, role: str) -> Person:
        return Person(f"{name} {tag}", f"{role}.{key}@example.org")

    return Programme(
        tag=tag,
        place=f"Wigan {tag} {token}",
        theme=f"Integrating services for older people {tag} {token}",
        officer=person("Olu Adeyemi", "officer"),
        steering_member=person("Sam Whitfield", "steering"),
        chair=person("Chris Nakamura", "chair"),
        enabler=person("Erin Castell", "enabler"),
        finance=person("Fatima Rahman", "finance"),
        applicant=person("Lena Hartley", "lead"),
        lead_organisation=f"Wigan Council {tag} {token}",
        partners=[
            PartnerContact(
                f"Wigan Borough NHS Trust {tag} {token}",
                "NHS",
                "Leads the work with GP practices and the hospital discharge team.",
                person("Nia Evans", "nhs"),
            ),
            PartnerContact(
                f"Age Well Wigan {tag} {token}",
                "Voluntary and community",
                "Runs the citizen panel of older residents and their carers.",
                person("Vic Osei", "voluntary"),
            ),
        ],
        round_code=f"J{token[:4].upper()}",
        round_title=f"Local Vision wave {tag} {token}",
        bid_title=f"Home safely together {tag} {token}",
        learning_title=f"Kitchen-table conversations {tag} {token}",
    )


def set_up_programme(app, programme: Programme) -> None:
    """What the journey needs before anyone acts and no step covers: staff accounts (the programme
    team gives them out), the enabler's profile, and the place and theme reference data."""
    from grants.accounts.models import User, UserRole
    from grants.core.permissions import Role
    from grants.directory.models import Place, Theme
    from grants.enablers.models import EnablerProfile
    from grants.extensions import db

    with app.app_context():
        place = Place(name=programme.place, ons_code=f"E08{uuid.uuid4().int % 10**6:06d}", region="North West")
        theme = Theme(
            slug=re.sub(r"[^a-z0-9]+", "-", programme.theme.lower()).strip("-"),
            name=programme.theme,
            description="Older people move between hospital, care and home without a shared plan.",
        )
        db.session.add_all([place, theme])
        staff = {}
        for person, role in (
            (programme.officer, Role.PROGRAMME_OFFICER),
            (programme.steering_member, Role.STEERING_MEMBER),
            (programme.chair, Role.STEERING_CHAIR),
            (programme.enabler, Role.ENABLER),
            (programme.finance, Role.FINANCE_APPROVER),
        ):
            user = User(email=person.email, name=person.name, role_grants=[UserRole(role=role.value)])
            user.set_password(person.password)
            db.session.add(user)
            staff[role] = user
        db.session.add(
            EnablerProfile(
                user=staff[Role.ENABLER],
                bio="Twenty years of leading change across councils and the NHS.",
                capacity=3,
                regions=["North West"],
                themes=[theme],
                places=[place],
            )
        )
        db.session.commit()


# --- Small helpers ----------------------------------------------------------------------------------------


def london_today() -> date:
    from grants.core.times import london_today as today

    return today()


def fill_date(visitor: Visitor, name: str, value: date) -> None:
    """A GOV.UK date input: three boxes, ``<name>-day``, ``<name>-month`` and ``<name>-year``."""
    for part, number in (("day", value.day), ("month", value.month), ("year", value.year)):
        visitor.page.locator(f'[id="{name}-{part}"]').fill(str(number))


def choose(visitor: Visitor, label: str, *, exact: bool = True) -> None:
    """Tick a radio button or a checkbox by its label."""
    visitor.page.get_by_label(label, exact=exact).check()


def select(visitor: Visitor, label: str, option: str) -> None:
    visitor.page.get_by_label(label, exact=True).select_option(label=option)


def fill_by_id(visitor: Visitor, element_id: str, value: str) -> None:
    visitor.page.locator(f'[id="{element_id}"]').fill(value)


def banner(visitor: Visitor) -> str:
    """The flash messages shown at the top of the page."""
    texts = visitor.page.locator(".govuk-notification-banner").all_inner_texts()
    return " ".join(" ".join(text.split()) for text in texts)


def assert_no_errors(visitor: Visitor) -> None:
    errors = visitor.error_summary()
    assert not errors, f"{visitor.name} at {visitor.path} was shown errors: {errors}"


def sign_in(visitor: Visitor, person: Person) -> Visitor:
    visitor.go("/sign-in")
    visitor.fill("Email address", person.email).fill("Password", person.password)
    visitor.click_button("Sign in")
    assert_no_errors(visitor)
    assert visitor.path != "/sign-in", f"{person.email} could not sign in"
    pass_second_step(visitor, person.email)
    assert_no_errors(visitor)
    return visitor


def _id_in_path(visitor: Visitor, pattern: str) -> int:
    found = re.search(pattern, visitor.path)
    assert found, f"expected {pattern} in {visitor.path}"
    return int(found.group(1))


# --- The programme officer opens a round ------------------------------------------------------------------


def officer_opens_round(officer: Visitor, programme: Programme) -> int:
    """The officer creates the round (with the suggested rubric) and publishes it. Returns its id."""
    today = london_today()
    officer.go("/manage/rounds/new")
    assert officer.h1() == "Create a round"
    officer.fill("Reference prefix", programme.round_code)
    officer.fill("Title", programme.round_title)
    officer.fill("Summary", "Funding for local partnerships to tackle an issue no single agency can solve alone.")
    officer.fill("Guidance for applicants", "Apply as a partnership across sectors, with the board's pledge.")
    fill_date(officer, "opens_on", today - timedelta(days=2))
    officer.fill("Opening time", "9am")
    fill_date(officer, "closes_on", today + timedelta(days=30))
    officer.fill("Closing time", "5pm")
    fill_date(officer, "assessment_deadline", today + timedelta(days=60))
    officer.fill("Number of projects to fund", "2")  # a budget of £54,000: room for this bid, not for three
    choose(officer, programme.theme)
    officer.fill("Fewest sectors in a partnership", "3")
    officer.fill("Fewest partners who must have confirmed", "2")
    officer.fill("Fewest learning commitments", "1")
    officer.click_button("Save round")
    assert_no_errors(officer)
    assert f"Round {programme.round_code} has been created as a draft." in banner(officer)
    round_id = _id_in_path(officer, r"^/manage/rounds/(\d+)$")
    assert "Strength of the partnership across sectors" in officer.text()  # the suggested rubric
    officer.click_button("Publish the round")
    assert f"Round {programme.round_code} is now open." in banner(officer)
    assert f"Round {programme.round_code} · Open" in officer.text()
    programme.ids["round"] = round_id
    return round_id


# --- The applicant registers and completes the bid --------------------------------------------------------


def applicant_registers(applicant: Visitor, programme: Programme, mailbox) -> None:
    """Registers, then confirms the address through the emailed link with the password chosen."""
    person = programme.applicant
    applicant.go(f"/rounds/{programme.ids['round']}")
    assert applicant.h1() == programme.round_title
    applicant.click_button("Create an account to apply")  # a start button that links
    applicant.fill("Full name", person.name).fill("Email address", person.email)
    applicant.fill("Create a password", person.password).fill("Confirm password", person.password)
    applicant.click_button("Create account")
    assert_no_errors(applicant)
    assert applicant.h1() == "Check your email"
    link = emailed_link(mailbox, person.email, "/register/confirm/")
    assert link.startswith(applicant.base_url)
    applicant.go(link.removeprefix(applicant.base_url))
    assert applicant.h1() == "Confirm your email address"
    applicant.fill("Password", person.password)
    applicant.click_button("Confirm and sign in")
    assert_no_errors(applicant)
    assert "Your email address is confirmed and your account is ready." in banner(applicant)
    applicant.go("/organisation")
    assert applicant.h1() == "Set up your organisation"
    applicant.fill("Organisation name", programme.lead_organisation)
    choose(applicant, "Local government")
    applicant.fill("Address line 1", "Town Hall, Library Street")
    applicant.fill("Town or city", "Wigan")
    applicant.fill("Postcode", "WN1 1YN")
    select(applicant, "Local authority area", programme.place)
    applicant.click_button("Save organisation")
    assert_no_errors(applicant)
    assert "Your organisation's details have been saved." in banner(applicant)


def applicant_starts_bid(applicant: Visitor, programme: Programme) -> int:
    applicant.go(f"/rounds/{programme.ids['round']}")
    applicant.click_button("Start or continue your bid")
    assert applicant.h1() == "Start a bid"
    applicant.fill("Project title", programme.bid_title)
    applicant.click_button("Start the bid")
    assert_no_errors(applicant)
    application_id = _id_in_path(applicant, r"^/applications/(\d+)$")
    assert applicant.h1() == programme.bid_title
    assert "Draft" in applicant.text()
    programme.ids["application"] = application_id
    return application_id


def _section(applicant: Visitor, programme: Programme, title: str) -> None:
    """Open a section from the bid's task list."""
    applicant.go(f"/applications/{programme.ids['application']}")
    applicant.click_link(title)
    assert applicant.h1() == title


def _mark_completed_and_save(applicant: Visitor) -> None:
    choose(applicant, "Yes")
    applicant.click_button("Save and continue")
    assert_no_errors(applicant)
    assert re.fullmatch(r"/applications/\d+", applicant.path), applicant.path


def applicant_invites_partner(applicant: Visitor, programme: Programme, partner: PartnerContact) -> None:
    applicant.go(f"/applications/{programme.ids['application']}/partnership")
    applicant.click_button("Add a partner")
    applicant.fill("Organisation name", partner.organisation)
    choose(applicant, partner.sector)
    applicant.fill("Their role in the partnership", partner.role)
    applicant.fill("Contact's full name", partner.contact.name)
    applicant.fill("Contact's email address", partner.contact.email)
    applicant.click_button("Save partner and send the invitation")
    assert_no_errors(applicant)
    assert (
        f"{partner.organisation} has been saved. We have emailed {partner.contact.name} a link to confirm their part."
        in banner(applicant)
    )


def applicant_completes_bid(applicant: Visitor, programme: Programme, pledge_letter: Path) -> None:
    """Every section of the bid, the partnership of two invited partners, and the pledge letter."""
    bid = f"/applications/{programme.ids['application']}"

    for partner in programme.partners:
        applicant_invites_partner(applicant, programme, partner)
    applicant.go(f"{bid}/partnership")
    assert applicant.page.get_by_text("Waiting for confirmation").count() == 2
    _mark_completed_and_save(applicant)

    _section(applicant, programme, "The issue and the place")
    applicant.fill("Project title", programme.bid_title)
    select(applicant, "Place", programme.place)
    choose(applicant, programme.theme)
    applicant.fill("The issue", "Older people move between hospital, care and home without anyone owning the plan.")
    _mark_completed_and_save(applicant)
    assert applicant.h1() == programme.bid_title

    _section(applicant, programme, "Shared vision")
    applicant.fill("Your shared vision", "Everyone gets home safely, with the support they chose.")
    _mark_completed_and_save(applicant)

    _section(applicant, programme, "Why a systems-leadership approach")
    applicant.fill("Why a systems-leadership approach", "No single service owns the journey home.")
    _mark_completed_and_save(applicant)

    _section(applicant, programme, "Outcomes and how they will be measured")
    applicant.fill("Intended outcomes", "Fewer delayed discharges and fewer readmissions within 30 days.")
    fill_by_id(applicant, "measures-0-name", "Delayed discharges")
    fill_by_id(applicant, "measures-0-unit", "per month")
    fill_by_id(applicant, "measures-0-baseline", "40")
    fill_by_id(applicant, "measures-0-target", "20")
    applicant.page.locator('[id="measures-0-direction"]').select_option("down")
    _mark_completed_and_save(applicant)

    _section(applicant, programme, "Match funding")
    applicant.fill("Who has pledged the match funding?", f"{programme.place} Health and Wellbeing Board")
    applicant.fill("Amount pledged", "10,000")
    applicant.page.set_input_files('[id="evidence"]', str(pledge_letter))
    _mark_completed_and_save(applicant)

    _section(applicant, programme, "Learning commitments")
    applicant.fill("How you will share what you learn (optional)", "A case study for the library and a learning event.")
    applicant.page.locator('[id="commitments-0-kind"]').select_option("case_study")
    fill_by_id(applicant, "commitments-0-description", "Publish a case study of the kitchen-table conversations.")
    fill_date(applicant, "commitments-0-target_date", london_today() + timedelta(days=300))
    _mark_completed_and_save(applicant)

    _section(applicant, programme, "Budget")
    applicant.fill("Amount requested", "27,000")
    fill_by_id(applicant, "budget_lines-0-description", "Facilitated workshops")
    fill_by_id(applicant, "budget_lines-0-amount", "15,000")
    fill_by_id(applicant, "budget_lines-1-description", "Citizen panel")
    fill_by_id(applicant, "budget_lines-1-amount", "12,000")
    _mark_completed_and_save(applicant)

    # The partnership is marked completed, but is shown as completed only once the partners confirm.
    assert "You have completed 7 of 8 sections." in applicant.text()
    assert "Waiting for partners" in applicant.text()
    applicant.go(f"{bid}/sections/match")
    assert "Uploaded: pledge-letter.pdf" in applicant.text()


# --- Partners confirm through their emailed links ---------------------------------------------------------


def emailed_link(mailbox, address: str, path: str, *, subject: str | None = None) -> str:
    """The newest link starting with ``path`` in the email delivered to ``address``, as its recipient
    reads it (the outbox never shows a private link)."""
    deadline = time.monotonic() + 15
    while True:
        for message in reversed(list(mailbox.messages)):
            if message["To"].lower() != address.lower() or (subject and subject not in message["Subject"]):
                continue
            found = re.search(rf"https?://\S+{re.escape(path)}\S+", message.get_body(("plain",)).get_content())
            if found:
                return found.group(0)
        assert time.monotonic() < deadline, f"no {path} link was emailed to {address}"
        time.sleep(0.1)


def emailed_partner_link(mailbox, partner: PartnerContact) -> str:
    """The link in the newest invitation emailed to the partner's contact."""
    return emailed_link(mailbox, partner.contact.email, "/partner/", subject=partner.organisation)


def partner_confirms(partner_visitor: Visitor, mailbox, programme: Programme, partner: PartnerContact) -> None:
    link = emailed_partner_link(mailbox, partner)
    assert link.startswith(partner_visitor.base_url)
    partner_visitor.go(link.removeprefix(partner_visitor.base_url))
    assert programme.bid_title in partner_visitor.text()
    choose(partner_visitor, "Yes, we confirm our part")
    partner_visitor.click_button("Send response")
    assert_no_errors(partner_visitor)
    assert partner_visitor.h1() == "Thank you"
    assert f"You have confirmed {partner.organisation}'s part in {programme.lead_organisation}'s bid" in (
        partner_visitor.text()
    )


# --- Submitting ------------------------------------------------------------------------------------------


def applicant_submits_bid(applicant: Visitor, programme: Programme) -> str:
    """Check the answers and submit. Returns the bid's reference."""
    applicant.go(f"/applications/{programme.ids['application']}")
    applicant.click_button("Check your answers and submit")
    assert applicant.h1() == "Check your answers before submitting your bid"
    assert_no_errors(applicant)
    applicant.click_button("Accept and submit the bid")
    assert applicant.h1() == "Bid submitted", applicant.error_summary()
    reference = re.search(rf"{programme.round_code}-\d{{4}}", applicant.text()).group(0)
    applicant.click_link("See your bid and its history")
    assert reference in applicant.text() and "Submitted" in applicant.text()
    programme.ids["reference"] = reference
    return reference


def applicant_is_refused_submission(applicant: Visitor, programme: Programme) -> list[str]:
    """Check the answers: the bid cannot be submitted. Returns the problems the service gives."""
    applicant.go(f"/applications/{programme.ids['application']}")
    applicant.click_button("Check your answers and submit")
    assert applicant.h1() == "Check your answers before submitting your bid"
    assert "Your bid cannot be submitted yet" in applicant.page.locator(".govuk-error-summary").inner_text()
    assert applicant.page.get_by_role("button", name="Accept and submit the bid").count() == 0
    return applicant.error_summary()


# --- Time passes: the round closes --------------------------------------------------------------------------


def time_passes_until_the_round_closes(app, programme: Programme) -> None:
    """The round's closing time passes (a month in real life): its closing time is moved to two hours
    ago. Two hours, so that its UK date is never after the server's date for the enabler's log."""
    from grants.core.db import utcnow
    from grants.extensions import db
    from grants.rounds.models import Round

    with app.app_context():
        round_ = db.session.get(Round, programme.ids["round"])
        round_.closes_at = utcnow() - timedelta(hours=2)
        db.session.commit()


def officer_closes_round_and_assigns_reviewer(officer: Visitor, programme: Programme) -> None:
    officer.go(f"/manage/rounds/{programme.ids['round']}")
    officer.click_button("Close the round now")
    assert f"Round {programme.round_code} is now closed." in banner(officer)
    officer.click_button("Start assessment (bids go under review)")
    assert f"Round {programme.round_code} is now assessing." in banner(officer)
    officer.click_link("Reviewers")
    assert officer.h1() == "Reviewers"
    officer.click_link(f"Assign a reviewer to {programme.ids['reference']}")
    assert officer.h1() == "Assign a reviewer"
    select(officer, "Steering group member", programme.steering_member.name)
    officer.click_button("Assign")
    assert_no_errors(officer)
    assert f"{programme.steering_member.name} has been asked to review {programme.ids['reference']}." in banner(officer)


# --- The steering group --------------------------------------------------------------------------------


def steering_member_declares_no_conflict_and_scores(member: Visitor, programme: Programme) -> None:
    reference = programme.ids["reference"]
    member.go("/reviews/")
    assert member.h1() == "Your reviews"
    member.click_link(reference, exact=False)
    assert member.h1() == "Do you have a conflict of interest with this bid?"
    choose(member, "No")
    member.click_button("Continue")
    assert_no_errors(member)
    assert member.h1() == programme.bid_title
    scores = member.page.locator('input[type="radio"][name^="value_"][value="4"]')
    justifications = member.page.locator('textarea[name^="justification_"]')
    assert scores.count() == justifications.count() == 6  # the suggested rubric's criteria
    for index in range(scores.count()):
        scores.nth(index).check()
        justifications.nth(index).fill("Strong cross-sector partnership with a clear shared purpose.")
    member.click_button("Submit scores")
    assert_no_errors(member)
    assert "Your scores have been submitted." in banner(member)
    assert member.h1() == "Your reviews" and "Scores submitted" in member.text()


def chair_moderates_and_approves(chair: Visitor, programme: Programme) -> None:
    """The chair reads the scores side by side, approves the bid within the round's budget, and makes
    the round's decisions take effect."""
    reference = programme.ids["reference"]
    chair.go("/assessment/")
    chair.click_link(programme.round_title, exact=False)
    chair.click_link(reference, exact=False)
    assert chair.h1() == programme.bid_title
    text = chair.text()
    assert "Scores side by side" in text and programme.steering_member.name in text
    assert "Reviews submitted 1 of 1" in text and "80.0 out of 100" in text  # 4 of 5 on every criterion
    choose(chair, "Approve")
    chair.fill("Reason for the decision", "A strong partnership; the steering group agrees to fund it.")
    chair.fill("Conditions of the grant (optional)", "Share the systems map with the steering group.")
    chair.click_button("Record decision")
    assert_no_errors(chair)
    assert f"Decision recorded for {reference}." in banner(chair)
    chair.click_button("Make the decisions take effect")
    assert chair.h1() == "Make the decisions take effect"
    assert "1 projects, £27,000 of £54,000" in chair.text()
    chair.click_button("Make the decisions take effect")
    assert "1 decisions have taken effect and 1 projects have been set up." in banner(chair)


def applicant_sees_approval(applicant: Visitor, programme: Programme) -> None:
    applicant.go(f"/applications/{programme.ids['application']}")
    assert "Approved for funding" in applicant.text() and "Approved" in applicant.text()


# --- The project --------------------------------------------------------------------------------------


def officer_opens_project(officer: Visitor, programme: Programme) -> int:
    officer.go("/projects/")
    officer.click_link(programme.ids["reference"], exact=False)
    assert officer.h1() == programme.bid_title
    project_id = _id_in_path(officer, r"^/projects/(\d+)$")
    programme.ids["project"] = project_id
    return project_id


def officer_assigns_enabler(officer: Visitor, programme: Programme) -> None:
    officer.go(f"/projects/{programme.ids['project']}")
    assert "Setting up" in officer.text()
    officer.click_link("Assign enabler")
    assert officer.h1() == "Choose an enabler"
    choose(officer, programme.enabler.name, exact=False)
    officer.fill("Why this enabler (optional when assigning the first)", "Knows Wigan and older people's services.")
    officer.click_button("Assign enabler")
    assert_no_errors(officer)
    assert f"{programme.enabler.name} now supports {programme.ids['reference']}." in banner(officer)


def officer_issues_agreement(officer: Visitor, programme: Programme) -> None:
    officer.go(f"/projects/{programme.ids['project']}/funding")
    assert officer.h1() == "Funding"
    officer.click_button("Issue version 1 for signature")
    assert "Version 1 of the agreement has been issued. The project lead has been emailed." in banner(officer)


def lead_signs_agreement(lead: Visitor, programme: Programme) -> None:
    lead.go("/projects/")
    lead.click_link(programme.ids["reference"], exact=False)
    lead.click_link("Agreement, tranches and match funding")
    assert lead.h1() == "Funding"
    lead.click_button("Read and sign the agreement")
    assert lead.h1() == "Grant agreement, version 1"
    lead.fill("Your full name", programme.applicant.name)
    choose(lead, "I have read the agreement and agree to its terms", exact=False)
    lead.click_button("Sign the agreement")
    assert_no_errors(lead)
    assert "You have signed version 1 of the grant agreement." in banner(lead)
    assert f"Version 1 was signed by {programme.applicant.name}" in lead.text()
    lead.go(f"/projects/{programme.ids['project']}")
    assert "Active" in lead.text()


def enabler_logs_update(enabler: Visitor, programme: Programme) -> None:
    enabler.go("/enabler")
    enabler.click_link(f"Add an update to {programme.ids['reference']}")
    fill_date(enabler, "happened_on", date.today())
    choose(enabler, "Workshop")
    enabler.fill("Hours", "3")
    enabler.fill("What happened", "First partnership workshop: we mapped a discharge journey together.")
    enabler.fill("What is shifting in the system", "The hospital and the council now plan discharges together.")
    choose(enabler, "Green")
    enabler.fill("Next steps", "Invite residents to the next workshop.")
    enabler.click_button("Save update")
    assert_no_errors(enabler)
    assert "The update has been added to the project's log." in banner(enabler)
    assert enabler.h1() == programme.bid_title
    assert "First partnership workshop" in enabler.text()


def officer_requests_first_tranche(officer: Visitor, programme: Programme) -> None:
    """The officer confirms the board's match funding (the first tranche's last condition), then
    requests the release of the first tranche."""
    officer.go(f"/projects/{programme.ids['project']}/funding")
    officer.click_button("Confirm the match funding")
    officer.fill("Or describe the evidence", "Minute 6 of the board meeting: the £10,000 is confirmed.")
    officer.click_button("Confirm the match funding")
    assert_no_errors(officer)
    assert "The match funding is confirmed." in banner(officer)
    tranche = officer.page.locator("#tranche-1")
    assert "Ready to request" in tranche.inner_text()
    assert tranche.locator(".govuk-tag", has_text="Waiting").count() == 0
    officer.click_button("Request release of tranche 1")
    assert "The release of tranche 1 has been requested." in banner(officer)
    assert "Waiting for finance approval" in officer.page.locator("#tranche-1").inner_text()


def finance_approver_releases_tranche(finance: Visitor, programme: Programme) -> None:
    reference = programme.ids["reference"]
    finance.go("/funding/approvals")
    finance.click_link(f"Approve tranche 1 of {reference}")
    assert finance.h1() == "Tranche 1: £13,500.00"
    assert programme.officer.name in finance.text()
    finance.fill("Payment reference", f"PAY-{programme.round_code}-1")
    finance.fill("Your password", programme.finance.password)
    finance.click_button("Approve and release")
    assert_no_errors(finance)
    assert f"Tranche 1 of {reference} has been released." in banner(finance)


def time_passes_until_the_first_report_is_due(app, programme: Programme) -> None:
    """Three months pass: the first report's period is moved so that it ends today, which opens it
    for submission (it opens two weeks before the period's end)."""
    from grants.extensions import db
    from grants.monitoring.models import ProgressReport

    with app.app_context():
        report = db.session.scalars(
            db.select(ProgressReport).where(
                ProgressReport.project_id == programme.ids["project"], ProgressReport.sequence == 1
            )
        ).one()
        report.period_start = date.today() - timedelta(days=91)
        report.period_end = date.today()
        report.due_on = date.today() + timedelta(days=14)
        db.session.commit()


def lead_submits_progress_report(lead: Visitor, programme: Programme) -> None:
    lead.go(f"/projects/{programme.ids['project']}")
    lead.click_link("Reports, milestones and outcomes")
    lead.click_link("Progress report 1")
    assert lead.h1() == "Progress report 1"
    lead.fill("What happened in this period?", "Three workshops and a citizen panel; a shared discharge plan.")
    lead.fill("What changed in how the partners work together?", "Decisions on discharges are now made together.")
    choose(lead, "Green")
    lead.fill("Delayed discharges (per month)", "31")
    lead.click_button("Submit for review")
    assert_no_errors(lead)
    assert "Progress report 1 has been submitted. The programme team will review it." in banner(lead)


def officer_accepts_progress_report(officer: Visitor, programme: Programme) -> None:
    officer.go("/monitoring/reports")
    assert programme.ids["reference"] in officer.text()
    officer.go(f"/projects/{programme.ids['project']}/monitoring")
    officer.click_link("Progress report 1")
    assert "Submitted" in officer.text()
    choose(officer, "Accept the report")
    officer.click_button("Save review")
    assert_no_errors(officer)
    assert f"Progress report 1 for {programme.ids['reference']} is accepted." in banner(officer)


def lead_submits_learning_item(lead: Visitor, programme: Programme) -> None:
    lead.go(f"/projects/{programme.ids['project']}")
    lead.click_link("Commitments, case studies and insights")
    lead.click_button("Write a case study or insight")
    assert lead.h1() == "Write a case study or insight"
    choose(lead, "Case study")
    lead.fill("Title", programme.learning_title)
    lead.fill("Summary", "Talking with older residents at their kitchen tables changed how partners planned.")
    lead.fill("The story", "Hospital, council and voluntary staff visited residents together and listened.")
    lead.fill("What worked", "Going together, not one agency at a time.")
    lead.fill("What did not work, or what you would do differently", "Start the citizen panel sooner.")
    choose(lead, "Everyone named or quoted, and every partner, agrees that this can be published", exact=False)
    lead.click_button("Submit for review")
    assert_no_errors(lead)
    assert "Thank you. The programme team will review it." in banner(lead)
    assert programme.learning_title in lead.text() and "Waiting for review" in lead.text()


def officer_publishes_learning_item(officer: Visitor, programme: Programme) -> None:
    officer.go("/learning/review")
    officer.click_link(programme.learning_title)
    choose(officer, "Publish it in the learning library")
    officer.click_button("Save decision")
    assert_no_errors(officer)
    assert f"“{programme.learning_title}” is published in the learning library." in banner(officer)


def visitor_finds_learning_in_library(visitor: Visitor, programme: Programme) -> None:
    visitor.go("/learning/")
    assert visitor.h1() == "Learning library"
    words = programme.learning_title.split()
    visitor.fill("Search", f"{words[0]} {words[-1]}")  # "Kitchen-table" and the journey's own token
    visitor.click_button("Search")
    assert "1 item matching" in visitor.text()
    visitor.click_link(programme.learning_title)
    assert visitor.h1() == programme.learning_title
    assert programme.lead_organisation in visitor.text()
