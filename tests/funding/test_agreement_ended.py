"""An award given up after its agreement was signed ends the signed agreement: no longer in force, its
words, signature and fingerprint kept exactly, still readable and downloadable as signed. The database
lets a signed agreement change only its status (to replaced or ended) and an ended one not at all."""

import pytest
from sqlalchemy import text as sql

from grants.funding.models import AgreementStatus
from grants.funding.services import agreements
from grants.funding.services.agreements import AGREEMENT_WORKFLOW
from grants.funding.services.terms import digest
from grants.projects import ending
from grants.projects.models import ProjectStatus
from tests.funding.conftest import agreement_of, issue_and_sign
from tests.helpers import text

REASON = "The council withdrew its support after the election."


def give_up(db, project, officer):
    """Recorded by the lead applicant, confirmed by the programme officer."""
    recorded = ending.record_withdrawal(project, reason=REASON, actor=project.application.lead_applicant)
    ending.confirm_ending(recorded, actor=officer)
    db.session.commit()
    db.session.expire_all()


def test_the_workflow_ends_only_a_signed_agreement():
    allowed = {(source, target) for source in AgreementStatus for target in AGREEMENT_WORKFLOW.targets(source)}
    assert {(source, target) for source, target in allowed if AgreementStatus.ENDED in (source, target)} == {
        (AgreementStatus.SIGNED, AgreementStatus.ENDED)
    }
    assert not AGREEMENT_WORKFLOW.targets(AgreementStatus.ENDED)


def test_an_award_given_up_after_signature_ends_the_signed_version_and_withdraws_a_variation(db, project, officer):
    issue_and_sign(project, officer)
    agreements.start_variation(project, reason="A later start.", actor=officer)
    agreements.issue_agreement(agreement_of(project, 2), actor=officer)
    db.session.commit()
    give_up(db, project, officer)
    assert project.status == ProjectStatus.WITHDRAWN
    assert agreement_of(project, 1).status == AgreementStatus.ENDED
    assert agreement_of(project, 2).status == AgreementStatus.WITHDRAWN
    assert agreements.signed_agreement(project.id) is None  # nothing is in force


# --- The database's rules ---------------------------------------------------------------------------------

# Each change to a signed agreement's record that the database refuses, whatever code path tries it.
CHANGES_REFUSED = {
    "words": "terms = 'Pay us double'",
    "award": "award_pence = award_pence + 1",
    "schedule": "schedule = NULL",
    "version": "version = 9",
    "signed name": "signed_name = 'Someone else'",
    "signed at": "signed_at = issued_at",
    "signed by": "signed_by_id = issued_by_id",
    "signed from": "signed_ip = '198.51.100.1'",
    "signed with": "signed_user_agent = 'curl'",
    "issued at": "issued_at = signed_at",
    "issued by": "issued_by_id = signed_by_id",
    "variation reason": "variation_reason = 'Another reason'",
    "created at": "created_at = signed_at",
    "replaced when it is not": "superseded_at = signed_at",
    "back to issued": "status = 'issued'",
    "withdrawn": "status = 'withdrawn'",
    "back to draft": "status = 'draft'",
    "ended with new words": "status = 'ended', terms = 'Other terms'",
}


def _update(db, agreement_id: int, assignments: str) -> None:
    with db.session.begin_nested():
        statement = f"UPDATE grant_agreements SET {assignments} WHERE id = :id"  # noqa: S608 - the constants above
        db.session.execute(sql(statement), {"id": agreement_id})


@pytest.mark.parametrize("change", CHANGES_REFUSED.values(), ids=CHANGES_REFUSED.keys())
def test_the_database_refuses_every_other_change_to_a_signed_agreement(db, project, officer, change):
    signed = issue_and_sign(project, officer)
    with pytest.raises(Exception, match="a signed grant agreement cannot be changed"):
        _update(db, signed.id, change)


@pytest.mark.parametrize("change", ["status = 'ended'", "status = 'superseded', superseded_at = signed_at"])
def test_the_database_lets_a_signed_agreement_end_or_be_replaced(db, project, officer, change):
    signed = issue_and_sign(project, officer)
    _update(db, signed.id, change)
    db.session.expire_all()
    assert agreement_of(project).status in (AgreementStatus.ENDED, AgreementStatus.SUPERSEDED)


@pytest.mark.parametrize(
    "change", ["status = 'signed'", "status = 'superseded'", "terms = 'Other terms'", "updated_at = signed_at"]
)
def test_the_database_refuses_any_change_to_an_ended_agreement(db, project, officer, change):
    issue_and_sign(project, officer)
    give_up(db, project, officer)
    ended = agreement_of(project)
    with pytest.raises(Exception, match="a replaced, ended or withdrawn grant agreement cannot be changed"):
        _update(db, ended.id, change)


def test_the_database_refuses_to_delete_an_ended_agreement(db, project, officer):
    issue_and_sign(project, officer)
    give_up(db, project, officer)
    with pytest.raises(Exception, match="a signed grant agreement cannot be deleted"):
        with db.session.begin_nested():
            db.session.execute(sql("DELETE FROM grant_agreements WHERE id = :id"), {"id": agreement_of(project).id})


# --- What people see --------------------------------------------------------------------------------------


def test_the_pages_say_the_signed_agreement_ended(db, client_for, project, officer):
    signed = issue_and_sign(project, officer)
    words, fingerprint = signed.terms, digest(signed.terms)
    give_up(db, project, officer)
    client = client_for(project.application.lead_applicant)
    page = text(client.get(f"/projects/{project.id}/agreement/1").get_data(as_text=True))
    assert "Status Ended: the award was given up" in page
    assert f"Signed {signed.signed_name}," in page and "Ended The award was given up," in page
    assert "Download version 1 as signed (PDF)" in page
    assert agreement_of(project).terms == words and digest(agreement_of(project).terms) == fingerprint
    funding = text(client.get(f"/projects/{project.id}/funding").get_data(as_text=True))
    assert f"Version 1 was signed by {signed.signed_name}" in funding
    assert "It ended when the award was given up" in funding and "no longer in force" in funding
    assert "not been prepared yet" not in funding


def test_the_funding_page_says_an_agreement_given_up_before_signature_was_withdrawn(db, client_for, project, officer):
    agreements.issue_agreement(agreement_of(project), actor=officer)
    give_up(db, project, officer)
    funding = text(client_for(officer).get(f"/projects/{project.id}/funding").get_data(as_text=True))
    assert "The agreement was withdrawn before it was signed." in funding
    assert "not been prepared yet" not in funding
