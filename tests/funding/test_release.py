"""Releasing a tranche takes two signatures: the programme officer's request and a different
finance approver's approval, with the payment reference and their password. Every money movement
is audited; payments never exceed the award."""

import pytest
from sqlalchemy import insert
from sqlalchemy import text as sql

from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from grants.funding.models import Payment, Tranche
from grants.funding.services import FundingError, agreements, release
from grants.funding.services.conditions import payment_blockers
from grants.funding.services.schedule import TrancheChange, change_schedule
from grants.notifications.models import Notification
from tests.factories import PASSWORD, UserFactory
from tests.fixtures.clients import sign_in_client
from tests.funding.conftest import issue_and_sign, ready_to_request, tranches, waive, waive_later_tranches
from tests.helpers import field_error, text


@pytest.fixture
def finance_client(app, finance):
    return sign_in_client(app, finance)


@pytest.fixture
def officer_client(app, officer):
    return sign_in_client(app, officer)


def _requested(db, project, officer):
    tranche = ready_to_request(project, officer)
    release.request_release(tranche, actor=officer)
    db.session.commit()
    return tranche


def _payments(db):
    return db.session.scalars(db.select(Payment)).all()


def test_a_tranche_is_requested_approved_and_released_once(
    db, project, officer, finance, officer_client, finance_client
):
    tranche = ready_to_request(project, officer)
    assert officer_client.post(f"/funding/tranches/{tranche.id}/request").status_code == 302
    assert db.session.get(Tranche, tranche.id).status == "requested"
    asked = db.session.scalars(db.select(Notification).where(Notification.template == "release_requested")).one()
    assert asked.recipient_email == finance.email
    response = finance_client.post(
        f"/funding/tranches/{tranche.id}", data={"payment_reference": "BACS-0001", "password": PASSWORD}
    )
    assert response.status_code == 302
    stored = db.session.get(Tranche, tranche.id)
    assert stored.status == "released" and stored.released_at is not None
    [payment] = _payments(db)
    assert (payment.amount_pence, payment.reference, payment.requested_by_id, payment.approved_by_id) == (
        1_350_000,
        "BACS-0001",
        officer.id,
        finance.id,
    )
    released = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "funding.tranche_released")).one()
    assert released.actor_id == finance.id and released.after["amount_pence"] == 1_350_000
    assert released.after["payment_reference"] == "BACS-0001" and released.after["requested_by_id"] == officer.id
    lead_told = db.session.scalars(db.select(Notification).where(Notification.template == "tranche_released")).one()
    assert lead_told.recipient_email == project.application.lead_applicant.email
    again = finance_client.post(
        f"/funding/tranches/{tranche.id}", data={"payment_reference": "BACS-0002", "password": PASSWORD}
    )
    assert again.status_code == 409 and "has already been released" in text(again.get_data(as_text=True))
    assert len(_payments(db)) == 1


def test_a_tranche_whose_conditions_are_not_met_cannot_be_requested(db, project, officer, officer_client):
    issue_and_sign(project, officer)
    first = tranches(project)[0]
    response = officer_client.post(f"/funding/tranches/{first.id}/request", follow_redirects=True)
    page = text(response.get_data(as_text=True))
    assert "Tranche 1 is still waiting for: match funding confirmed, enabler assigned." in page
    assert db.session.get(Tranche, first.id).status == "scheduled"
    refusal = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "funding.release_request_refused")
    ).one()
    assert refusal.object_id == str(first.id) and "still waiting" in refusal.after["reason"]


def test_the_requester_cannot_approve_their_own_request(db, app, project):
    both = UserFactory(roles=[Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER])
    tranche = _requested(db, project, both)
    client = sign_in_client(app, both)
    page = client.get(f"/funding/tranches/{tranche.id}").get_data(as_text=True)
    assert "another finance approver must approve it" in text(page) and "Approve and release" not in page
    response = client.post(f"/funding/tranches/{tranche.id}", data={"payment_reference": "X1", "password": PASSWORD})
    assert response.status_code == 403
    assert db.session.get(Tranche, tranche.id).status == "requested" and _payments(db) == []
    with pytest.raises(FundingError, match="someone else must approve it"):
        release.approve_release(tranche, actor=both, payment_reference="X1")
    db.session.rollback()
    # The database holds the rule too: a payment signed twice by one person is refused.
    with pytest.raises(Exception, match="ck_payments_two_people"):
        with db.session.begin_nested():
            db.session.execute(
                insert(Payment).values(
                    tranche_id=tranche.id,
                    project_id=project.id,
                    amount_pence=tranche.amount_pence,
                    reference="X1",
                    requested_by_id=both.id,
                    approved_by_id=both.id,
                )
            )


def test_approval_asks_for_the_password_again(db, project, officer, finance_client):
    tranche = _requested(db, project, officer)
    response = finance_client.post(
        f"/funding/tranches/{tranche.id}", data={"payment_reference": "B-1", "password": "wrong"}
    )
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "password").startswith("The password is not right")
    assert db.session.get(Tranche, tranche.id).status == "requested" and _payments(db) == []
    failed = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "auth.reauthentication_failed")).one()
    assert (failed.object_id, failed.after) == (str(tranche.id), {"purpose": "approve a payment"})
    html = finance_client.post(
        f"/funding/tranches/{tranche.id}", data={"payment_reference": " ", "password": PASSWORD}
    ).get_data(as_text=True)
    assert field_error(html, "payment_reference") == "Enter the payment reference"


@pytest.mark.parametrize("role", [Role.PROGRAMME_OFFICER, Role.APPLICANT, Role.STEERING_CHAIR, Role.ENABLER])
def test_only_a_finance_approver_approves(db, app, project, officer, role):
    tranche = _requested(db, project, officer)
    client = sign_in_client(app, UserFactory(roles=[role]))
    response = client.post(f"/funding/tranches/{tranche.id}", data={"payment_reference": "B-1", "password": PASSWORD})
    assert response.status_code == 403
    assert db.session.get(Tranche, tranche.id).status == "requested"


@pytest.mark.parametrize("role", [Role.FINANCE_APPROVER, Role.APPLICANT, Role.STEERING_CHAIR, Role.ENABLER])
def test_only_a_programme_officer_requests(db, app, project, officer, role):
    tranche = ready_to_request(project, officer)
    client = sign_in_client(app, UserFactory(roles=[role]))
    assert client.post(f"/funding/tranches/{tranche.id}/request").status_code == 403
    assert db.session.get(Tranche, tranche.id).status == "eligible"


def test_tranches_are_released_in_order(db, project, officer, finance, officer_client):
    """Tranche 2 with its conditions met (here waived) is not ready while tranche 1 is unpaid: not shown
    ready, no request button, no email to the officers, and its request is refused. Once tranche 1 is
    released it is ready, and the officers are told."""
    first = ready_to_request(project, officer)
    [report] = tranches(project)[1].conditions
    waive(report, officer, finance)
    second = tranches(project)[1]
    assert second.status == "scheduled" and second.eligible_at is None
    assert payment_blockers(second) == ["Tranche 1 must be released before tranche 2."]
    page = text(officer_client.get(f"/projects/{project.id}/funding").get_data(as_text=True))
    assert "Request release of tranche 1" in page and "Request release of tranche 2" not in page
    assert "Not ready to request yet: Tranche 1 must be released before tranche 2." in page
    ready = text(officer_client.get("/funding/?view=eligible").get_data(as_text=True))
    assert "Ready to request: 1 tranche" in ready
    told = db.session.scalars(db.select(Notification).where(Notification.template == "tranche_eligible")).all()
    assert {n.context["id"] for n in told} == {first.id}
    with pytest.raises(FundingError, match="Tranche 1 must be released before tranche 2"):
        release.request_release(second, actor=officer)
    db.session.rollback()
    response = officer_client.post(f"/funding/tranches/{second.id}/request", follow_redirects=True)
    assert "Tranche 1 must be released before tranche 2." in text(response.get_data(as_text=True))
    assert db.session.get(Tranche, second.id).status == "scheduled"
    release.request_release(first, actor=officer)
    release.approve_release(first, actor=finance, payment_reference="B-1")
    db.session.commit()
    assert tranches(project)[1].status == "eligible"
    told = db.session.scalars(db.select(Notification).where(Notification.template == "tranche_eligible")).all()
    assert {n.context["id"] for n in told} == {first.id, second.id}


def test_the_total_released_is_integer_pence(db, project, officer, finance):
    """Money is integer pence everywhere: PostgreSQL's sum of a bigint column is a numeric, never shown as one."""
    first = ready_to_request(project, officer)
    assert type(release.released_total(project.id)) is int
    release.request_release(first, actor=officer)
    release.approve_release(first, actor=finance, payment_reference="B-1")
    db.session.commit()
    total = release.released_total(project.id)
    assert total == first.amount_pence and type(total) is int


def test_a_tranche_is_not_ready_while_the_agreement_is_unsigned(db, project, officer, finance, officer_client):
    """Its other conditions met (match confirmed, enabler, and the agreement condition waived would be
    refused anyway), tranche 1 is not ready until the agreement is signed."""
    from tests.funding.conftest import confirm_match, give_enabler

    confirm_match(project, officer)
    give_enabler(project, officer)
    first = tranches(project)[0]
    assert first.status == "scheduled"
    assert "Nothing can be paid until the grant agreement is signed." in payment_blockers(first)
    page = text(officer_client.get(f"/projects/{project.id}/funding").get_data(as_text=True))
    assert "Request release of tranche 1" not in page
    assert db.session.scalars(db.select(Notification).where(Notification.template == "tranche_eligible")).all() == []
    issue_and_sign(project, officer)
    assert tranches(project)[0].status == "eligible" and payment_blockers(tranches(project)[0]) == []


def test_payments_never_exceed_the_award(db, project, officer, finance):
    """Every tranche released: the payments add up to the award exactly, and nothing more can go."""
    ready_to_request(project, officer)
    waive_later_tranches(project, officer, finance)
    for tranche in tranches(project):
        release.request_release(tranche, actor=officer)
        release.approve_release(tranche, actor=finance, payment_reference=f"B-{tranche.sequence}")
        db.session.commit()
    assert sum(p.amount_pence for p in _payments(db)) == project.award_pence == release.released_total(project.id)
    with pytest.raises(Exception, match="released tranche cannot be changed"):
        with db.session.begin_nested():
            db.session.execute(
                sql("UPDATE tranches SET amount_pence = amount_pence + 1 WHERE project_id = :id"), {"id": project.id}
            )
    with pytest.raises(Exception, match="payments are never changed or removed"):
        with db.session.begin_nested():
            db.session.execute(sql("DELETE FROM payments"))
    assert release.released_total(project.id) == project.award_pence


def test_a_tranche_is_held_and_resumed(db, project, officer, finance, officer_client, finance_client):
    tranche = _requested(db, project, officer)
    html = finance_client.post(f"/funding/tranches/{tranche.id}/hold", data={"reason": ""}).get_data(as_text=True)
    assert field_error(html, "reason") == "Give the reason"
    response = finance_client.post(f"/funding/tranches/{tranche.id}/hold", data={"reason": "Bank details changed"})
    assert response.status_code == 302
    held = db.session.get(Tranche, tranche.id)
    assert (held.status, held.held_reason, held.requested_by_id) == ("held", "Bank details changed", None)
    with pytest.raises(FundingError, match=r"Tranche 1 is on hold by James Whitfield \(Bank details changed\)"):
        release.approve_release(held, actor=finance, payment_reference="B-1")
    db.session.commit()  # nothing was changed; this ends the refused attempt's transaction
    other_finance = sign_in_client(finance_client.application, UserFactory(roles=[Role.FINANCE_APPROVER]))
    response = other_finance.post(
        f"/funding/tranches/{tranche.id}", data={"payment_reference": "B", "password": PASSWORD}
    )
    page = text(response.get_data(as_text=True))
    assert response.status_code == 409 and "Only a finance approver" not in page
    assert "Tranche 1 is on hold by James Whitfield (Bank details changed). It can be approved once" in page
    again = finance_client.post(f"/funding/tranches/{tranche.id}/hold", data={"reason": "Bank details changed"})
    assert again.status_code == 409 and "Tranche 1 is held already." in text(again.get_data(as_text=True))
    lead = sign_in_client(finance_client.application, project.application.lead_applicant)
    assert "Held since" in text(lead.get(f"/projects/{project.id}/funding").get_data(as_text=True))
    assert officer_client.post(f"/funding/tranches/{tranche.id}/resume").status_code == 302
    resumed = db.session.get(Tranche, tranche.id)
    assert (resumed.status, resumed.held_reason) == ("eligible", None)  # its conditions still met
    actions = db.session.scalars(
        db.select(AuditEvent.action).where(AuditEvent.object_type == "tranche").order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "funding.tranche_eligible",
        "funding.release_requested",
        "funding.tranche_held",
        "funding.release_refused",  # approved while held
        "funding.hold_refused",  # held again
        "funding.tranche_resumed",
        "funding.tranche_eligible",  # resumed, and its conditions are still met
    ]


def test_finance_returns_a_request_with_a_reason(db, project, officer, finance_client):
    tranche = _requested(db, project, officer)
    response = finance_client.post(f"/funding/tranches/{tranche.id}/return", data={"reason": "Wrong bank account"})
    assert response.status_code == 302
    assert db.session.get(Tranche, tranche.id).status == "eligible"
    told = db.session.scalars(db.select(Notification).where(Notification.template == "release_returned")).one()
    assert told.recipient_email == officer.email and "Wrong bank account" in told.body_text


def test_a_tranche_changed_by_an_unsigned_variation_waits_for_its_signature(db, project, officer):
    ready_to_request(project, officer)
    agreements.start_variation(project, reason="Bring money forward", actor=officer)
    rows = tranches(project)
    change_schedule(
        project,
        [
            TrancheChange(rows[0].id, 1_500_000, rows[0].due_on),
            TrancheChange(rows[1].id, 660_000, rows[1].due_on),
            TrancheChange(rows[2].id, 540_000, rows[2].due_on),
        ],
        actor=officer,
    )
    db.session.commit()
    with pytest.raises(FundingError, match="differs from the signed agreement"):
        release.request_release(tranches(project)[0], actor=officer)


def test_a_request_lapses_when_its_conditions_stop_holding(db, project, officer, finance):
    from grants.enablers.services import end_assignment

    tranche = _requested(db, project, officer)
    end_assignment(project, reason="Enabler unwell", actor=officer)
    db.session.commit()
    assert db.session.get(Tranche, tranche.id).status == "scheduled"
    with pytest.raises(FundingError, match="has not been requested"):
        release.approve_release(db.session.get(Tranche, tranche.id), actor=finance, payment_reference="B-1")
    assert _payments(db) == []


def test_a_requested_tranche_cannot_be_changed_by_a_variation(db, project, officer):
    tranche = _requested(db, project, officer)
    agreements.start_variation(project, reason="More up front", actor=officer)
    rows = tranches(project)
    with pytest.raises(FundingError, match="Tranche 1 is waiting for finance approval and cannot change"):
        change_schedule(
            project,
            [
                TrancheChange(rows[0].id, 2_000_000, rows[0].due_on),
                TrancheChange(rows[1].id, 160_000, rows[1].due_on),
                TrancheChange(rows[2].id, 540_000, rows[2].due_on),
            ],
            actor=officer,
        )
    db.session.rollback()
    assert db.session.get(Tranche, tranche.id).amount_pence == 1_350_000


def test_a_request_whose_conditions_lapsed_unseen_is_refused_and_goes_back(
    db, project, officer, finance_client, monkeypatch
):
    from grants.funding.services import conditions

    tranche = _requested(db, project, officer)
    monkeypatch.setitem(conditions.EVALUATORS, "match_confirmed", lambda project, tranche: False)  # the board withdrew
    response = finance_client.post(
        f"/funding/tranches/{tranche.id}", data={"payment_reference": "B-1", "password": PASSWORD}
    )
    assert response.status_code == 400
    assert "conditions are no longer all met, so it cannot be paid" in text(response.get_data(as_text=True))
    stored = db.session.get(Tranche, tranche.id)
    assert (stored.status, stored.requested_by_id) == ("scheduled", None) and _payments(db) == []
    told = db.session.scalars(db.select(Notification).where(Notification.template == "release_lapsed")).all()
    assert sorted(n.recipient_email for n in told) == sorted([officer.email, finance_client.user.email])
    assert "match funding confirmed" in told[0].body_text


def test_changing_the_enabler_keeps_a_pending_request(db, project, officer):
    from grants.enablers.services import reassign_enabler
    from tests.factories import EnablerProfileFactory

    tranche = _requested(db, project, officer)
    reassign_enabler(project, EnablerProfileFactory().user, reason="Moved region", override_reason=None, actor=officer)
    db.session.commit()
    stored = db.session.get(Tranche, tranche.id)
    assert (stored.status, stored.requested_by_id) == ("requested", officer.id)
    assert (
        db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "funding.tranche_conditions_lapsed")).all()
        == []
    )


def test_a_payment_beyond_the_award_is_refused(db, project, officer, finance):
    """Whatever else has been paid (here, a payment recorded against the last tranche), nothing goes
    beyond the award."""
    tranche = _requested(db, project, officer)
    last = tranches(project)[2]
    db.session.execute(
        insert(Payment).values(
            tranche_id=last.id,
            project_id=project.id,
            amount_pence=2_000_000,
            reference="EARLIER",
            requested_by_id=officer.id,
            approved_by_id=finance.id,
        )
    )
    db.session.commit()
    with pytest.raises(FundingError, match="beyond the award of £27,000.00"):
        release.approve_release(tranche, actor=finance, payment_reference="B-1")
    db.session.rollback()
    assert db.session.get(Tranche, tranche.id).status == "requested"


def test_every_money_movement_is_audited(db, project, officer, finance):
    from grants.core.audit import AuditEvent as Event
    from tests.funding.conftest import confirm_match, give_enabler

    issue_and_sign(project, officer)
    record = confirm_match(project, officer)
    from datetime import date

    from grants.funding.services import match

    match.record_match_received(record, actor=finance, received_on=date.today(), reference="HWB-9", upload=None)
    give_enabler(project, officer)
    first = tranches(project)[0]
    release.request_release(first, actor=officer)
    release.return_request(first, actor=finance, reason="Wrong account")
    release.request_release(first, actor=officer)
    release.hold_tranche(first, actor=finance, reason="Checking the account")
    release.resume_tranche(first, actor=officer)
    release.request_release(first, actor=officer)
    release.approve_release(first, actor=finance, payment_reference="B-1")
    db.session.commit()
    actions = db.session.scalars(db.select(Event.action).where(Event.action.like("funding.%")).order_by(Event.id)).all()
    assert actions == [
        "funding.scheduled",
        "funding.agreement_issued",
        "funding.agreement_signed",
        "funding.match_confirmed",
        "funding.match_received",
        "funding.tranche_eligible",
        "funding.release_requested",
        "funding.release_returned",
        "funding.release_requested",
        "funding.tranche_held",
        "funding.tranche_resumed",
        "funding.tranche_eligible",
        "funding.release_requested",
        "funding.tranche_released",
    ]
    returned = db.session.scalars(db.select(Event).where(Event.action == "funding.release_returned")).one()
    assert returned.actor_id == finance.id and returned.after["reason"] == "Wrong account"


def test_an_officer_without_the_finance_role_is_told_they_need_it(db, app, project, officer, officer_client):
    tranche = _requested(db, project, officer)
    for client in (officer_client, sign_in_client(app, UserFactory(roles=[Role.PROGRAMME_OFFICER]))):
        response = client.post(f"/funding/tranches/{tranche.id}", data={"payment_reference": "B", "password": PASSWORD})
        page = text(response.get_data(as_text=True))
        assert response.status_code == 403
        assert "You need the finance approver role to approve a release." in page
        assert "You requested this release" not in page
    assert db.session.get(Tranche, tranche.id).status == "requested" and _payments(db) == []


def test_repeated_posts_answer_409_saying_what_already_happened(
    db, project, officer, finance, officer_client, finance_client
):
    """A second press of request, approve, return, hold or lift: 409, the tranche's page saying what
    happened, no second effect, never a 500, wherever the repeat is caught."""
    tranche = ready_to_request(project, officer)
    url = f"/funding/tranches/{tranche.id}"
    assert officer_client.post(f"{url}/request").status_code == 302
    again = officer_client.post(f"{url}/request")
    assert again.status_code == 409
    assert "The release of tranche 1 has already been requested." in text(again.get_data(as_text=True))
    assert (
        len(db.session.scalars(db.select(Notification).where(Notification.template == "release_requested")).all()) == 1
    )

    assert finance_client.post(url, data={"payment_reference": "B-1", "password": PASSWORD}).status_code == 302
    for response in (
        finance_client.post(url, data={"payment_reference": "B-2", "password": PASSWORD}),
        officer_client.post(f"{url}/request"),
        finance_client.post(f"{url}/return", data={"reason": "Too late"}),
        finance_client.post(f"{url}/hold", data={"reason": "Too late"}),
        officer_client.post(f"{url}/resume"),
    ):
        assert response.status_code == 409
        assert "Tranche 1 has already been released." in text(response.get_data(as_text=True))
    assert len(_payments(db)) == 1 and db.session.get(Tranche, tranche.id).status == "released"

    second = tranches(project)[1]
    assert finance_client.post(f"/funding/tranches/{second.id}/hold", data={"reason": "Audit"}).status_code == 302
    again = finance_client.post(f"/funding/tranches/{second.id}/hold", data={"reason": "Audit"})
    assert again.status_code == 409 and "Tranche 2 is held already." in text(again.get_data(as_text=True))
    assert officer_client.post(f"/funding/tranches/{second.id}/resume").status_code == 302
    again = officer_client.post(f"/funding/tranches/{second.id}/resume")
    assert again.status_code == 409 and "Tranche 2 is not held." in text(again.get_data(as_text=True))
    held = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "funding.tranche_held")).all()
    assert len(held) == 1
