"""Every refused change to a project's money is audited exactly once, shown next to the field the service
names, and a second press of the same button never answers 500."""

import pytest

from grants.core.audit import AuditEvent
from grants.funding.models import GrantAgreement, Tranche
from grants.funding.services import agreements, release
from grants.funding.services.terms import digest
from tests.factories import PASSWORD
from tests.fixtures.clients import sign_in_client
from tests.funding.conftest import agreement_of, ready_to_request, tranches
from tests.helpers import field_error, text


@pytest.fixture
def finance_client(app, finance):
    return sign_in_client(app, finance)


def _count(db, action) -> int:
    return db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(AuditEvent.action == action))


def _schedule_data(rows, amounts):
    data = {}
    for index, (tranche, amount) in enumerate(zip(rows, amounts, strict=True)):
        data[f"tranches-{index}-tranche_id"] = str(tranche.id)
        data[f"tranches-{index}-amount"] = amount
        data[f"tranches-{index}-due_on"] = [
            str(tranche.due_on.day),
            str(tranche.due_on.month),
            str(tranche.due_on.year),
        ]
    return data


def test_a_refused_schedule_is_audited_once_and_shown_on_the_tranche_it_names(db, project, programme_officer_client):
    """The service names ``tranche:2:amount_pence``; the page shows it on the second row's amount."""
    rows = tranches(project)
    url = f"/projects/{project.id}/funding/schedule"
    response = programme_officer_client.post(url, data=_schedule_data(rows, ["27,000", "0", "0"]))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "tranches-1-amount") == "Tranche 2 must be more than £0"
    assert field_error(html, "tranches-0-amount") is None
    assert _count(db, "funding.schedule_change_refused") == 1
    assert [t.amount_pence for t in tranches(project)] == [1_350_000, 810_000, 540_000]


def test_a_wrong_password_is_audited_once_as_such_and_once_as_a_refused_release(db, project, officer, finance_client):
    tranche = ready_to_request(project, officer)
    release.request_release(tranche, actor=officer)
    db.session.commit()
    response = finance_client.post(
        f"/funding/tranches/{tranche.id}", data={"payment_reference": "B-1", "password": "wrong"}
    )
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "password").startswith("The password is not right")
    assert _count(db, "auth.reauthentication_failed") == 1
    assert _count(db, "funding.release_refused") == 1
    assert db.session.get(Tranche, tranche.id).status == "requested"


def test_a_refused_approval_before_the_password_is_audited_once(db, app, project, officer):
    """Asked of someone without the finance role: 403 on the tranche's page, one refusal, no access error."""
    tranche = ready_to_request(project, officer)
    release.request_release(tranche, actor=officer)
    db.session.commit()
    response = sign_in_client(app, officer).post(
        f"/funding/tranches/{tranche.id}", data={"payment_reference": "B-1", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "You need the finance approver role" in text(response.get_data(as_text=True))
    assert _count(db, "funding.release_refused") == 1


def test_unknown_placeholders_in_a_rounds_terms_are_refused_once(db, project, programme_officer_client):
    url = f"/manage/rounds/{project.round_id}/agreement-terms"
    response = programme_officer_client.post(url, data={"template": "Pay {{ award }} to {{ sort_code }}"})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "template").startswith("{{ sort_code }} is not a placeholder")
    assert _count(db, "round.agreement_terms_refused") == 1
    assert _count(db, "round.agreement_terms_changed") == 0


def test_pressing_issue_twice_is_refused_once_and_never_a_500(db, project, programme_officer_client):
    url = f"/projects/{project.id}/agreement/1/issue"
    first = programme_officer_client.post(url)
    again = programme_officer_client.post(url)
    assert (first.status_code, again.status_code) == (302, 302)
    assert again.headers["Location"] == first.headers["Location"]
    assert agreement_of(project).status == "issued"
    assert _count(db, "funding.agreement_issued") == 1 and _count(db, "funding.issue_refused") == 1


def test_a_repeated_signature_is_refused_once(db, app, project, officer):
    agreements.issue_agreement(agreement_of(project), actor=officer)
    db.session.commit()
    lead = project.application.lead_applicant
    client = sign_in_client(app, lead)
    data = {"full_name": lead.name, "confirm": "y", "terms_digest": digest(agreement_of(project).terms)}
    assert client.post(f"/projects/{project.id}/agreement/1/sign", data=data).status_code == 302
    assert client.post(f"/projects/{project.id}/agreement/1/sign", data=data).status_code == 303
    assert _count(db, "funding.signature_refused") == 1
    assert (
        db.session.scalar(db.select(GrantAgreement.status).where(GrantAgreement.project_id == project.id)) == "signed"
    )
