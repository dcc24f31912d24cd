"""Every download of data that is not public tells browsers and proxies to keep no copy."""

import pytest

from grants.core.permissions import Role
from grants.documents import storage
from grants.documents.models import Document
from grants.funding.services.match import match_of
from grants.learning.models import LearningCommitment
from grants.progress import services as progress_services
from tests.factories import UserFactory, funded_project

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def assert_not_kept(response):
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Cache-Control"] == "no-store"
    assert "Expires" not in response.headers


@pytest.fixture
def officer_client(db, client_for):
    return client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER]))


@pytest.fixture
def project(db):
    return funded_project()


def _document(db, project, kind="match_evidence") -> Document:
    stored_name, sha256 = storage.store_bytes(PDF, "pdf")
    document = Document(
        application_id=project.application_id,
        kind=kind,
        original_filename="letter.pdf",
        stored_name=stored_name,
        content_type="application/pdf",
        size_bytes=len(PDF),
        sha256=sha256,
    )
    db.session.add(document)
    db.session.flush()
    return document


@pytest.mark.parametrize(
    "path",
    [
        "/manage/applications/export.csv",
        "/funding/tranches.csv",
        "/open-data/360giving.json",
        "/open-data/360giving.csv",
    ],
)
def test_officer_downloads_are_not_kept(db, officer_client, project, path):
    assert_not_kept(officer_client.get(path))


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_the_progress_report_downloads_are_not_kept(db, officer_client, project, extension):
    compilation = progress_services.run_compile()
    assert_not_kept(officer_client.get(f"/progress/{compilation.id}.{extension}"))


def test_a_bids_document_is_not_kept(db, client_for, project):
    document = _document(db, project)
    db.session.commit()
    lead = client_for(project.application.lead_applicant)
    assert_not_kept(lead.get(f"/applications/{project.application_id}/documents/{document.id}"))


def test_a_match_funding_document_is_not_kept(db, client_for, project):
    match = match_of(project.id)
    match.evidence_document_id = _document(db, project).id
    db.session.commit()
    lead = client_for(project.application.lead_applicant)
    assert_not_kept(lead.get(f"/projects/{project.id}/funding/documents/{match.evidence_document_id}"))


def test_learning_evidence_is_not_kept(db, client_for, project):
    commitment = db.session.scalars(
        db.select(LearningCommitment).where(LearningCommitment.project_id == project.id).order_by(LearningCommitment.id)
    ).first()
    commitment.evidence_document_id = _document(db, project, kind="learning_evidence").id
    db.session.commit()
    lead = client_for(project.application.lead_applicant)
    assert_not_kept(lead.get(f"/projects/{project.id}/commitments/{commitment.id}/evidence"))


def test_the_personal_data_download_and_data_downloads_are_not_kept(db, client_for, officer_client, project):
    assert_not_kept(client_for(project.application.lead_applicant).get("/account/personal-data/download"))
    assert_not_kept(officer_client.get("/exports/applications.csv"))
