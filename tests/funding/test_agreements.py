"""The grant agreement: issued, read and signed by the project's lead; never changed once signed;
varied by a new version signed again."""

import pytest
from sqlalchemy import text as sql

from grants.core.audit import AuditEvent
from grants.core.errors import GrantsError
from grants.funding.models import GrantAgreement
from grants.funding.services import FundingError, agreements
from grants.funding.services.schedule import TrancheChange, change_schedule
from grants.funding.services.terms import digest
from grants.notifications.models import Notification
from grants.projects.models import Project
from tests.factories import ApplicantFactory
from tests.fixtures.clients import sign_in_client
from tests.funding.conftest import agreement_of, issue_and_sign, tranches
from tests.helpers import error_summary, field_error, text


def _sign_page(client, project, version=1):
    return client.get(f"/projects/{project.id}/agreement/{version}").get_data(as_text=True)


def _digest_on(html):
    import re

    return re.search(r'name="terms_digest"[^>]*value="([0-9a-f]{64})"', html).group(1)


def test_the_officer_issues_the_agreement_and_the_lead_is_emailed(db, project, programme_officer_client, lead):
    response = programme_officer_client.post(f"/projects/{project.id}/agreement/1/issue")
    assert response.status_code == 302
    agreement = agreement_of(project)
    assert agreement.status == "issued" and agreement.issued_by_id == programme_officer_client.user.id
    assert "Tranche 1: £13,500.00" in agreement.terms and "Publish what we learn." in agreement.terms
    assert agreement.schedule == [[t.sequence, t.amount_pence, t.due_on.isoformat()] for t in tranches(project)]
    email = db.session.scalars(db.select(Notification).where(Notification.template == "agreement_issued")).one()
    assert email.recipient_email == lead.email


def test_the_lead_signs_with_their_name_and_confirmation(db, app, project, officer, lead):
    agreements.issue_agreement(agreement_of(project), actor=officer)
    db.session.commit()
    client = sign_in_client(app, lead)
    html = _sign_page(client, project)
    assert "Sign the agreement" in html
    response = client.post(
        f"/projects/{project.id}/agreement/1/sign",
        data={"full_name": f"  {lead.name.upper()} ", "confirm": "y", "terms_digest": _digest_on(html)},
        headers={"User-Agent": "Firefox/140"},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    assert response.status_code == 302
    agreement = agreement_of(project)
    assert (agreement.status, agreement.signed_by_id, agreement.signed_ip) == ("signed", lead.id, "203.0.113.9")
    assert agreement.signed_name == lead.name.upper() and agreement.signed_user_agent == "Firefox/140"
    assert agreement.signed_at is not None
    assert db.session.get(Project, project.id).status == "active"
    assert tranches(project)[0].conditions[0].is_met  # "agreement signed"
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "funding.agreement_signed")).one()
    assert event.after["terms_sha256"] == digest(agreement.terms) and event.ip_address == "203.0.113.9"


def test_signing_twice_goes_where_the_first_signature_led(db, app, project, officer, lead):
    """A second press, or the form sent again from a second tab: told it is signed, nothing more."""
    agreements.issue_agreement(agreement_of(project), actor=officer)
    db.session.commit()
    client = sign_in_client(app, lead)
    data = {"full_name": lead.name, "confirm": "y", "terms_digest": _digest_on(_sign_page(client, project))}
    first = client.post(f"/projects/{project.id}/agreement/1/sign", data=data)
    again = client.post(f"/projects/{project.id}/agreement/1/sign", data=data)
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "Version 1 of the grant agreement has already been signed." in page
    signed = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "funding.agreement_signed")).all()
    assert len(signed) == 1


def test_a_signature_needs_the_right_name_and_the_confirmation(db, app, project, officer, lead):
    agreements.issue_agreement(agreement_of(project), actor=officer)
    db.session.commit()
    client = sign_in_client(app, lead)
    good = _digest_on(_sign_page(client, project))
    html = client.post(
        f"/projects/{project.id}/agreement/1/sign",
        data={"full_name": "Someone Else", "confirm": "y", "terms_digest": good},
    ).get_data(as_text=True)
    assert field_error(html, "full_name") == f"Type your full name as it is on your account: {lead.name}"
    html = client.post(
        f"/projects/{project.id}/agreement/1/sign", data={"full_name": lead.name, "terms_digest": good}
    ).get_data(as_text=True)
    assert field_error(html, "confirm") == "Confirm that you agree to the terms for your organisation"
    assert agreement_of(project).status == "issued"
    refusals = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "funding.signature_refused")).all()
    assert len(refusals) == 2


def test_words_that_changed_while_being_read_are_not_signed(db, app, project, officer, lead):
    agreements.issue_agreement(agreement_of(project), actor=officer)
    db.session.commit()
    client = sign_in_client(app, lead)
    read = _digest_on(_sign_page(client, project))
    rows = tranches(project)
    change_schedule(
        project,
        [
            TrancheChange(rows[0].id, 1_000_000, rows[0].due_on),
            TrancheChange(rows[1].id, 1_160_000, rows[1].due_on),
            TrancheChange(rows[2].id, 540_000, rows[2].due_on),
        ],
        actor=officer,
    )
    db.session.commit()
    response = client.post(
        f"/projects/{project.id}/agreement/1/sign", data={"full_name": lead.name, "confirm": "y", "terms_digest": read}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error_summary(html) == [
        "The agreement changed while you were reading it. Read the new version before you sign."
    ]
    assert "Tranche 1: £10,000.00" in text(html)  # the new words are shown, to read again
    assert agreement_of(project).status == "issued"


def test_only_the_lead_applicant_signs(db, app, project, officer):
    agreements.issue_agreement(agreement_of(project), actor=officer)
    db.session.commit()
    colleague = ApplicantFactory(organisation=project.lead_organisation)
    client = sign_in_client(app, colleague)
    html = _sign_page(client, project)
    assert "Sign the agreement" not in text(html)
    response = client.post(
        f"/projects/{project.id}/agreement/1/sign",
        data={"full_name": colleague.name, "confirm": "y", "terms_digest": _digest_on_agreement(project)},
    )
    assert response.status_code == 403
    stranger = sign_in_client(app, ApplicantFactory())
    assert stranger.get(f"/projects/{project.id}/agreement/1").status_code == 404
    assert agreement_of(project).status == "issued"


def _digest_on_agreement(project):
    return digest(agreement_of(project).terms)


def test_a_draft_is_the_programme_teams_until_issued(db, app, project, lead, programme_officer_client):
    assert sign_in_client(app, lead).get(f"/projects/{project.id}/agreement/1").status_code == 404
    assert "This is a preview of the draft" in text(_sign_page(programme_officer_client, project))


def test_a_signed_agreement_cannot_be_edited(db, project, officer):
    agreement = issue_and_sign(project, officer)
    with pytest.raises(GrantsError, match="signed cannot become issued"):
        agreements.issue_agreement(agreement, actor=officer)
    db.session.rollback()
    with pytest.raises(FundingError, match="Start a variation"):
        change_schedule(
            project, [TrancheChange(t.id, t.amount_pence, t.due_on) for t in tranches(project)], actor=officer
        )
    db.session.rollback()
    # Nor by any code path at all: the database refuses.
    with pytest.raises(Exception, match="a signed grant agreement cannot be changed"):
        with db.session.begin_nested():
            db.session.execute(
                sql("UPDATE grant_agreements SET terms = 'Pay us double' WHERE id = :id"), {"id": agreement.id}
            )
    db.session.rollback()
    assert "Pay us double" not in agreement_of(project).terms


def test_a_variation_is_a_new_version_that_replaces_the_signed_one_when_signed(
    db, project, officer, programme_officer_client
):
    issue_and_sign(project, officer)
    response = programme_officer_client.post(
        f"/projects/{project.id}/agreement/variation", data={"reason": "Later start"}
    )
    assert response.status_code == 302
    draft = agreement_of(project, 2)
    assert (draft.status, draft.variation_reason) == ("draft", "Later start")
    assert agreement_of(project, 1).status == "signed"  # still in force
    rows = tranches(project)
    change_schedule(
        project,
        [
            TrancheChange(rows[0].id, 1_350_000, rows[0].due_on),
            TrancheChange(rows[1].id, 540_000, rows[1].due_on),
            TrancheChange(rows[2].id, 810_000, rows[2].due_on),
        ],
        actor=officer,
    )
    db.session.commit()
    issue_and_sign(project, officer, version=2)
    assert [a.status for a in agreements.agreements_of(project.id)] == ["signed", "superseded"]
    assert agreement_of(project, 2).schedule[1][1] == 540_000
    assert agreement_of(project, 1).schedule[1][1] == 810_000  # the old words are kept as they were signed


def test_a_withdrawn_variation_puts_the_signed_schedule_back(db, project, officer):
    issue_and_sign(project, officer)
    agreements.start_variation(project, reason="Try a new split", actor=officer)
    rows = tranches(project)
    change_schedule(
        project,
        [
            TrancheChange(rows[0].id, 1_000_000, rows[0].due_on),
            TrancheChange(rows[1].id, 1_160_000, rows[1].due_on),
            TrancheChange(rows[2].id, 540_000, rows[2].due_on),
        ],
        actor=officer,
    )
    agreements.withdraw_variation(agreement_of(project, 2), actor=officer)
    db.session.commit()
    assert [t.amount_pence for t in tranches(project)] == [1_350_000, 810_000, 540_000]
    assert agreement_of(project, 2).status == "withdrawn"
    with pytest.raises(FundingError, match="cannot be withdrawn"):
        agreements.withdraw_variation(agreement_of(project, 1), actor=officer)


def test_only_a_signed_agreement_is_varied_and_one_variation_at_a_time(db, project, officer):
    with pytest.raises(FundingError, match="Only a signed agreement can be varied"):
        agreements.start_variation(project, reason="Why not", actor=officer)
    issue_and_sign(project, officer)
    agreements.start_variation(project, reason="First", actor=officer)
    with pytest.raises(FundingError, match="already being prepared"):
        agreements.start_variation(project, reason="Second", actor=officer)
    assert (
        db.session.scalar(db.select(db.func.count(GrantAgreement.id)).where(GrantAgreement.project_id == project.id))
        == 2
    )


def test_a_rounds_agreement_terms_use_only_known_placeholders(db, project, programme_officer_client, officer):
    url = f"/manage/rounds/{project.round_id}/agreement-terms"
    html = programme_officer_client.post(url, data={"template": "Pay {{ award }} to {{ bank_account }}"}).get_data(
        as_text=True
    )
    assert field_error(html, "template").startswith("{{ bank_account }} is not a placeholder the service knows")
    assert (
        programme_officer_client.post(
            url, data={"template": "{{ lead_organisation }} receives {{ award }}."}
        ).status_code
        == 302
    )
    agreements.issue_agreement(agreement_of(project), actor=officer)
    assert agreement_of(project).terms == f"{project.lead_organisation.name} receives £27,000.00."


def test_a_variation_withdrawn_before_it_was_issued_stays_with_the_programme_team(db, app, project, officer, lead):
    issue_and_sign(project, officer)
    agreements.start_variation(project, reason="Internal idea", actor=officer)
    agreements.withdraw_variation(agreement_of(project, 2), actor=officer)
    db.session.commit()
    client = sign_in_client(app, lead)
    assert client.get(f"/projects/{project.id}/agreement/2").status_code == 404
    assert "Version 2" not in text(client.get(f"/projects/{project.id}/funding").get_data(as_text=True))


def test_a_signed_agreement_cannot_be_deleted(db, project, officer):
    agreement = issue_and_sign(project, officer)
    with pytest.raises(Exception, match="a signed grant agreement cannot be deleted"):
        with db.session.begin_nested():
            db.session.execute(sql("DELETE FROM grant_agreements WHERE id = :id"), {"id": agreement.id})
    assert agreement_of(project).status == "signed"


def test_the_services_check_who_acts_too(db, project, lead):
    with pytest.raises(FundingError, match="Only a programme officer can issue an agreement"):
        agreements.issue_agreement(agreement_of(project), actor=lead)
    db.session.rollback()
    rows = tranches(project)
    with pytest.raises(FundingError, match="Only a programme officer can change the tranche schedule"):
        change_schedule(project, [TrancheChange(t.id, t.amount_pence, t.due_on) for t in rows], actor=lead)
    db.session.rollback()
    assert agreement_of(project).status == "draft"


def test_withdrawing_a_variation_is_confirmed_first(db, project, officer, programme_officer_client):
    issue_and_sign(project, officer)
    agreements.start_variation(project, reason="Try", actor=officer)
    db.session.commit()
    page = programme_officer_client.get(f"/projects/{project.id}/agreement/2/withdraw").get_data(as_text=True)
    assert "Withdraw version 2 of the agreement?" in text(page)
    assert agreement_of(project, 2).status == "draft"
    assert programme_officer_client.post(f"/projects/{project.id}/agreement/2/withdraw").status_code == 302
    assert agreement_of(project, 2).status == "withdrawn"
