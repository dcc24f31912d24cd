"""A project's money at its end: an early end needs two people and never touches a payment; a finished
project's money is a record (every change refused, no button offered); its pages, the portfolio figures
and the finance CSV say what was paid, what was cancelled and what is to be repaid."""

import csv
import io
from datetime import date

import pytest

from grants.core.audit import AuditEvent
from grants.core.errors import PermissionDenied
from grants.core.permissions import Role
from grants.core.signals import project_changed
from grants.funding import queries
from grants.funding.models import AgreementStatus, MatchFunding, Payment, TrancheStatus
from grants.funding.services import FundingError, agreements, conditions, match, release, schedule, waivers
from grants.funding.services.release import released_total
from grants.notifications.models import Notification
from grants.projects import ending
from grants.projects.models import ProjectStatus
from tests.factories import PASSWORD, UserFactory, funded_project
from tests.fixtures.clients import sign_in_client
from tests.funding.conftest import agreement_of, issue_and_sign, ready_to_request, tranches, waive_later_tranches
from tests.helpers import QueryCounter, text

REASON = "The partnership dissolved after the council's restructure."


@pytest.fixture
def other_finance(db):
    """A second finance approver: someone other than the one who approved the first payment."""
    return UserFactory(roles=[Role.FINANCE_APPROVER], name="Priya Shah")


def pay_first(project, officer, finance, reference="BACS-1"):
    from grants.extensions import db

    tranche = ready_to_request(project, officer)
    release.request_release(tranche, actor=officer)
    release.approve_release(tranche, actor=finance, payment_reference=reference)
    db.session.commit()
    return tranche


def request_second(project, officer, finance):
    """Tranche 2 waiting for finance approval (its conditions waived, tranche 1 paid)."""
    from grants.extensions import db

    waive_later_tranches(project, officer, finance)
    second = tranches(project)[1]
    assert second.status == TrancheStatus.ELIGIBLE
    release.request_release(second, actor=officer)
    db.session.commit()
    return second


def end_early(project, proposer, confirmer, repayment_pence=None):
    from grants.extensions import db

    proposal = ending.propose_early_end(project, reason=REASON, repayment_pence=repayment_pence, actor=proposer)
    db.session.commit()
    ending.confirm_ending(proposal, actor=confirmer)
    db.session.commit()
    return proposal


def give_up(project, officer):
    from grants.extensions import db

    recorded = ending.record_withdrawal(project, reason="The board withdrew its pledge.", actor=officer)
    db.session.commit()
    ending.confirm_ending(recorded, actor=officer)
    db.session.commit()
    return recorded


def _payments(db, project):
    return [
        (p.id, p.tranche_id, p.amount_pence, p.reference, p.requested_by_id, p.approved_by_id, p.approved_at)
        for p in db.session.scalars(db.select(Payment).where(Payment.project_id == project.id).order_by(Payment.id))
    ]


def _released(db, project):
    return [
        (t.id, t.amount_pence, t.released_at, t.requested_by_id, t.requested_at, t.due_on)
        for t in tranches(project)
        if t.status == TrancheStatus.RELEASED
    ]


# --- Ending early: two people, and paid money never changes -------------------------------------------------


def test_an_early_end_needs_two_people_and_cancels_only_what_was_not_paid(db, project, officer, finance):
    both = UserFactory(roles=[Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER], name="Dana Both")
    pay_first(project, officer, finance)
    request_second(project, officer, finance)
    payments, released, paid = _payments(db, project), _released(db, project), released_total(project.id)
    assert len(payments) == 1 and paid == 1_350_000

    proposal = ending.propose_early_end(project, reason=REASON, repayment_pence=300_000, actor=both)
    db.session.commit()
    with pytest.raises(PermissionDenied):  # the finance approver who proposed it is not the second person
        ending.confirm_ending(proposal, actor=both)
    db.session.rollback()
    with pytest.raises(PermissionDenied):  # nor is an officer who is not a finance approver
        ending.confirm_ending(proposal, actor=officer)
    db.session.rollback()
    db.session.expire_all()
    assert project.status == ProjectStatus.ACTIVE
    assert [t.status for t in tranches(project)] == ["released", "requested", "scheduled"]

    ending.confirm_ending(proposal, actor=finance)
    db.session.commit()
    db.session.expire_all()
    assert project.status == ProjectStatus.ENDED_EARLY
    assert [t.status for t in tranches(project)] == ["released", "cancelled", "cancelled"]
    cancelled = tranches(project)[1]
    assert cancelled.cancel_reason == REASON and cancelled.cancelled_by_id == finance.id
    assert cancelled.cancelled_at is not None
    assert _payments(db, project) == payments
    assert _released(db, project) == released
    assert released_total(project.id) == paid == 1_350_000


def test_a_finished_projects_open_variation_is_withdrawn(db, project, officer, finance, other_finance):
    pay_first(project, officer, finance)
    agreements.start_variation(project, reason="A later start for tranche 3.", actor=officer)
    db.session.commit()
    end_early(project, officer, other_finance)
    assert agreement_of(project, 2).status == AgreementStatus.WITHDRAWN
    assert agreement_of(project, 1).status == AgreementStatus.SIGNED


# --- A finished project's money is a record -----------------------------------------------------------------


def _custom(project, officer):
    return conditions.add_condition(
        tranches(project)[2], kind="custom", description="Evaluation plan agreed", owner=officer, actor=officer
    )


def _report_condition(project):
    return next(c for c in tranches(project)[1].conditions if c.kind == "report_accepted")


def _match(project):
    from grants.extensions import db

    return db.session.scalar(db.select(MatchFunding).where(MatchFunding.project_id == project.id))


REFUSED = {
    "request a release": lambda p, o, f, custom: release.request_release(tranches(p)[1], actor=o),
    "hold a tranche": lambda p, o, f, custom: release.hold_tranche(tranches(p)[1], actor=f, reason="Query"),
    "lift a hold": lambda p, o, f, custom: release.resume_tranche(tranches(p)[1], actor=f),
    "return a request": lambda p, o, f, custom: release.return_request(tranches(p)[1], actor=f, reason="No"),
    "add a condition": lambda p, o, f, custom: conditions.add_condition(
        tranches(p)[1], kind="custom", description="More", owner=o, actor=o
    ),
    "remove a condition": lambda p, o, f, custom: conditions.remove_condition(custom, actor=o),
    "confirm a condition": lambda p, o, f, custom: conditions.confirm_condition(custom, actor=o, note="Done"),
    "waive a condition": lambda p, o, f, custom: waivers.propose_waiver(_report_condition(p), actor=o, reason="x"),
    "change its tranche schedule": lambda p, o, f, custom: schedule.change_schedule(p, [], actor=o),
    "vary its agreement": lambda p, o, f, custom: agreements.start_variation(p, reason="Change", actor=o),
    "record its match funding as received": lambda p, o, f, custom: match.record_match_received(
        _match(p), actor=f, received_on=date.today(), reference="BOARD-1", upload=None
    ),
}


@pytest.mark.parametrize("doing", sorted(REFUSED))
def test_every_change_to_the_money_of_a_project_ended_early_is_refused(
    db, project, officer, finance, other_finance, doing
):
    pay_first(project, officer, finance)
    custom = _custom(project, officer)
    db.session.commit()
    end_early(project, officer, other_finance)
    before = [(t.status, t.amount_pence, t.due_on) for t in tranches(project)]
    with pytest.raises(FundingError) as refused:
        REFUSED[doing](project, officer, finance, custom)
    assert refused.value.message == (f"{project.reference} ended early, so its funding is settled: you cannot {doing}.")
    db.session.rollback()
    assert [(t.status, t.amount_pence, t.due_on) for t in tranches(project)] == before


def test_a_closed_project_and_an_award_given_up_say_why_their_money_cannot_change(db, officer, finance):
    closed = funded_project()
    issue_and_sign(closed, officer)
    ending.start_closing(closed, actor=officer)
    left = [item for item in ending.closeout_items(closed) if not item.done]
    ending.close_project(closed, note="Done.", exceptions={i.key: "Not needed." for i in left}, actor=officer)
    db.session.commit()
    with pytest.raises(FundingError, match=rf"^{closed.reference} is closed, so its funding is settled"):
        release.request_release(tranches(closed)[0], actor=officer)
    db.session.rollback()

    given_up = funded_project(closed.round)
    give_up(given_up, officer)
    with pytest.raises(FundingError) as refused:
        match.confirm_match(_match(given_up), actor=finance, note="Minute 4", upload=None)
    assert refused.value.message == (
        f"The award to {given_up.reference} was given up, so its funding is settled: you cannot confirm its "
        "match funding."
    )


def test_nothing_moves_a_finished_projects_tranches_or_tells_anyone_of_them(db, project, officer, finance):
    from grants.extensions import db as _db

    pay_first(project, officer, finance)
    end_early(project, officer, UserFactory(roles=[Role.FINANCE_APPROVER]))
    # the conditions of the cancelled tranches are all met now: a running project's would become eligible
    for tranche in tranches(project)[1:]:
        for condition in tranche.conditions:
            condition.met_at = condition.met_at or tranche.created_at
    _db.session.commit()
    met = [(c.id, c.met_at) for t in tranches(project) for c in t.conditions]
    emails = _db.session.scalar(_db.select(_db.func.count(Notification.id)))
    events = _db.session.scalar(_db.select(_db.func.count(AuditEvent.id)))
    assert conditions.evaluate_project(project, actor=officer) == []
    project_changed.send(project, actor=officer)
    _db.session.commit()
    assert [t.status for t in tranches(project)] == ["released", "cancelled", "cancelled"]
    assert [(c.id, c.met_at) for t in tranches(project) for c in t.conditions] == met
    assert _db.session.scalar(_db.select(_db.func.count(Notification.id))) == emails
    assert _db.session.scalar(_db.select(_db.func.count(AuditEvent.id))) == events


# --- A request waiting for finance when the project ends early ---------------------------------------------


def test_a_request_waiting_for_finance_is_cancelled_by_an_early_end_and_cannot_be_approved(
    db, app, project, officer, finance, other_finance
):
    pay_first(project, officer, finance)
    second = request_second(project, officer, finance)
    end_early(project, officer, other_finance)
    db.session.expire_all()
    assert second.status == TrancheStatus.CANCELLED
    assert (
        db.session.scalar(db.select(db.func.count(Notification.id)).where(Notification.template == "release_lapsed"))
        == 0
    )

    client = sign_in_client(app, finance)
    response = client.post(f"/funding/tranches/{second.id}", data={"payment_reference": "BACS-2", "password": PASSWORD})
    assert response.status_code == 409
    page = text(response.get_data(as_text=True))
    assert "Tranche 2 was cancelled on" in page and "It will never be paid." in page
    assert "Approve the release" not in page
    assert db.session.scalar(db.select(db.func.count(Payment.id)).where(Payment.tranche_id == second.id)) == 0
    refused = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "funding.release_refused")).all()
    assert len(refused) == 1

    with pytest.raises(FundingError, match="^Tranche 2 was cancelled"):
        release.approve_release(second, actor=other_finance, payment_reference="BACS-3")
    db.session.rollback()


def test_the_page_of_a_cancelled_tranche_says_why_and_offers_nothing(db, app, project, officer, finance, other_finance):
    pay_first(project, officer, finance)
    second = request_second(project, officer, finance)
    end_early(project, officer, other_finance)
    for person in (officer, finance):
        response = sign_in_client(app, person).get(f"/funding/tranches/{second.id}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        page = text(html)
        assert "Cancelled" in page and f"By {other_finance.name}" in page and REASON in page
        assert f"This tranche was cancelled: {project.reference} ended early. It will never be paid" in page
        assert "<form" not in html.split("</header>", 1)[-1].split("<footer", 1)[0]
        assert "Hold the tranche" not in page and "Return the request" not in page


# --- Pages that change nothing any more ------------------------------------------------------------------


def test_the_funding_page_of_a_project_ended_early_shows_what_was_cancelled_and_what_is_owed(
    db, app, project, officer, finance, other_finance
):
    pay_first(project, officer, finance)
    proposal = end_early(project, officer, other_finance, repayment_pence=500_000)
    response = sign_in_client(app, officer).get(f"/projects/{project.id}/funding")
    html = response.get_data(as_text=True)
    page = text(html)
    assert f"{project.reference} ended early on" in page and "nothing here can change now" in page
    assert "Released £13,500.00" in page and "Still to release £0.00" in page
    assert "Cancelled, never to be paid £13,500.00" in page
    assert "To be repaid £5,000.00" in page and "Repayment Not yet received" in page
    assert f'href="/projects/{project.id}/endings/{proposal.id}"' in html
    assert "Tranche 2: £8,100.00 Cancelled" in page
    assert f"by {other_finance.name}: it will never be paid. Reason: {REASON}" in page
    offered = (
        "Request release",
        "Add a condition",
        'aria-label="Hold tranche',
        "Lift the hold",
        "Vary the agreement",
        "Change the amounts and dates",
        "Propose a waiver",
        "Reopen",
        "Record the match funding as received",
    )
    assert [action for action in offered if action in html] == []

    ending.repayment_received(proposal, received_on=date.today(), reference="REPAY-7", actor=finance)
    db.session.commit()
    page = text(
        sign_in_client(app, project.application.lead_applicant)
        .get(f"/projects/{project.id}/funding")
        .get_data(as_text=True)
    )
    assert "Repayment Received on" in page and "reference REPAY-7" in page


def test_the_funding_page_of_a_finished_project_runs_a_fixed_number_of_queries(
    db, programme_officer_client, officer, finance, other_finance
):
    def count(custom_conditions):
        project = funded_project()
        for number in range(custom_conditions):
            conditions.add_condition(
                tranches(project)[2], kind="custom", description=f"Step {number}", owner=officer, actor=officer
            )
        db.session.commit()
        pay_first(project, officer, finance)
        end_early(project, officer, other_finance, repayment_pence=100_000)
        with QueryCounter() as counter:
            assert programme_officer_client.get(f"/projects/{project.id}/funding").status_code == 200
        return len(counter.statements)

    assert count(1) == count(12)


def test_a_form_to_change_a_finished_projects_money_is_not_offered_and_a_change_sent_is_refused_once(
    db, app, project, officer, finance, other_finance
):
    pay_first(project, officer, finance)
    end_early(project, officer, other_finance)
    third = tranches(project)[2]
    client = sign_in_client(app, officer)
    response = client.get(f"/funding/tranches/{third.id}/conditions/new")
    assert response.status_code == 303 and response.location.endswith(f"/projects/{project.id}/funding")
    page = text(client.get(response.location).get_data(as_text=True))
    assert f"{project.reference} ended early, so its funding is settled: you cannot add a condition." in page

    response = client.post(f"/funding/tranches/{third.id}/hold", data={"reason": "Query"})
    assert response.status_code == 303
    held = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "funding.hold_refused")).all()
    assert len(held) == 1 and "you cannot hold a tranche" in held[0].after["reason"]
    assert tranches(project)[2].status == TrancheStatus.CANCELLED

    response = client.post(f"/funding/tranches/{third.id}/request")
    assert response.status_code == 302
    assert "you cannot request a release" in text(client.get(response.location).get_data(as_text=True))


# --- The portfolio and the finance CSV ------------------------------------------------------------------


@pytest.fixture
def three_projects(db, project, officer, finance, other_finance):
    """One running (tranche 1 paid), one given up, one ended early (tranche 1 paid, tranche 2 requested
    and cancelled, £5,000 to be repaid)."""
    running = project
    pay_first(running, officer, finance, reference="BACS-RUN")
    given_up = funded_project(project.round)
    give_up(given_up, officer)
    early = funded_project(project.round)
    pay_first(early, officer, finance, reference="BACS-EARLY")
    request_second(early, officer, finance)
    proposal = end_early(early, officer, other_finance, repayment_pence=500_000)
    return running, given_up, early, proposal


def test_the_funding_overview_counts_awards_given_up_and_early_ends(db, app, finance, three_projects):
    running, given_up, early, proposal = three_projects
    client = sign_in_client(app, finance)
    page = text(client.get("/funding/?view=all").get_data(as_text=True))
    assert "Awarded £54,000.00 to 2 projects" in page
    assert "Released £27,000.00" in page
    assert "Still to release £13,500.00" in page  # the running project's tranches 2 and 3
    # The early end's tranches 2 and 3: released, still to release and cancelled add up to what is awarded;
    # the award given up (its tranches cancelled too) is counted apart.
    assert "Cancelled, never to be paid £13,500.00" in page
    assert "Awards given up £27,000.00 by 1 project (not counted as awarded)" in page
    assert "Repayments due after an early end £5,000.00" in page and "Repayments received £0.00" in page
    assert "Match funding pledged, not yet confirmed £0.00" in page  # the award given up never pays it
    assert "Match funding confirmed, not yet received £10,000.00" in page  # the running project's only
    assert "Projects that ended early" in page
    assert f"{early.reference}" in page and "£13,500.00 £5,000.00 Not yet received" in page
    assert "All tranches: 9 tranches, £81,000.00" in page

    approvals = client.get("/funding/approvals", follow_redirects=True)
    assert "Waiting for approval: 0 tranches, £0.00" in text(approvals.get_data(as_text=True))
    cancelled = text(client.get("/funding/?view=cancelled").get_data(as_text=True))
    assert "Cancelled: 5 tranches, £40,500.00" in cancelled and REASON in cancelled

    ending.repayment_received(proposal, received_on=date.today(), reference="REPAY-7", actor=finance)
    db.session.commit()
    page = text(client.get("/funding/").get_data(as_text=True))
    assert "Repayments due after an early end £0.00" in page and "Repayments received £5,000.00" in page
    assert "Received on" in page and "reference REPAY-7" in page


def test_the_funding_overview_lists_the_most_recent_early_ends_and_points_to_the_csv_for_the_rest(
    db, app, monkeypatch, officer, finance, other_finance, three_projects
):
    running, given_up, early, proposal = three_projects
    client = sign_in_client(app, finance)
    page = text(client.get("/funding/").get_data(as_text=True))
    assert early.reference in page and "most recent of" not in page
    later = funded_project(running.round)
    pay_first(later, officer, finance, reference="BACS-LATER")
    end_early(later, officer, other_finance, repayment_pence=100_000)
    monkeypatch.setattr(queries, "ENDED_EARLY_SHOWN", 1)
    html = client.get("/funding/").get_data(as_text=True)
    page = text(html)
    assert later.reference in page and early.reference not in page.split("All tranches")[0]
    assert "The 1 most recent of 2. Every repayment asked of them is in the CSV of all tranches" in page
    assert 'href="/funding/tranches.csv?view=all"' in html


def test_the_finance_csv_has_cancelled_tranches_and_repayments(db, app, finance, other_finance, three_projects):
    running, given_up, early, proposal = three_projects
    client = sign_in_client(app, finance)
    rows = list(csv.DictReader(io.StringIO(client.get("/funding/tranches.csv?view=all").get_data(as_text=True))))
    of_early = [row for row in rows if row["project_reference"] == early.reference]
    assert [(r["record"], r["tranche"], r["amount_pence"], r["status"]) for r in of_early] == [
        ("tranche", "1", "1350000", "released"),
        ("tranche", "2", "810000", "cancelled"),
        ("tranche", "3", "540000", "cancelled"),
        ("repayment", "", "500000", "repayment_due"),
    ]
    second = of_early[1]
    assert second["cancel_reason"] == REASON and second["cancelled_by"] == other_finance.name
    assert second["cancelled_at"] and second["requested_at"] and not second["released_at"]
    assert of_early[0]["payment_reference"] == "BACS-EARLY" and of_early[0]["cancel_reason"] == ""
    assert {r["status"] for r in rows if r["project_reference"] == given_up.reference} == {"cancelled"}
    assert all(r["record"] == "tranche" for r in rows if r["project_reference"] != early.reference)

    ending.repayment_received(proposal, received_on=date.today(), reference="=REPAY", actor=finance)
    db.session.commit()
    rows = list(csv.DictReader(io.StringIO(client.get("/funding/tranches.csv?view=all").get_data(as_text=True))))
    repayment = next(row for row in rows if row["record"] == "repayment")
    assert repayment["status"] == "repayment_received"
    assert repayment["repayment_received_on"] == date.today().isoformat()
    assert repayment["repayment_reference"] == "'=REPAY"
    cancelled_only = client.get("/funding/tranches.csv?view=cancelled").get_data(as_text=True)
    assert {row["record"] for row in csv.DictReader(io.StringIO(cancelled_only))} == {"tranche"}


def test_the_close_out_says_how_the_money_ended_and_what_the_match_still_waits_for(db, project, officer, finance):
    pay_first(project, officer, finance)
    ending.start_closing(project, actor=officer)
    items = {item.key: item for item in ending.closeout_items(project)}
    assert not items["tranches"].done and "tranche 2, £8,100.00" in items["tranches"].detail
    assert items["match_received"].detail.endswith(": confirmed, not yet received")
    left = [item for item in ending.closeout_items(project) if not item.done]
    ending.close_project(project, note="Done.", exceptions={item.key: "Not to be." for item in left}, actor=officer)
    items = {item.key: item for item in ending.closeout_items(project)}
    assert items["tranches"].done and items["tranches"].detail == "£13,500.00 released, £13,500.00 cancelled"
