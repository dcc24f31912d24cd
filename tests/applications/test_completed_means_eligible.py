"""A section the task list shows as completed passes every rule the final check applies to it, the
round's eligibility rules included: marking it completed checks them, and the task list shows what
the check would say now (a partner declining, say, after the section was marked)."""

import pytest

from grants.applications import rules, services
from grants.applications.models import Application
from grants.bidforms.queries import form_of
from tests.factories import ApplicationFactory, RoundFactory, complete_bid
from tests.fixtures.clients import sign_in_client
from tests.helpers import field_error, text


@pytest.fixture
def bid(db):
    return complete_bid(ApplicationFactory(round=RoundFactory(code="LV3")))


@pytest.fixture
def lead(app, bid):
    return sign_in_client(app, bid.lead_applicant)


def task_list(client, bid) -> str:
    return text(client.get(f"/applications/{bid.id}").get_data(as_text=True))


def stored(db, bid) -> Application:
    db.session.expire_all()
    return db.session.get(Application, bid.id)


def assert_completed_means_eligible(bid) -> None:
    """Every section the task list would show as completed has nothing the final check refuses."""
    refused = {problem.section for problem in services.submission_problems(bid)}
    form = form_of(bid.round_id)
    for page in form.shown_pages(bid.answers):
        if rules.section_status(bid, form, page) == "completed":
            assert page.key not in refused, page.key


def test_a_pledge_below_the_rounds_requirement_cannot_be_marked_completed(db, bid, lead):
    bid.section_states = {**bid.section_states, "match": "in_progress"}
    db.session.commit()
    html = lead.post(
        f"/applications/{bid.id}/sections/match",
        data={"match_funder": "Wigan Health and Wellbeing Board", "match_amount": "7,500", "completed": "yes"},
    ).get_data(as_text=True)
    assert field_error(html, "match_amount") == "The match funding pledged must be at least £10,000.00"
    assert stored(db, bid).section_state("match") == "in_progress"
    assert stored(db, bid).match_amount_pence == 1_000_000  # nothing kept
    assert "Match funding In progress" in task_list(lead, bid)


def test_a_partnership_of_one_sector_cannot_be_marked_completed(db, bid, lead):
    bid.partners[0].organisation.sector = bid.lead_organisation.sector
    bid.section_states = {**bid.section_states, "partnership": "in_progress"}
    db.session.commit()
    html = lead.post(f"/applications/{bid.id}/partnership", data={"completed": "yes"}).get_data(as_text=True)
    assert field_error(html, "completed") == (
        "The lead organisation and its confirmed partners must come from at least 2 sectors"
    )
    assert stored(db, bid).section_state("partnership") == "in_progress"


def test_a_section_marked_completed_that_no_longer_passes_is_not_shown_completed(db, bid, lead):
    assert "You have completed 8 of 8 sections" in task_list(lead, bid)
    # Marked completed before: the pledge was lowered and the only partner is of the lead's sector.
    bid.match_amount_pence = 750_000
    bid.partners[0].organisation.sector = bid.lead_organisation.sector
    db.session.commit()
    page = task_list(lead, bid)
    assert "You have completed 6 of 8 sections" in page
    assert "The partnership In progress" in page and "Match funding In progress" in page
    assert_completed_means_eligible(stored(db, bid))


def test_a_partnership_waits_for_its_partners_then_is_completed(db, app, bid, lead):
    bid.partners[0].status, bid.partners[0].responded_at = "invited", None
    bid.section_states = {**bid.section_states, "partnership": "in_progress"}
    db.session.commit()
    # Invited, not yet answered: it can be marked completed, and waits for the partner.
    response = lead.post(f"/applications/{bid.id}/partnership", data={"completed": "yes"})
    assert response.headers["Location"] == f"/applications/{bid.id}"
    page = task_list(lead, bid)
    assert "You have completed 7 of 8 sections" in page
    assert "The partnership Marked completed: enough partners must confirm their part before you submit" in page
    assert "Waiting for partners" in page
    assert_completed_means_eligible(stored(db, bid))

    partner = stored(db, bid).partners[0]
    services.respond_as_partner(partner, "confirmed", None)
    db.session.commit()
    page = task_list(lead, bid)
    assert "You have completed 8 of 8 sections" in page and "Waiting for partners" not in page
    assert services.submission_problems(stored(db, bid)) == []


def test_a_partner_declining_takes_the_partnership_back_to_in_progress(db, bid, lead):
    bid.partners[0].status, bid.partners[0].responded_at = "invited", None
    db.session.commit()
    services.respond_as_partner(stored(db, bid).partners[0], "declined", "Our board said no.")
    db.session.commit()
    page = task_list(lead, bid)
    assert "The partnership In progress" in page and "You have completed 7 of 8 sections" in page
    assert_completed_means_eligible(stored(db, bid))


@pytest.mark.parametrize(
    "rule",
    [
        {"min_partner_sectors": 3},
        {"min_confirmed_partners": 2},
        {"min_learning_commitments": 2},
        {"match_at_least_required": True},
    ],
)
def test_each_of_the_rounds_eligibility_rules_is_a_sections_rule(db, bid, rule):
    bid.round.eligibility = {**bid.round.rule, **rule}
    bid.match_amount_pence = 500_000
    db.session.commit()
    bid = stored(db, bid)
    assert services.submission_problems(bid) != []
    assert_completed_means_eligible(bid)
    pages = {page.key for page in form_of(bid.round_id).pages}
    assert {problem.section for problem in services.submission_problems(bid)} <= pages
