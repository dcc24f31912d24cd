"""The finance approver's home: releases waiting for their signature (with the total), waivers and early ends
waiting for their agreement, repayments owed, holds, and the requests they returned. Each item links to
where its work is done and leaves once it is done there."""

from __future__ import annotations

from datetime import timedelta

import pytest

from grants.core.permissions import Role
from grants.core.times import london_today
from grants.extensions import db as _db
from grants.funding import finance_queues
from grants.funding.models import Tranche, TrancheCondition
from grants.funding.permissions import can_agree_waiver, can_approve
from grants.funding.services import release, waivers
from grants.projects import ending
from tests.endings import pay_first_tranche
from tests.factories import PASSWORD, UserFactory, funded_project
from tests.fixtures.clients import sign_in_client
from tests.funding.conftest import issue_and_sign, ready_to_request, tranches
from tests.helpers import text
from tests.work_queues import home_queue


def home(client, key: str) -> tuple[int, str, list[str]]:
    """The queue ``key`` on the person's home: its count, its words, where its items link."""
    shown = home_queue(client, key)
    return shown.count, shown.words, shown.links


def requested(project, officer) -> Tranche:
    """The project's first tranche, its release requested by ``officer``."""
    tranche = ready_to_request(project, officer)
    release.request_release(tranche, actor=officer)
    _db.session.commit()
    return tranche


@pytest.fixture
def finance_client(app, finance):
    return sign_in_client(app, finance)


# --- Releases waiting -------------------------------------------------------------------------------------


def test_releases_waiting_show_with_their_total_and_leave_once_approved(db, officer, finance, finance_client):
    first, second = requested(funded_project(), officer), requested(funded_project(), officer)
    count, words, links = home(finance_client, "funding.releases")
    assert count == 2
    assert "Releases waiting for your approval" in words and "£27,000 in total" in words
    assert f"Approve tranche 1 of {first.project.reference} {first.project.title}" in words
    assert "£13,500, requested by Sarah Collins on" in words
    assert links == [f"/funding/tranches/{first.id}", f"/funding/tranches/{second.id}"]

    response = finance_client.post(links[0], data={"payment_reference": "BACS-0001", "password": PASSWORD})
    assert response.status_code == 302
    count, words, links = home(finance_client, "funding.releases")
    assert (count, links) == (1, [f"/funding/tranches/{second.id}"])
    assert "£13,500 in total" in words and first.project.reference not in words


def test_a_release_the_approver_requested_is_not_theirs_to_approve(db, app, officer, finance):
    both = UserFactory(roles=[Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER], name="Dana Both")
    own, others = requested(funded_project(), both), requested(funded_project(), officer)
    count, words, links = home(sign_in_client(app, both), "funding.releases")
    assert (count, links) == (1, [f"/funding/tranches/{others.id}"])
    assert "£13,500 in total" in words
    # the other finance approver sees both: someone else requested each
    assert home(sign_in_client(app, finance), "funding.releases")[0] == 2
    assert own.requested_by_id == both.id


def test_the_queue_lists_exactly_the_releases_the_permission_lets_them_approve(db, app, officer, finance):
    both = UserFactory(roles=[Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER])
    requested(funded_project(), officer)
    requested(funded_project(), both)
    held = requested(funded_project(), officer)
    release.hold_tranche(held, actor=finance, reason="The bank details are being checked.")
    ready_to_request(funded_project(), officer)  # eligible, not requested
    paid = funded_project()
    pay_first_tranche(paid, officer, finance)
    second = tranches(paid)[1]
    ending.confirm_ending(
        ending.propose_early_end(paid, reason="The partnership broke up.", repayment_pence=None, actor=officer),
        actor=finance,
    )  # its unpaid tranches cancelled
    _db.session.commit()
    assert second.status == "cancelled"
    for person in (finance, both):
        with app.test_request_context():
            shown = finance_queues.releases_waiting(person)
        everything = _db.session.scalars(_db.select(Tranche)).all()
        may = sorted(t.id for t in everything if can_approve(person, t))
        assert sorted(int(item.href.rsplit("/", 1)[1]) for item in shown.items) == may
        assert shown.count == len(may)


def test_an_overdue_release_says_so(db, officer, finance_client):
    tranche = requested(funded_project(), officer)
    tranche.due_on = london_today() - timedelta(days=3)
    _db.session.commit()
    assert "Overdue since" in home(finance_client, "funding.releases")[1]


# --- Holds and returned requests --------------------------------------------------------------------------


def test_a_held_tranche_waits_on_the_home_until_the_hold_is_lifted(db, officer, finance, finance_client):
    tranche = requested(funded_project(), officer)
    response = finance_client.post(f"/funding/tranches/{tranche.id}/hold", data={"reason": "Bank details changed."})
    assert response.status_code == 302
    count, words, links = home(finance_client, "funding.holds")
    assert count == 1 and "£13,500 in total" in words
    assert "held by James Whitfield on" in words and "Bank details changed." in words
    assert links == [f"/projects/{tranche.project_id}/funding#tranche-1"]
    assert home(finance_client, "funding.releases")[0] == 0  # no longer waiting for approval

    assert finance_client.post(f"/funding/tranches/{tranche.id}/resume").status_code == 302
    count, words, links = home(finance_client, "funding.holds")
    assert (count, links) == (0, []) and "No tranche is on hold." in words


def test_a_returned_request_waits_until_the_programme_team_requests_it_again(db, app, officer, finance, finance_client):
    tranche = requested(funded_project(), officer)
    response = finance_client.post(
        f"/funding/tranches/{tranche.id}/return", data={"reason": "The invoice names another council."}
    )
    assert response.status_code == 302
    count, words, links = home(finance_client, "funding.returned")
    assert (count, links) == (1, [f"/funding/tranches/{tranche.id}"])
    assert "waiting for the programme team to request it again: The invoice names another council." in words
    other = UserFactory(roles=[Role.FINANCE_APPROVER])
    assert home(sign_in_client(app, other), "funding.returned")[0] == 0  # not theirs

    assert sign_in_client(app, officer).post(f"/funding/tranches/{tranche.id}/request").status_code == 302
    count, words, _ = home(finance_client, "funding.returned")
    assert count == 0 and "No request you returned is waiting for the programme team." in words
    assert home(finance_client, "funding.releases")[0] == 1  # back with them to approve


def test_a_request_returned_again_after_a_new_request_is_listed_once(db, officer, finance, finance_client):
    tranche = requested(funded_project(), officer)
    for reason in ("First look.", "Second look."):
        release.return_request(tranche, actor=finance, reason=reason)
        _db.session.commit()
        if reason == "First look.":
            release.request_release(tranche, actor=officer)
            _db.session.commit()
    count, words, _ = home(finance_client, "funding.returned")
    assert count == 1 and "Second look." in words and "First look." not in words


# --- Waivers, early ends and repayments -------------------------------------------------------------------


def _proposed_waiver(project, officer) -> TrancheCondition:
    issue_and_sign(project, officer)
    condition = next(c for c in tranches(project)[0].conditions if c.kind == "match_confirmed")
    waivers.propose_waiver(condition, actor=officer, reason="The board confirmed it in its minutes.")
    _db.session.commit()
    return condition


def test_a_waiver_waits_for_a_second_person_and_leaves_once_agreed(db, app, officer, finance, finance_client):
    condition = _proposed_waiver(funded_project(), officer)
    count, words, links = home(finance_client, "funding.waivers")
    assert (count, links) == (1, [f"/funding/tranches/{condition.tranche_id}"])
    assert "Waive “Match funding confirmed” for tranche 1 of" in words
    assert "Proposed by Sarah Collins on" in words and "The board confirmed it in its minutes." in words
    with app.test_request_context():
        assert can_agree_waiver(finance, condition)

    response = finance_client.post(f"/funding/conditions/{condition.id}/waive/agree")
    assert response.status_code == 302
    count, words, _ = home(finance_client, "funding.waivers")
    assert count == 0 and "No waiver is waiting for your agreement." in words


def test_a_waiver_the_approver_proposed_is_not_in_their_queue(db, app, officer):
    both = UserFactory(roles=[Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER])
    _proposed_waiver(funded_project(), both)
    assert home(sign_in_client(app, both), "funding.waivers")[0] == 0


def test_an_early_end_waits_for_confirmation_then_its_repayment_until_it_arrives(db, officer, finance, finance_client):
    project = funded_project()
    pay_first_tranche(project, officer, finance)
    proposal = ending.propose_early_end(
        project, reason="The partnership broke up.", repayment_pence=300_000, actor=officer
    )
    _db.session.commit()
    url = f"/projects/{project.id}/endings/{proposal.id}"
    count, words, links = home(finance_client, "funding.early_ends")
    assert (count, links) == (1, [url])
    assert f"End {project.reference} {project.title} early?" in words
    assert "£3,000 to be repaid: The partnership broke up." in words
    assert home(finance_client, "funding.repayments")[0] == 0

    assert finance_client.post(f"{url}/confirm", data={}).status_code == 302
    count, words, _ = home(finance_client, "funding.early_ends")
    assert count == 0 and "No proposal to end a project early is waiting for you." in words
    count, words, links = home(finance_client, "funding.repayments")
    assert (count, links) == (1, [url]) and "£3,000 in total" in words

    today = london_today()
    response = finance_client.post(
        f"{url}/repaid",
        data={
            "repayment_received_on": [str(today.day), str(today.month), str(today.year)],
            "repayment_reference": "BACS-IN-7",
        },
    )
    assert response.status_code == 302
    count, words, _ = home(finance_client, "funding.repayments")
    assert count == 0 and "No repayment is owed." in words


def test_an_early_end_the_approver_proposed_is_not_theirs_to_confirm(db, app, officer, finance):
    both = UserFactory(roles=[Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER])
    project = funded_project()
    pay_first_tranche(project, officer, finance)
    ending.propose_early_end(project, reason="The partnership broke up.", repayment_pence=None, actor=both)
    _db.session.commit()
    assert home(sign_in_client(app, both), "funding.early_ends")[0] == 0
    assert home(sign_in_client(app, finance), "funding.early_ends")[0] == 1


# --- Nothing waiting ----------------------------------------------------------------------------------------


def test_with_nothing_waiting_each_queue_says_so(db, finance_client):
    html = finance_client.get("/").get_data(as_text=True)
    assert "Nothing needs you right now: every list below is clear." in text(html)
    expected = {
        "funding.releases": "No release is waiting for your approval.",
        "funding.waivers": "No waiver is waiting for your agreement.",
        "funding.early_ends": "No proposal to end a project early is waiting for you.",
        "funding.repayments": "No repayment is owed.",
        "funding.holds": "No tranche is on hold.",
        "funding.returned": "No request you returned is waiting for the programme team.",
    }
    for key, sentence in expected.items():
        count, words, links = home(finance_client, key)
        assert (count, links) == (0, []) and sentence in words, key
        assert "in total" not in words
