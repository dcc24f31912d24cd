"""The board's match funding: pledged in the bid, confirmed with evidence, received; each step audited,
and confirmation meets the first tranche's condition."""

import io
from datetime import date, timedelta

import pytest

from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from grants.core.times import format_date
from grants.documents.models import Document
from grants.funding.models import MatchFunding
from grants.funding.services import FundingError
from grants.funding.services import match as match_service
from tests.factories import ApplicantFactory, UserFactory
from tests.fixtures.clients import sign_in_client
from tests.funding.conftest import confirm_match, tranches
from tests.helpers import error_summary, field_error, text

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _match(db, project) -> MatchFunding:
    return db.session.scalar(db.select(MatchFunding).where(MatchFunding.project_id == project.id))


def test_confirmation_needs_evidence_and_meets_the_condition(db, project, programme_officer_client):
    url = f"/projects/{project.id}/match/confirm"
    html = programme_officer_client.post(url, data={"note": ""}).get_data(as_text=True)
    assert error_summary(html) == ["Upload the board's confirmation or describe the evidence"]
    assert _match(db, project).status == "pledged"
    response = programme_officer_client.post(
        url, data={"evidence": (io.BytesIO(PDF), "board letter.pdf")}, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    stored = _match(db, project)
    assert stored.status == "confirmed" and stored.confirmed_by_id == programme_officer_client.user.id
    document = db.session.get(Document, stored.confirmation_document_id)
    assert (document.kind, document.application_id) == ("match_confirmation", project.application_id)
    assert next(c for c in tranches(project)[0].conditions if c.kind == "match_confirmed").is_met
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "funding.match_confirmed")).one()
    assert event.after["amount_pence"] == 1_000_000 and event.after["document_id"] == document.id


def test_a_file_that_is_not_a_document_is_refused(db, project, programme_officer_client):
    response = programme_officer_client.post(
        f"/projects/{project.id}/match/confirm",
        data={"evidence": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "letter.pdf")},
        content_type="multipart/form-data",
    )
    assert field_error(response.get_data(as_text=True), "evidence") == "The selected file must be a PDF, DOCX or ODT"
    assert _match(db, project).status == "pledged"


def test_received_money_is_recorded_with_its_date_and_reference(db, project, officer, finance_approver_client):
    url = f"/projects/{project.id}/match/received"
    today = date.today()
    on_today = [str(today.day), str(today.month), str(today.year)]
    page = text(finance_approver_client.get(f"/projects/{project.id}/funding").get_data(as_text=True))
    assert "Record the match funding as received" not in page  # not offered before confirmation
    response = finance_approver_client.get(url)
    assert response.status_code == 302 and response.location.endswith(f"/projects/{project.id}/funding#match")
    response = finance_approver_client.post(
        url, data={"received_on": on_today, "reference": "HWB-1"}, follow_redirects=True
    )
    assert "Confirm the match funding before recording it as received." in text(response.get_data(as_text=True))
    assert _match(db, project).status == "pledged"
    confirm_match(project, officer)
    page = text(finance_approver_client.get(url).get_data(as_text=True))
    assert "confirmation recorded on " + format_date(today) in page and "confirmed on ." not in page
    tomorrow = date.today() + timedelta(days=1)
    html = finance_approver_client.post(
        url, data={"received_on": [str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)], "reference": "HWB-1"}
    ).get_data(as_text=True)
    assert field_error(html, "received_on") == "The date received must be today or in the past"
    response = finance_approver_client.post(url, data={"received_on": on_today, "reference": " HWB-1 "})
    assert response.status_code == 302
    stored = _match(db, project)
    assert (stored.status, stored.received_on, stored.received_reference) == ("received", today, "HWB-1")
    assert db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "funding.match_received")).one()


def test_match_funding_does_not_go_backwards_or_twice(db, project, officer):
    record = confirm_match(project, officer)
    with pytest.raises(FundingError, match="confirmed already"):
        match_service.confirm_match(record, actor=officer, note="Again", upload=None)


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.ENABLER, Role.STEERING_CHAIR])
def test_only_the_programme_team_and_finance_record_match_funding(db, app, project, role):
    user = (
        ApplicantFactory(organisation=project.lead_organisation)
        if role is Role.APPLICANT
        else UserFactory(roles=[role])
    )
    response = sign_in_client(app, user).post(f"/projects/{project.id}/match/confirm", data={"note": "Trust me"})
    assert response.status_code == 403
    assert _match(db, project).status == "pledged"


def test_evidence_is_downloaded_by_those_who_see_the_project_only(db, app, project, officer, programme_officer_client):
    programme_officer_client.post(
        f"/projects/{project.id}/match/confirm",
        data={"evidence": (io.BytesIO(PDF), "board letter.pdf")},
        content_type="multipart/form-data",
    )
    document_id = _match(db, project).confirmation_document_id
    url = f"/projects/{project.id}/funding/documents/{document_id}"
    lead = sign_in_client(app, project.application.lead_applicant).get(url)
    assert lead.status_code == 200 and lead.data == PDF
    assert sign_in_client(app, ApplicantFactory()).get(url).status_code == 404
    other = _another_bids_document()
    assert programme_officer_client.get(f"/projects/{project.id}/funding/documents/{other}").status_code == 404


def _another_bids_document():
    from tests.factories import ApplicationFactory, DocumentFactory

    return DocumentFactory(application_id=ApplicationFactory().id).id


def test_money_may_arrive_before_the_confirmation_is_recorded_but_not_before_the_pledge(
    db, project, officer, finance_approver_client
):
    from grants.core.db import utcnow
    from grants.core.times import to_london

    project.application.submitted_at = utcnow() - timedelta(days=30)  # pledged with the bid, a month ago
    db.session.commit()
    confirm_match(project, officer)
    url = f"/projects/{project.id}/match/received"
    pledged = to_london(project.application.submitted_at).date()
    before_pledge = pledged - timedelta(days=1)
    html = finance_approver_client.post(
        url,
        data={
            "received_on": [str(before_pledge.day), str(before_pledge.month), str(before_pledge.year)],
            "reference": "HWB-1",
        },
    ).get_data(as_text=True)
    assert field_error(html, "received_on") == (
        f"The date received must be on or after {format_date(pledged)}, when the match funding was pledged"
    )
    arrived = pledged + timedelta(days=1)  # before the confirmation was recorded (today)
    assert arrived < date.today()
    response = finance_approver_client.post(
        url, data={"received_on": [str(arrived.day), str(arrived.month), str(arrived.year)], "reference": "HWB-1"}
    )
    assert response.status_code == 302
    assert (_match(db, project).status, _match(db, project).received_on) == ("received", arrived)
    assert finance_approver_client.get(url).status_code == 302  # received already: not offered again


def test_a_project_whose_rounds_form_asks_no_match_funding_waits_for_none(db):
    """An expression of interest funded: no pledge was made, so none is recorded or waited for."""
    from grants.bidforms.default import EXPRESSION_OF_INTEREST
    from grants.funding.models import MatchFunding, Tranche
    from tests.factories import RoundFactory, funded_project

    no_match = RoundFactory(
        form=EXPRESSION_OF_INTEREST,
        match_required_pence=0,
        eligibility={
            "min_partner_sectors": 1,
            "min_confirmed_partners": 0,
            "match_at_least_required": False,
            "min_learning_commitments": 0,
        },
    )
    project = funded_project(no_match)
    assert db.session.scalars(db.select(MatchFunding).where(MatchFunding.project_id == project.id)).all() == []
    first = db.session.scalars(
        db.select(Tranche).where(Tranche.project_id == project.id).order_by(Tranche.sequence)
    ).first()
    assert [condition.kind for condition in first.conditions] == ["agreement_signed", "enabler_assigned"]
    with_match = funded_project()
    assert db.session.scalars(db.select(MatchFunding).where(MatchFunding.project_id == with_match.id)).all() != []
