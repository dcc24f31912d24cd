"""An applicant never reaches another organisation's bids or documents: they answer 404, read and write."""

import pytest

from grants.applications.models import Application
from grants.core.permissions import Role
from tests.factories import ApplicantFactory, ApplicationFactory, DocumentFactory, PartnerFactory, UserFactory
from tests.fixtures.clients import sign_in_client


@pytest.fixture
def theirs(db):
    application = ApplicationFactory()
    application.shared_vision = "Theirs"
    db.session.commit()
    return application


@pytest.fixture
def outsider(app, db):
    return sign_in_client(app, ApplicantFactory())


def paths(bid, document_id, partner_id):
    base = f"/applications/{bid.id}"
    return {
        "get": [
            base,
            f"{base}/sections/vision",
            f"{base}/partnership",
            f"{base}/partners/new",
            f"{base}/check",
            f"{base}/withdraw",
            f"{base}/submitted",
            f"{base}/documents/{document_id}",
            f"{base}/partners/{partner_id}/edit",
        ],
        "post": [
            (f"{base}/sections/vision", {"shared_vision": "Mine now", "completed": "no"}),
            (
                f"{base}/partners/new",
                {
                    "organisation_name": "X",
                    "sector": "police",
                    "role": "r",
                    "contact_name": "c",
                    "contact_email": "c@example.org",
                },
            ),
            (f"{base}/partners/{partner_id}/remove", {}),
            (f"{base}/partners/{partner_id}/resend", {}),
            (f"{base}/check", {"submit": "y"}),
            (f"{base}/withdraw", {"reason": "Because"}),
        ],
    }


def test_another_organisations_bid_and_documents_are_not_found(db, theirs, outsider):
    document = DocumentFactory(application_id=theirs.id)
    partner = PartnerFactory(application=theirs, status="invited")
    routes = paths(theirs, document.id, partner.id)
    for path in routes["get"]:
        assert outsider.get(path).status_code == 404, path
    for path, data in routes["post"]:
        assert outsider.post(path, data=data).status_code == 404, path
    db.session.expire_all()
    stored = db.session.get(Application, theirs.id)
    assert (stored.status, stored.shared_vision, len(stored.partners)) == ("draft", "Theirs", 1)


@pytest.mark.parametrize("role", [Role.STEERING_MEMBER, Role.ENABLER, Role.FINANCE_APPROVER, Role.ADMIN])
def test_other_roles_cannot_see_bids_either(app, db, theirs, role):
    client = sign_in_client(app, UserFactory(roles=[role]))
    assert client.get(f"/applications/{theirs.id}").status_code == 404
    assert client.get("/applications").status_code == 403
    assert client.get("/manage/applications/").status_code == 403


def test_a_colleague_from_the_same_organisation_sees_the_bid(app, db, theirs):
    colleague = ApplicantFactory(organisation=theirs.lead_organisation)
    assert sign_in_client(app, colleague).get(f"/applications/{theirs.id}").status_code == 200


def test_a_programme_officer_can_read_but_not_change_a_bid(db, theirs, programme_officer_client):
    assert programme_officer_client.get(f"/applications/{theirs.id}").status_code == 200
    assert programme_officer_client.get(f"/manage/applications/{theirs.id}").status_code == 200
    response = programme_officer_client.post(
        f"/applications/{theirs.id}/sections/vision", data={"shared_vision": "Officer's", "completed": "no"}
    )
    assert response.status_code == 403
    assert db.session.get(Application, theirs.id).shared_vision == "Theirs"


def test_signed_out_visitors_are_sent_to_sign_in(client, theirs):
    response = client.get(f"/applications/{theirs.id}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_a_document_of_another_bid_is_not_found_through_ones_own_bid(app, db, theirs):
    mine = ApplicationFactory()
    document = DocumentFactory(application_id=theirs.id)
    client = sign_in_client(app, mine.lead_applicant)
    assert client.get(f"/applications/{mine.id}/documents/{document.id}").status_code == 404
