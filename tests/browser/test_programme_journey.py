"""The whole programme journey in the browser, each step done by the person who does it: from the
officer opening a round to an anonymous visitor finding the project's learning in the public library.
And the same journey with the partners' confirmation left out, which cannot get past submission."""

from __future__ import annotations

from tests.browser import journey_steps as steps


def _pledge_letter(tmp_path):
    letter = tmp_path / "pledge-letter.pdf"
    letter.write_bytes(steps.PDF)
    return letter


def test_the_whole_programme_journey(person, live_server, tmp_path):
    app = live_server.app
    programme = steps.new_programme("Alpha")
    steps.set_up_programme(app, programme)
    officer = steps.sign_in(person("Olu, programme officer"), programme.officer)

    # The officer opens a round; an applicant registers and completes every section of a bid with two partners.
    steps.officer_opens_round(officer, programme)
    applicant = person("Lena, applicant")
    steps.applicant_registers(applicant, programme, live_server.mailbox)
    steps.applicant_starts_bid(applicant, programme)
    steps.applicant_completes_bid(applicant, programme, _pledge_letter(tmp_path))

    # Each partner confirms through the link in the email they were sent, then the bid goes in.
    for partner in programme.partners:
        steps.partner_confirms(person(f"{partner.contact.name}, partner"), live_server.mailbox, programme, partner)
    applicant.go(f"/applications/{programme.ids['application']}")
    assert "You have completed 8 of 8 sections." in applicant.text()
    applicant.go(f"/applications/{programme.ids['application']}/partnership")
    assert applicant.page.get_by_text("Waiting for confirmation").count() == 0
    assert applicant.page.locator(".govuk-tag", has_text="Confirmed").count() == 2
    steps.applicant_submits_bid(applicant, programme)

    # Assessment: the round closes, a steering member scores, the chair approves within the budget.
    steps.time_passes_until_the_round_closes(app, programme)
    steps.officer_closes_round_and_assigns_reviewer(officer, programme)
    member = steps.sign_in(person("Sam, steering group member"), programme.steering_member)
    steps.steering_member_declares_no_conflict_and_scores(member, programme)
    chair = steps.sign_in(person("Chris, steering group chair"), programme.chair)
    steps.chair_moderates_and_approves(chair, programme)
    steps.applicant_sees_approval(applicant, programme)

    # The project: an enabler, the signed agreement, the enabler's log and the first tranche paid.
    steps.officer_opens_project(officer, programme)
    steps.officer_assigns_enabler(officer, programme)
    steps.officer_issues_agreement(officer, programme)
    steps.lead_signs_agreement(applicant, programme)
    enabler = steps.sign_in(person("Erin, enabler"), programme.enabler)
    steps.enabler_logs_update(enabler, programme)
    steps.officer_requests_first_tranche(officer, programme)
    finance = steps.sign_in(person("Fatima, finance approver"), programme.finance)
    steps.finance_approver_releases_tranche(finance, programme)
    applicant.go(f"/projects/{programme.ids['project']}/funding")
    assert "Released" in applicant.page.locator("#tranche-1").inner_text()
    assert "£13,500.00" in applicant.text()

    # Progress and learning: a report and a case study, which the officer publishes to the library.
    steps.time_passes_until_the_first_report_is_due(app, programme)
    steps.lead_submits_progress_report(applicant, programme)
    steps.officer_accepts_progress_report(officer, programme)
    steps.lead_submits_learning_item(applicant, programme)
    steps.officer_publishes_learning_item(officer, programme)
    steps.visitor_finds_learning_in_library(person("Anonymous visitor"), programme)


def test_without_the_partners_confirmation_the_bid_cannot_be_submitted(person, live_server, tmp_path):
    app = live_server.app
    programme = steps.new_programme("Beta")
    steps.set_up_programme(app, programme)
    officer = steps.sign_in(person("Olu, programme officer"), programme.officer)
    steps.officer_opens_round(officer, programme)
    applicant = person("Lena, applicant")
    steps.applicant_registers(applicant, programme, live_server.mailbox)
    steps.applicant_starts_bid(applicant, programme)
    steps.applicant_completes_bid(applicant, programme, _pledge_letter(tmp_path))

    # The partners were emailed, but neither follows the link: the journey's partner_confirms is skipped.
    problems = steps.applicant_is_refused_submission(applicant, programme)

    assert "At least 2 partners must confirm their part before you submit" in problems
    assert "The lead organisation and its confirmed partners must come from at least 3 sectors" in problems
    applicant.go(f"/applications/{programme.ids['application']}")
    assert applicant.h1() == programme.bid_title and "Draft" in applicant.text()
