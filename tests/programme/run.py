"""The programme run, step by step (``tests.programme.scenario`` has the steps)."""

from __future__ import annotations

from tests.programme import messages as m
from tests.programme import scenario as s

SECTORS = ["Local government", "Voluntary and community", "Housing", "Public health"]


def set_up(programme: s.Programme) -> None:
    s.load_reference_data(programme)
    s.create_staff_from_command_line(programme, "admin", "Ada Lovelace", "ada.lovelace@grants.example.org", "admin")
    s.create_staff_from_command_line(
        programme, "officer", "Olu Adeyemi", "olu.adeyemi@grants.example.org", "programme_officer"
    )
    s.sign_in(programme.people["admin"])
    s.sign_in(programme.people["officer"])


def open_round(programme: s.Programme) -> None:
    """The round's form gets the wave's own questions before it opens; then they are fixed."""
    s.officer_creates_round(programme)
    s.officer_adds_conditional_questions(programme)
    s.officer_previews_page(programme)
    s.officer_changes_hint(programme, s.WORKED_BEFORE, "Any joint work counts: a shared project or a pooled budget.")
    s.officer_links_criterion(programme, "Strength of the partnership across sectors", [s.WORKED_BEFORE, s.HOW])
    # A question begun in another tab and not saved before the round opened.
    drawn_before = s.officer_draws_new_question(programme, s.WORKING_PAGE, "Short text").fill("title", s.LATE_QUESTION)
    s.officer_publishes_round(programme)
    s.officer_finds_form_frozen(programme, drawn_before)


def how_they_worked_together(number: int, place: str) -> str:
    return f"Since {2018 + number} partners {number} have run discharge huddles together in {place}."


def applicants_apply(programme: s.Programme) -> None:
    for number in range(1, s.ORGANISATIONS + 1):
        place = s.PLACE_NAMES[number % len(s.PLACE_NAMES)]
        lead = programme.person(f"lead{number}", f"Lead Person {number}", f"lead{number}@org{number}.example.org")
        partner = programme.person(
            f"partner{number}", f"Partner Person {number}", f"partner{number}@nhs{number}.example.org"
        )
        bid = s.Bid(number, f"Organisation {number} of {place}", lead, [partner], f"Home safely together {number}")
        # Odd bids' partners have worked together; the second bid says so, answers how, then changes to No.
        bid.worked_together = number % 2 == 1
        bid.how = how_they_worked_together(number, place) if bid.worked_together or number == 2 else ""
        programme.bids.append(bid)
        s.register(programme, lead)
        s.set_up_organisation(bid, SECTORS[number % len(SECTORS)], place)
        s.start_bid(programme, bid)
        s.invite_partner(bid, partner, f"NHS Trust {number} of {place}", "NHS")
        s.complete_bid(programme, bid, place)
    for bid in programme.bids:
        for partner in bid.partners:
            s.partner_confirms(programme, bid, partner)
        s.submit_bid(programme, bid)
    s.withdraw_bid(programme.bids[-1])


def staff_join(programme: s.Programme) -> None:
    s.staff_joins(programme, "member1", "Sam Whitfield", "sam.whitfield@grants.example.org", "Steering group member")
    s.staff_joins(programme, "member2", "Rosa Diaz", "rosa.diaz@grants.example.org", "Steering group member")
    s.staff_joins(programme, "chair1", "Chris Nakamura", "chris.nakamura@grants.example.org", "Steering group chair")
    s.staff_joins(programme, "chair2", "Dee Okafor", "dee.okafor@grants.example.org", "Steering group chair")
    s.staff_joins(programme, "finance", "Fatima Rahman", "fatima.rahman@grants.example.org", "Finance approver")
    s.officer_invites_enabler(programme, "Erin Castell", "erin.castell@grants.example.org")


# Scores out of 5 on every criterion: bids 1 and 2 rank first, bids 3 and 4 next, the rest below.
SCORES = {1: 5, 2: 5, 3: 4, 4: 3}


def assess(programme: s.Programme) -> None:
    """One reviewer a bid; a reviewer declares a conflict and the bid goes to the other member. Before
    anyone scores, the officer asks the first bid's applicant a clarification, which they answer: its
    reviewer reads the answer beside the bid, and the ranking says the clarification was answered."""
    s.officer_closes_round_and_starts_assessment(programme)
    s.officer_assigns_reviewers(programme, per_bid=1)
    clarified = programme.bids[0]
    m.officer_asks_clarification(programme, clarified)
    m.lead_answers_clarification(programme, clarified)
    m.officer_reads_the_answer(programme, clarified)
    by_reference = {bid.reference: bid for bid in programme.bids}
    members = [programme.people["member1"], programme.people["member2"]]

    def score(member, link, bid):
        if bid is clarified:
            m.reviewer_reads_the_answer(member, link)
        s.reviewer_scores(member, link, SCORES.get(bid.number, 2), bid)

    conflicted = None
    for member in members:
        for reference, link in s.reviews_waiting(member).items():
            bid = by_reference[reference]
            if conflicted is None and member is members[0]:
                s.reviewer_declares_conflict(member, link)
                conflicted = bid
                continue
            score(member, link, bid)
    s.officer_assigns_reviewer(programme, conflicted, members[1])
    score(members[1], s.reviews_waiting(members[1])[conflicted.reference], conflicted)
    programme.ids["conflicted_bid"] = conflicted.number
    m.ranking_shows_clarification(programme, programme.people["chair1"], clarified)


def answers_where_people_read_them(programme: s.Programme) -> None:
    """The answers to the round's own questions, in the officer's download for the round (a column for
    each question, in words) and in the API's record of each bid (keyed by question key): after a No,
    no answer to how, even from the applicant who first said Yes."""
    rows = s.officer_downloads_round_applications(programme)
    token = s.officer_creates_api_token(programme)
    keys = programme.ids["keys"]
    for bid in programme.bids:
        row = rows[bid.reference]
        assert (row[s.WORKED_BEFORE], row[s.HOW]) == ("Yes" if bid.worked_together else "No", bid.kept_how), row
        record = s.api_application(programme, token, bid)
        expected = {keys[s.WORKED_BEFORE]: "yes" if bid.worked_together else "no"}
        if bid.worked_together:
            expected[keys[s.HOW]] = bid.how
        ours = (keys[s.WORKED_BEFORE], keys[s.HOW])
        assert {key: value for key, value in record["answers"].items() if key in ours} == expected, record
        assert {question["key"]: question["title"] for question in record["questions"]}.items() >= {
            keys[s.WORKED_BEFORE]: s.WORKED_BEFORE,
            keys[s.HOW]: s.HOW,
        }.items()


OVER_BUDGET = "which is £27,000.00 over the round's budget of £81,000.00"


def decide(programme: s.Programme) -> None:
    """The chairs: a look-again, a conflict (the co-chair decides that bid), three approvals within the
    budget, a fourth refused as over it, a reserve and the rest rejected together; then the letters."""
    chair, co_chair = programme.people["chair1"], programme.people["chair2"]
    first, second, third, fourth, *rest = programme.bids[:-1]  # the last bid was withdrawn
    reviewer_name = s.chair_asks_reviewer_to_look_again(programme, chair, first)
    reviewer = next(person for person in programme.people.values() if person.name == reviewer_name)
    s.reviewer_looks_again(reviewer, s.reviews_waiting(reviewer)[first.reference], 4)

    s.chair_declares_conflict(chair, second)
    # In rank order: the look-again left the first bid a little below the second.
    s.succeeded(s.chair_decides(co_chair, second, "Approve"), f"Decision recorded for {second.reference}.")
    s.succeeded(s.chair_decides(chair, first, "Approve"), f"Decision recorded for {first.reference}.")
    s.succeeded(s.chair_decides(chair, third, "Approve"), f"Decision recorded for {third.reference}.")
    refused = s.chair_decides(chair, fourth, "Approve")
    assert any(OVER_BUDGET in error for error in refused.errors), refused.describe()
    assert "Decision recorded" not in refused.banner
    s.succeeded(
        s.chair_decides(chair, fourth, "Reserve", feedback="A strong bid: it is first on the reserve list."),
        f"Decision recorded for {fourth.reference}.",
    )
    s.chair_decides_in_bulk(programme, chair, rest, "Reject", BULK_FEEDBACK)
    s.chair_makes_decisions_take_effect(programme, chair)


BULK_FEEDBACK = "The steering group valued the partnership; the plan for measuring change was thin."


CASE_STUDY = "Kitchen-table conversations in Bolton"


def fund_and_follow(programme: s.Programme) -> None:
    """The first approved project: enabler, agreement (kept as PDFs with the bid), a word between the
    enabler and the lead, match, tranche 1 with two signatures, a progress report accepted, the portfolio's
    progress compiled (the project's row kept as a PDF), a case study published and found; then the open
    data."""
    bid = programme.bids[0]
    project_id = s.project_of(programme, bid)
    programme.ids["project"] = project_id
    enabler = programme.people["enabler"]
    s.enabler_chooses_password(programme, enabler)
    s.officer_assigns_enabler(programme, project_id, enabler, bid.reference)
    s.officer_issues_agreement(programme, project_id)
    s.lead_signs_agreement(programme, bid, project_id)
    m.lead_downloads_pdfs(programme, bid, project_id)
    m.enabler_and_lead_talk(programme, bid, project_id)
    s.officer_confirms_match(programme, project_id)
    s.officer_requests_tranche(programme, project_id)
    s.officer_sees_tranche_not_ready(programme, project_id, 2, "Tranche 1 must be released before tranche 2")
    s.finance_approves_tranche(programme, bid.reference)
    s.time_passes_until_first_report_is_due(programme, project_id)
    s.lead_submits_progress_report(bid, project_id)
    s.officer_accepts_progress_report(programme, bid, project_id)
    m.officer_compiles_progress_and_keeps_a_projects_pdf(programme, bid, project_id)
    s.lead_writes_case_study(bid, project_id, CASE_STUDY)
    s.officer_publishes_learning(programme, CASE_STUDY)
    visitor = programme.person("visitor", "A visitor", "nobody@example.org").browser
    s.visitor_finds_learning(visitor, CASE_STUDY, "kitchen-table Bolton")


def second_project_waives_a_late_match(programme: s.Programme) -> None:
    """The second project's board has not yet minuted its match: the built-in condition cannot be
    removed, so the officer proposes a waiver with a reason and the finance approver agrees; then
    tranche 1 is requested and released with two signatures."""
    bid = programme.bids[1]
    project_id = s.project_of(programme, bid)
    s.officer_assigns_enabler(programme, project_id, programme.people["enabler"], bid.reference)
    s.officer_issues_agreement(programme, project_id)
    s.lead_signs_agreement(programme, bid, project_id)
    s.officer_sees_tranche_not_ready(programme, project_id, 1, "Match funding confirmed")
    s.officer_proposes_waiver(
        programme, project_id, "Match funding confirmed", "The board meets next month; its chair has written to pledge."
    )
    s.finance_agrees_waiver(programme, "Match funding confirmed")
    s.officer_requests_tranche(programme, project_id)
    s.finance_approves_tranche(programme, bid.reference)


GIVEN_UP = "The council's cabinet withdrew its support before the work began."
CLOSEOUT_NOTE = "Discharges are now planned together; the partnership carries the work on without the grant."


def an_award_given_up_and_its_place_taken(programme: s.Programme) -> None:
    """The third project, nothing paid: its lead applicant records that the partnership gives up the
    award, the officer confirms it from the email asking them to, every tranche is cancelled, and a
    chair approves the reserve bid into the place it freed."""
    bid, reserve = programme.bids[2], programme.bids[3]
    project_id = s.project_of(programme, bid)
    assert list(s.tranche_statuses(programme, project_id).values()) == ["Waiting for conditions"] * 3
    s.lead_gives_up_award(bid, project_id, GIVEN_UP)
    assert "Setting up" in s.project_status(bid.lead.browser, project_id), "recorded is not yet given up"
    s.officer_confirms_award_given_up(programme, bid, project_id, GIVEN_UP)
    assert "Award given up" in s.project_status(bid.lead.browser, project_id)
    assert list(s.tranche_statuses(programme, project_id).values()) == ["Cancelled"] * 3
    from_reserve = s.chair_approves_reserve(programme, programme.people["chair1"], bid, reserve)
    assert "Setting up" in s.project_status(reserve.lead.browser, from_reserve)


def a_project_closed_early(programme: s.Programme) -> None:
    """The second project, its first tranche paid, finishes its work early: the officer starts the
    close-out now, then closes it, saying why each thing left will not happen. Unpaid tranches are
    cancelled; the paid one stays paid."""
    bid = programme.bids[1]
    project_id = s.project_of(programme, bid)
    page = s.officer_starts_closeout_early(programme, bid, project_id)
    assert "Closing" in s.project_status(programme.people["officer"].browser, project_id)
    s.officer_closes_project(page, bid, CLOSEOUT_NOTE)
    assert "Closed" in s.project_status(bid.lead.browser, project_id)
    assert s.tranche_statuses(programme, project_id) == {1: "Released", 2: "Cancelled", 3: "Cancelled"}


def run(deployment) -> s.Programme:
    programme = s.Programme(deployment)
    set_up(programme)
    open_round(programme)
    staff_join(programme)
    applicants_apply(programme)
    assess(programme)
    answers_where_people_read_them(programme)
    decide(programme)
    fund_and_follow(programme)
    second_project_waives_a_late_match(programme)
    an_award_given_up_and_its_place_taken(programme)
    a_project_closed_early(programme)
    return programme
