"""What a tranche waits for: met from the service's own records as things happen, or confirmed by
the condition's owner; all met, the tranche is eligible and the programme officers are told."""

import pytest

from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from grants.enablers.services import end_assignment
from grants.funding.models import TrancheCondition
from grants.funding.services import FundingError
from grants.funding.services import conditions as conditions_service
from grants.notifications.models import Notification
from tests.factories import EnablerProfileFactory, UserFactory, assign
from tests.fixtures.clients import sign_in_client
from tests.funding.conftest import confirm_match, give_enabler, issue_and_sign, ready_to_request, tranches
from tests.helpers import field_error, text


def _kinds(tranche):
    return {condition.kind: condition.is_met for condition in tranche.conditions}


def test_each_tranche_starts_with_the_default_conditions(db, project):
    first, second, last = tranches(project)
    assert _kinds(first) == {"agreement_signed": False, "match_confirmed": False, "enabler_assigned": False}
    assert _kinds(second) == {"report_accepted": False}
    assert _kinds(last) == {"report_accepted": False, "learning_evidenced": False}
    assert {t.status for t in (first, second, last)} == {"scheduled"}


def test_conditions_are_met_as_things_happen_and_the_officers_are_told(db, project, officer):
    other_officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    issue_and_sign(project, officer)
    assert _kinds(tranches(project)[0])["agreement_signed"] is True
    confirm_match(project, officer)
    assert tranches(project)[0].status == "scheduled"
    give_enabler(project, officer)  # the enabler area says so; funding hears it
    first = tranches(project)[0]
    assert first.status == "eligible" and first.eligible_at is not None
    told = db.session.scalars(db.select(Notification).where(Notification.template == "tranche_eligible")).all()
    assert sorted(n.recipient_email for n in told) == sorted([officer.email, other_officer.email])
    assert db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.action == "funding.tranche_eligible")).all()


def test_a_condition_that_stops_holding_makes_the_tranche_wait_again(db, project, officer):
    ready_to_request(project, officer)
    end_assignment(project, reason="Enabler left the programme", actor=officer)
    db.session.commit()
    first = tranches(project)[0]
    assert (first.status, _kinds(first)["enabler_assigned"]) == ("scheduled", False)
    lapsed = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "funding.tranche_conditions_lapsed")
    ).one()
    assert lapsed.after["unmet"] == ["Enabler assigned"]


def test_a_custom_condition_is_confirmed_by_its_owner_only(db, app, project, officer):
    enabler = EnablerProfileFactory().user
    assign(project, enabler)
    second = tranches(project)[1]
    condition = conditions_service.add_condition(
        second, kind="custom", description="Systems map shared with the board", owner=enabler, actor=officer
    )
    db.session.commit()
    assert sign_in_client(app, officer).get(f"/funding/conditions/{condition.id}/confirm").status_code == 403
    other_enabler = EnablerProfileFactory().user
    assert sign_in_client(app, other_enabler).get(f"/funding/conditions/{condition.id}/confirm").status_code == 404
    client = sign_in_client(app, enabler)
    assert "Systems map shared with the board" in text(client.get("/enabler").get_data(as_text=True))  # what is due
    html = client.post(f"/funding/conditions/{condition.id}/confirm", data={"note": " "}).get_data(as_text=True)
    assert field_error(html, "note") == "Say how the condition was met"
    assert (
        client.post(f"/funding/conditions/{condition.id}/confirm", data={"note": "Shared on 3 May."}).status_code == 302
    )
    stored = db.session.get(TrancheCondition, condition.id)
    assert (stored.met_by_id, stored.note) == (enabler.id, "Shared on 3 May.")


def test_a_custom_condition_needs_a_description_and_an_owner_who_can_confirm_it(db, project, officer):
    second = tranches(project)[1]
    with pytest.raises(FundingError, match="Describe the condition"):
        conditions_service.add_condition(second, kind="custom", description=" ", owner=officer, actor=officer)
    outsider = UserFactory(roles=[Role.STEERING_MEMBER])
    with pytest.raises(FundingError, match="Choose who confirms"):
        conditions_service.add_condition(second, kind="custom", description="Something", owner=outsider, actor=officer)
    with pytest.raises(FundingError, match="already waits for this"):
        conditions_service.add_condition(second, kind="report_accepted", description=None, owner=None, actor=officer)


def test_a_condition_confirmed_by_hand_before_it_became_automatic_stays_confirmed(db, app, project, officer):
    """Before reports and learning were in the service, officers confirmed them by hand. The evaluator
    does not undo those decisions (a tranche would be pulled back); an officer can still reopen one."""
    from grants.core.db import utcnow

    last = tranches(project)[2]
    learning = next(c for c in last.conditions if c.kind == "learning_evidenced")
    assert conditions_service.is_automatic("learning_evidenced")
    client = sign_in_client(app, officer)
    response = client.post(f"/funding/conditions/{learning.id}/confirm", data={"note": "Case study published"})
    assert response.status_code == 403  # automatic now: nobody confirms it by hand
    learning.met_at, learning.met_by_id, learning.note = utcnow(), officer.id, "Case study published"
    db.session.commit()
    conditions_service.evaluate_project(project, actor=officer)
    db.session.commit()
    assert db.session.get(TrancheCondition, learning.id).is_met  # no published item, but kept
    response = client.post(f"/funding/conditions/{learning.id}/reopen", data={"reason": "Confirmed by mistake"})
    assert response.status_code == 302 and not db.session.get(TrancheCondition, learning.id).is_met


def test_built_in_conditions_are_not_confirmed_by_hand(db, app, project, officer):
    first = tranches(project)[0]
    signed = next(c for c in first.conditions if c.kind == "agreement_signed")
    assert (
        sign_in_client(app, officer)
        .post(f"/funding/conditions/{signed.id}/confirm", data={"note": "Trust me"})
        .status_code
        == 403
    )
    assert not db.session.get(TrancheCondition, signed.id).is_met


def test_removing_the_last_unmet_condition_makes_the_tranche_eligible(db, project, officer):
    first = ready_to_request(project, officer)
    added = conditions_service.add_condition(
        first, kind="custom", description="Bank details checked", owner=officer, actor=officer
    )
    db.session.commit()
    assert tranches(project)[0].status == "scheduled"
    conditions_service.remove_condition(added, actor=officer)
    db.session.commit()
    assert tranches(project)[0].status == "eligible"
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "funding.condition_removed")).one()
    assert event.before["kind"] == "custom"


@pytest.mark.parametrize(
    "kind", ["agreement_signed", "match_confirmed", "enabler_assigned", "report_accepted", "learning_evidenced"]
)
def test_a_built_in_condition_cannot_be_removed_by_anyone(db, app, project, officer, kind):
    condition = next(c for t in tranches(project) for c in t.conditions if c.kind == kind)
    condition_id = condition.id
    with pytest.raises(FundingError, match="cannot be removed"):
        conditions_service.remove_condition(condition, actor=officer)
    db.session.rollback()
    client = sign_in_client(app, officer)
    assert client.get(f"/funding/conditions/{condition_id}/remove").status_code == 302  # not offered
    page = text(client.post(f"/funding/conditions/{condition_id}/remove", follow_redirects=True).get_data(as_text=True))
    assert "cannot be removed" in page
    assert db.session.get(TrancheCondition, condition_id) is not None
    refusal = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "funding.condition_refused")).one()
    assert refusal.object_id == str(condition_id) and "cannot be removed" in refusal.after["reason"]
    assert db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "funding.condition_removed")).all() == []
    funding_page = text(client.get(f"/projects/{project.id}/funding").get_data(as_text=True))
    assert f"Remove {condition.label}" not in funding_page


def test_an_evaluator_registered_by_another_area_is_used(db, project, officer, monkeypatch):
    monkeypatch.setitem(conditions_service.EVALUATORS, "learning_evidenced", lambda project, tranche: True)
    ready_to_request(project, officer)
    assert _kinds(tranches(project)[2])["learning_evidenced"] is True
    with pytest.raises(ValueError, match="not a built-in condition"):
        conditions_service.register_evaluator("custom", lambda project, tranche: True)


def test_the_applicant_sees_what_each_tranche_waits_for(db, app, project, officer, lead):
    issue_and_sign(project, officer)
    html = text(sign_in_client(app, lead).get(f"/projects/{project.id}/funding").get_data(as_text=True))
    assert "Tranche 1: £13,500.00 Waiting for conditions" in html
    assert "Met Grant agreement signed" in html and "Waiting Match funding confirmed" in html
    assert "Waiting Enabler assigned" in html
    assert "Request release" not in html and "Add a condition" not in html  # staff actions are not offered


def test_a_condition_whose_owner_has_moved_on_is_confirmed_by_a_programme_officer(db, app, project, officer):
    enabler = give_enabler(project, officer)
    condition = conditions_service.add_condition(
        tranches(project)[1], kind="custom", description="Systems map shared", owner=enabler, actor=officer
    )
    db.session.commit()
    officer_client = sign_in_client(app, officer)
    assert officer_client.get(f"/funding/conditions/{condition.id}/confirm").status_code == 403  # the owner can
    end_assignment(project, reason="Left the programme", actor=officer)
    db.session.commit()
    page = text(officer_client.get(f"/projects/{project.id}/funding").get_data(as_text=True))
    assert "who no longer can: a programme officer confirms it instead" in page
    response = officer_client.post(f"/funding/conditions/{condition.id}/confirm", data={"note": "Seen the map"})
    assert response.status_code == 302 and db.session.get(TrancheCondition, condition.id).met_by_id == officer.id


def test_removing_a_condition_is_confirmed_first(db, project, officer, programme_officer_client):
    added = conditions_service.add_condition(
        tranches(project)[1], kind="custom", description="Systems map shared", owner=officer, actor=officer
    )
    db.session.commit()
    added_id = added.id
    page = text(programme_officer_client.get(f"/funding/conditions/{added_id}/remove").get_data(as_text=True))
    assert "Remove “Systems map shared” from tranche 2?" in page
    assert db.session.get(TrancheCondition, added_id) is not None
    assert programme_officer_client.post(f"/funding/conditions/{added_id}/remove").status_code == 302
    assert db.session.scalar(db.select(TrancheCondition.id).where(TrancheCondition.id == added_id)) is None


def test_the_new_condition_form_offers_what_the_tranche_does_not_wait_for_yet(db, project, programme_officer_client):
    second = tranches(project)[1]
    html = programme_officer_client.get(f"/funding/tranches/{second.id}/conditions/new").get_data(as_text=True)
    assert 'value="report_accepted"' not in html and 'value="match_confirmed"' in html
    # The description and owner are asked for another condition, shown rather than revealed: a
    # revealing radio would carry aria-expanded, which ARIA does not allow on a radio.
    assert 'id="description"' in html and 'id="owner_id"' in html
    assert "data-aria-controls" not in html and "For another condition" in html


def test_the_report_condition_names_the_reports_it_waits_for(db, app, project, officer):
    from grants.monitoring.models import ProgressReport

    second, last = tranches(project)[1], tranches(project)[2]
    reports = db.session.scalars(
        db.select(ProgressReport).where(ProgressReport.project_id == project.id).order_by(ProgressReport.sequence)
    ).all()
    waited = [r for r in reports if not r.is_final and r.period_end < second.due_on] or reports[:1]
    assert len(waited) == 2  # two quarters end before the second tranche is due

    def period(report):
        start = f"{report.period_start:%B}" + (
            "" if report.period_start.year == report.period_end.year else f" {report.period_start:%Y}"
        )
        return f"{start} to {report.period_end:%B %Y}"

    wording = f"Progress reports for {period(waited[0])} and {period(waited[1])} accepted"
    assert second.conditions[0].label == wording
    assert last.conditions[0].label.endswith("and the final report accepted")
    page = text(sign_in_client(app, officer).get(f"/projects/{project.id}/funding").get_data(as_text=True))
    assert f"Waiting {wording}" in page
    # Once one is accepted, the condition names the one it still waits for.
    from grants.core.db import utcnow

    waited[0].submitted_at, waited[0].submitted_by_id = utcnow(), project.application.lead_applicant_id
    waited[0].status, waited[0].reviewed_at, waited[0].reviewed_by_id = "accepted", utcnow(), officer.id
    db.session.flush()
    assert second.conditions[0].label == f"Progress report for {period(waited[1])} accepted"
