"""Each signed version of a grant agreement, as a PDF to keep: the words exactly as signed, the schedule,
who signed, when, and the fingerprint of the words; for those who may see the agreement, and only for a
version someone signed."""

import pytest

from grants.core.permissions import Role
from grants.funding.services.schedule import TrancheChange, change_schedule
from grants.funding.services.terms import digest
from grants.reviews.models import ConflictDeclaration
from tests.factories import ApplicantFactory, EnablerProfileFactory, UserFactory, assign, funded_project
from tests.funding.conftest import agreement_of, issue_and_sign, tranches
from tests.pdfs.reading import downloads, filename_of, read_pdf, squeeze

DOWNLOADED = "funding.pdf_downloaded"

# Words an officer wrote for the round: spacing, a line of markup and more than a page of clauses.
TERMS = (
    "GRANT AGREEMENT {{ reference }} (version {{ version }})\n\n"
    "   Indented   clause, with  double spaces.\n"
    "The grant of {{ award }} is paid as follows:\n{{ tranche_schedule }}\n\n"
    '<b>Not bold</b> & <img src="http://192.0.2.1/x.png"> stay words.\n\n'
    + "\n".join(f"{n}. Clause {n}: the partners keep their promise number {n}." for n in range(1, 90))
)


@pytest.fixture
def project(db):
    project = funded_project()
    project.round.agreement_template = TERMS
    db.session.commit()
    return project


@pytest.fixture
def signed(db, project, officer):
    return issue_and_sign(project, officer)


def url(project, version=1) -> str:
    return f"/projects/{project.id}/agreement/{version}.pdf"


def test_the_signed_words_fingerprint_and_signature_are_in_the_pdf(db, client_for, project, signed):
    lead = project.application.lead_applicant
    response = client_for(lead).get(url(project))
    document = read_pdf(response)
    assert filename_of(response) == f"{project.reference}-grant-agreement-v1-signed.pdf"
    assert document.pages > 1  # the words run over pages, and lose nothing at the breaks
    assert squeeze(signed.terms) in document.words
    assert "89. Clause 89: the partners keep their promise number 89." in document.words
    assert '<b>Not bold</b> & <img src="http://192.0.2.1/x.png"> stay words.' in document.words
    assert digest(signed.terms) in document.words
    assert f"Signed as {signed.signed_name}" in document.words
    assert f"Signed by {lead.name}, for {project.lead_organisation.name}" in document.words
    assert "£27,000.00" in document.words
    first = tranches(project)[0]
    assert "£13,500.00" in document.words and str(first.due_on.year) in document.words  # the schedule


def test_the_pdf_is_tagged_with_its_title_and_language(db, client_for, project, signed):
    document = read_pdf(client_for(project.application.lead_applicant).get(url(project)))
    assert document.title == f"{project.reference} grant agreement, version 1, signed"
    assert document.lang == "en-GB"
    assert document.tagged


def test_a_replaced_version_keeps_the_words_signed_then(db, client_for, project, signed, officer):
    from grants.funding.services import agreements

    agreements.start_variation(project, reason="Later start", actor=officer)
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
    second = issue_and_sign(project, officer, version=2)
    client = client_for(project.application.lead_applicant)
    old, new = read_pdf(client.get(url(project, 1))).words, read_pdf(client.get(url(project, 2))).words
    first = agreement_of(project, 1)
    assert "Status Replaced by a later version" in old and "Why it changed" not in old
    assert squeeze(first.terms) in old and digest(first.terms) in old
    assert "Tranche 2: £8,100.00" in old and "Tranche 2: £5,400.00" not in old
    assert "Status Signed" in new and "Why it changed Later start" in new
    assert squeeze(second.terms) in new and digest(second.terms) in new
    assert "Tranche 2: £5,400.00" in new and "Tranche 2: £8,100.00" not in new


def test_each_download_is_in_the_audit_trail(db, client_for, project, signed):
    lead = project.application.lead_applicant
    client_for(lead).get(url(project))
    (event,) = downloads(DOWNLOADED, signed.id)
    assert (event.actor_id, event.object_type) == (lead.id, "grant_agreement")
    assert event.after == {
        "document": "signed grant agreement",
        "version": 1,
        "filename": f"{project.reference}-grant-agreement-v1-signed.pdf",
    }


def test_those_who_see_the_agreement_may_download_it(db, client_for, project, signed):
    enabler = EnablerProfileFactory().user
    assign(project, enabler)
    people = [
        ApplicantFactory(organisation=project.lead_organisation),
        enabler,
        UserFactory(roles=[Role.PROGRAMME_OFFICER]),
        UserFactory(roles=[Role.FINANCE_APPROVER]),
        UserFactory(roles=[Role.STEERING_MEMBER]),
    ]
    for person in people:
        assert read_pdf(client_for(person).get(url(project))).tagged


def test_nobody_else_learns_it_exists(db, client_for, project, signed):
    conflicted = UserFactory(roles=[Role.STEERING_MEMBER])
    db.session.add(
        ConflictDeclaration(
            application_id=project.application_id, reviewer_id=conflicted.id, has_conflict=True, nature="Trustee"
        )
    )
    db.session.commit()
    for person in (ApplicantFactory(), EnablerProfileFactory().user, conflicted, UserFactory(roles=[Role.ADMIN])):
        assert client_for(person).get(url(project)).status_code == 404, person.roles
    assert client_for(project.application.lead_applicant).get(url(funded_project())).status_code == 404
    assert downloads(DOWNLOADED, signed.id) == []


def test_a_version_never_signed_has_no_pdf(db, client_for, project, officer):
    from grants.funding.services import agreements

    lead = project.application.lead_applicant
    officer_client = client_for(officer)
    assert officer_client.get(url(project)).status_code == 404  # a draft
    agreements.issue_agreement(agreement_of(project), actor=officer)
    db.session.commit()
    assert client_for(lead).get(url(project)).status_code == 404  # issued, waiting for signature
    assert officer_client.get(url(project, 7)).status_code == 404  # no such version
    assert downloads(DOWNLOADED, agreement_of(project).id) == []


def test_the_agreement_page_links_to_its_pdf_once_signed(db, client_for, project, officer):
    from grants.funding.services import agreements

    lead = client_for(project.application.lead_applicant)
    agreements.issue_agreement(agreement_of(project), actor=officer)
    db.session.commit()
    page = f"/projects/{project.id}/agreement/1"
    assert url(project) not in lead.get(page).get_data(as_text=True)
    agreement = agreement_of(project)
    agreements.sign_agreement(
        agreement,
        actor=lead.user,
        typed_name=lead.user.name,
        confirmed=True,
        terms_digest=digest(agreement.terms),
        ip_address="192.0.2.1",
        user_agent="pytest",
    )
    db.session.commit()
    assert url(project) in lead.get(page).get_data(as_text=True)


def test_an_agreement_ended_when_the_award_was_given_up_is_still_the_document_signed(db, client_for, project, signed):
    from grants.projects import ending

    lead = project.application.lead_applicant
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    ending.confirm_ending(ending.record_withdrawal(project, reason="No longer", actor=lead), actor=officer)
    db.session.commit()
    response = client_for(lead).get(url(project))
    document = read_pdf(response)
    assert filename_of(response) == f"{project.reference}-grant-agreement-v1-signed.pdf"
    assert "Status Ended: the award was given up" in document.words
    assert "Ended The award was given up," in document.words
    assert squeeze(signed.terms) in document.words and digest(signed.terms) in document.words
    assert f"Signed as {signed.signed_name}" in document.words
