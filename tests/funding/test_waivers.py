"""A built-in condition is never removed; a programme may waive it, with a reason and two people: a
programme officer proposes, a finance approver who is someone else agrees. The signed agreement is
never waived. Every step and every refusal is audited, shown on the tranche and in the finance CSV."""

import csv
import io

import pytest
from sqlalchemy import text as sql

from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from grants.funding.models import TrancheCondition
from grants.funding.services import AlreadyDone, FundingError, waivers
from grants.notifications.models import Notification
from tests.factories import UserFactory
from tests.fixtures.clients import sign_in_client
from tests.funding.conftest import issue_and_sign, tranches
from tests.helpers import field_error, text


def _condition(project, kind) -> TrancheCondition:
    return next(c for t in tranches(project) for c in t.conditions if c.kind == kind)


def _actions(db) -> list[str]:
    return db.session.scalars(
        db.select(AuditEvent.action).where(AuditEvent.action.like("funding.waiver%")).order_by(AuditEvent.id)
    ).all()


def _emails(db, template):
    return db.session.scalars(db.select(Notification).where(Notification.template == template)).all()


def test_a_waiver_is_proposed_by_an_officer_and_agreed_by_finance(db, app, project, officer, finance):
    other_finance = UserFactory(roles=[Role.FINANCE_APPROVER])
    issue_and_sign(project, officer)
    match = _condition(project, "match_confirmed")
    officer_client = sign_in_client(app, officer)
    html = officer_client.post(f"/funding/conditions/{match.id}/waive", data={"reason": " "}).get_data(as_text=True)
    assert field_error(html, "reason") == "Give the reason"
    page = text(officer_client.get(f"/projects/{project.id}/funding").get_data(as_text=True))
    assert "Propose a waiver of Match funding confirmed for tranche 1" in page
    response = officer_client.post(
        f"/funding/conditions/{match.id}/waive", data={"reason": "The board pays in arrears this year"}
    )
    assert response.status_code == 302
    stored = db.session.get(TrancheCondition, match.id)
    assert stored.waiver_pending and not stored.is_met  # proposed only: it does not count yet
    assert sorted(n.recipient_email for n in _emails(db, "waiver_proposed")) == sorted(
        [finance.email, other_finance.email]
    )
    assert "The board pays in arrears this year" in _emails(db, "waiver_proposed")[0].body_text
    page = text(officer_client.get(f"/funding/tranches/{tranches(project)[0].id}").get_data(as_text=True))
    assert "waiting for a finance approver to agree. Reason: The board pays in arrears this year" in page
    assert "Agree to waive it" not in page  # the officer cannot agree to their own proposal

    finance_client = sign_in_client(app, finance)
    assert finance_client.post(f"/funding/conditions/{match.id}/waive/agree").status_code == 302
    stored = db.session.get(TrancheCondition, match.id)
    assert stored.is_waived and stored.is_met and stored.waived_by_id == finance.id
    [agreed] = _emails(db, "waiver_agreed")
    assert agreed.recipient_email == officer.email and "James Whitfield has agreed" in agreed.body_text
    page = text(finance_client.get(f"/funding/tranches/{tranches(project)[0].id}").get_data(as_text=True))
    assert "Waived Match funding confirmed" in page
    assert "Waiver proposed by Sarah Collins" in page and "agreed by James Whitfield" in page
    assert "Reason: The board pays in arrears this year" in page
    lead_page = text(
        sign_in_client(app, project.application.lead_applicant)
        .get(f"/projects/{project.id}/funding")
        .get_data(as_text=True)
    )
    assert "Waived Match funding confirmed" in lead_page

    rows = list(csv.DictReader(io.StringIO(finance_client.get("/funding/tranches.csv").get_data(as_text=True))))
    first = next(row for row in rows if row["project_reference"] == project.reference and row["tranche"] == "1")
    assert first["waivers"] == (
        "Match funding confirmed waived: proposed by Sarah Collins, agreed by James Whitfield; "
        "reason: The board pays in arrears this year"
    )
    assert _actions(db) == ["funding.waiver_proposed", "funding.waiver_agreed"]
    proposed = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "funding.waiver_proposed")).one()
    assert proposed.actor_id == officer.id and proposed.after["reason"] == "The board pays in arrears this year"

    again = finance_client.post(f"/funding/conditions/{match.id}/waive/agree")
    assert again.status_code == 409 and "has already been agreed" in text(again.get_data(as_text=True))
    assert len(_emails(db, "waiver_agreed")) == 1


def test_the_signed_agreement_is_never_waived(db, app, project, officer):
    signed = _condition(project, "agreement_signed")
    client = sign_in_client(app, officer)
    response = client.post(f"/funding/conditions/{signed.id}/waive", data={"reason": "Urgent"})
    assert response.status_code == 400
    assert "It can never be waived" in text(response.get_data(as_text=True))
    assert db.session.get(TrancheCondition, signed.id).waiver_proposed_at is None
    assert _actions(db) == ["funding.waiver_refused"]
    assert "Propose a waiver of Grant agreement signed" not in text(
        client.get(f"/projects/{project.id}/funding").get_data(as_text=True)
    )
    # The database holds the rule too.
    with pytest.raises(Exception, match="ck_tranche_conditions_waivable_kind"):
        with db.session.begin_nested():
            db.session.execute(
                sql(
                    "UPDATE tranche_conditions SET waiver_reason = 'x', waiver_proposed_at = now(), "
                    "waiver_proposed_by_id = :officer WHERE id = :id"
                ),
                {"officer": officer.id, "id": signed.id},
            )


def test_the_same_person_cannot_propose_and_agree(db, app, project, officer):
    both = UserFactory(roles=[Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER])
    enabler = _condition(project, "enabler_assigned")
    waivers.propose_waiver(enabler, actor=both, reason="A local lead supports them instead")
    db.session.commit()
    response = sign_in_client(app, both).post(f"/funding/conditions/{enabler.id}/waive/agree")
    assert response.status_code == 403
    assert "another finance approver must agree" in text(response.get_data(as_text=True))
    assert not db.session.get(TrancheCondition, enabler.id).is_met
    officer_only = sign_in_client(app, officer)
    assert officer_only.post(f"/funding/conditions/{enabler.id}/waive/agree").status_code == 403
    with pytest.raises(Exception, match="ck_tranche_conditions_waiver_two_people"):
        with db.session.begin_nested():
            db.session.execute(
                sql("UPDATE tranche_conditions SET waived_at = now(), waived_by_id = :me WHERE id = :id"),
                {"me": both.id, "id": enabler.id},
            )
    assert "funding.waiver_refused" in _actions(db)


def test_the_proposer_withdraws_a_waiver(db, app, project, officer, finance):
    report = tranches(project)[1].conditions[0]
    waivers.propose_waiver(report, actor=officer, reason="Reporting moved to the next quarter")
    db.session.commit()
    other_officer = sign_in_client(app, UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    assert other_officer.post(f"/funding/conditions/{report.id}/waive/withdraw").status_code == 403
    client = sign_in_client(app, officer)
    assert client.post(f"/funding/conditions/{report.id}/waive/withdraw").status_code == 302
    stored = db.session.get(TrancheCondition, report.id)
    assert stored.waiver_proposed_at is None and stored.waiver_reason is None and not stored.is_met
    [withdrawn] = _emails(db, "waiver_withdrawn")
    assert withdrawn.recipient_email == officer.email
    assert _actions(db) == ["funding.waiver_proposed", "funding.waiver_refused", "funding.waiver_withdrawn"]
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "funding.waiver_withdrawn")).one()
    assert event.before["reason"] == "Reporting moved to the next quarter"
    again = client.post(f"/funding/conditions/{report.id}/waive/withdraw")
    assert again.status_code == 409
    late = sign_in_client(app, finance).post(f"/funding/conditions/{report.id}/waive/agree")
    assert late.status_code == 409 and "it may have been withdrawn" in text(late.get_data(as_text=True))
    assert not db.session.get(TrancheCondition, report.id).is_met


def test_a_waiver_cannot_be_proposed_twice(db, project, officer):
    learning = _condition(project, "learning_evidenced")
    waivers.propose_waiver(learning, actor=officer, reason="Shared at the regional event")
    db.session.commit()
    with pytest.raises(AlreadyDone, match="already been proposed"):
        waivers.propose_waiver(learning, actor=officer, reason="Again")
    db.session.rollback()
    with pytest.raises(FundingError, match="Only a programme officer"):
        waivers.propose_waiver(
            _condition(project, "match_confirmed"), actor=UserFactory(roles=[Role.ENABLER]), reason="x"
        )


def test_a_condition_met_since_its_waiver_was_proposed_is_not_waived(db, app, project, officer, finance):
    """The match was confirmed after the officer proposed to waive it: agreeing now would leave a waiver
    standing if the match later lapsed, so it is refused and the proposer may withdraw it."""
    from grants.core.db import utcnow

    match = _condition(project, "match_confirmed")
    waivers.propose_waiver(match, actor=officer, reason="The board pays in arrears this year")
    db.session.commit()
    match = db.session.get(TrancheCondition, match.id)
    match.met_at = utcnow()
    db.session.commit()
    finance_client = sign_in_client(app, finance)
    page = text(finance_client.get(f"/funding/tranches/{tranches(project)[0].id}").get_data(as_text=True))
    assert "Agree to waive it" not in page
    response = finance_client.post(f"/funding/conditions/{match.id}/waive/agree")
    assert response.status_code == 409
    assert "has been met since the waiver was proposed, so there is nothing to waive" in text(
        response.get_data(as_text=True)
    )
    stored = db.session.get(TrancheCondition, match.id)
    assert stored.waived_at is None and stored.waived_by_id is None
    assert _actions(db)[-1] == "funding.waiver_refused"


def test_an_officer_is_told_when_nobody_else_can_agree(db, app, project, officer):
    """With no finance approver but the officer themself, the proposal waits for someone to be given
    the role, and the officer is told so rather than that finance has been asked."""
    from grants.funding.services.release import finance_approvers

    assert finance_approvers(exclude=officer.id) == []
    match = _condition(project, "match_confirmed")
    client = sign_in_client(app, officer)
    response = client.post(f"/funding/conditions/{match.id}/waive", data={"reason": "The board pays in arrears"})
    page = text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Nobody else has the finance approver role yet, so nobody can agree to it" in page
    assert _emails(db, "waiver_proposed") == []
