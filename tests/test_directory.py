"""The applicant's organisation profile, and the programme's themes."""

import pytest

from grants.accounts.models import User
from grants.core.audit import AuditEvent
from grants.directory.models import Organisation, Theme
from tests.factories import OrganisationFactory, PlaceFactory, ThemeFactory, UserFactory
from tests.fixtures.clients import sign_in_client
from tests.helpers import field_error

PROFILE = {
    "name": "Wigan Community Food Network",
    "sector": "voluntary_community",
    "charity_number": "1190001",
    "company_number": "",
    "org_id": "",
    "address_line_1": "12 Market Street",
    "address_line_2": "",
    "town": "Wigan",
    "postcode": "wn11hx",
}


@pytest.fixture
def newcomer(app, db):
    return sign_in_client(app, UserFactory(roles=["applicant"]))


def test_an_applicant_sets_up_their_organisation(db, newcomer):
    place = PlaceFactory(name="Wigan")
    response = newcomer.post("/organisation", data={**PROFILE, "place_id": place.id})
    assert response.headers["Location"] == "/applications"
    organisation = db.session.scalars(db.select(Organisation)).one()
    assert (organisation.org_id, organisation.postcode, organisation.place_id) == (
        "GB-CHC-1190001",
        "WN1 1HX",
        place.id,
    )
    assert db.session.get(User, newcomer.user.id).organisation_id == organisation.id
    assert db.session.scalars(db.select(AuditEvent.action)).all() == ["organisation.created"]


def test_a_company_number_becomes_the_identifier(db, newcomer):
    place = PlaceFactory()
    newcomer.post(
        "/organisation",
        data={**PROFILE, "charity_number": "", "company_number": "1234567", "sector": "private", "place_id": place.id},
    )
    assert db.session.scalars(db.select(Organisation)).one().org_id == "GB-COH-01234567"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"postcode": "XYZ 123"}, "postcode", "Enter a real postcode, like WN1 1YN"),
        ({"postcode": "W" * 13}, "postcode", "Postcode must be 12 characters or fewer"),
        ({"charity_number": "12ab"}, "charity_number", "Enter a charity number in the correct format, like 1234567"),
        (
            {"org_id": "charity 42"},
            "org_id",
            "Enter an organisation identifier in the correct format, like GB-CHC-1234567",
        ),
        ({"name": "  "}, "name", "Enter your organisation's name"),
        ({"place_id": ""}, "place_id", "Select the local authority area"),
    ],
)
def test_bad_profile_details_are_explained(db, newcomer, changes, field, message):
    place = PlaceFactory()
    html = newcomer.post("/organisation", data={**PROFILE, "place_id": place.id, **changes}).get_data(as_text=True)
    assert field_error(html, field) == message
    assert db.session.scalars(db.select(Organisation)).all() == []


def test_an_identifier_registered_by_members_cannot_be_claimed(db, newcomer):
    from tests.factories import ApplicantFactory

    holder = OrganisationFactory(org_id="GB-CHC-1190001")
    ApplicantFactory(organisation=holder)
    html = newcomer.post("/organisation", data={**PROFILE, "place_id": PlaceFactory().id}).get_data(as_text=True)
    assert "already registered" in field_error(html, "org_id")
    assert db.session.get(User, newcomer.user.id).organisation_id is None


def test_an_organisation_only_named_as_a_partner_is_taken_on_by_its_own_applicant(db, newcomer):
    named = OrganisationFactory(org_id="GB-CHC-1190001", name="Food network (as a partner typed it)")
    response = newcomer.post("/organisation", data={**PROFILE, "place_id": PlaceFactory().id})
    assert response.status_code == 302
    db.session.refresh(named)
    assert db.session.get(User, newcomer.user.id).organisation_id == named.id
    assert named.name == "Wigan Community Food Network"
    assert db.session.scalars(db.select(AuditEvent.action)).all() == ["organisation.claimed"]


def test_a_member_updates_the_profile_and_the_change_is_audited(db, applicant_client):
    applicant_client.post(
        "/organisation",
        data={**PROFILE, "place_id": PlaceFactory().id, "org_id": applicant_client.user.organisation.org_id},
    )
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "organisation.updated")).one()
    assert event.after["name"] == "Wigan Community Food Network"


def test_programme_officers_add_and_retire_themes(db, programme_officer_client):
    programme_officer_client.post(
        "/manage/themes/new", data={"name": "Loneliness", "description": "x", "is_active": "y"}
    )
    theme = db.session.scalars(db.select(Theme)).one()
    assert (theme.slug, theme.is_active) == ("loneliness", True)
    programme_officer_client.post(f"/manage/themes/{theme.id}", data={"name": "Loneliness", "description": "x"})
    db.session.refresh(theme)
    assert theme.is_active is False
    html = programme_officer_client.post("/manage/themes/new", data={"name": "loneliness"}).get_data(as_text=True)
    assert field_error(html, "name") == "A theme with this name already exists"


def test_applicants_cannot_manage_themes(db, applicant_client):
    ThemeFactory()
    assert applicant_client.get("/manage/themes").status_code == 403


def test_a_theme_named_twice_is_refused_once_and_nothing_is_kept(db, programme_officer_client):
    ThemeFactory(name="Loneliness")
    response = programme_officer_client.post("/manage/themes/new", data={"name": "LONELINESS", "description": "x"})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "name") == "A theme with this name already exists"
    assert db.session.scalar(db.select(db.func.count(Theme.id))) == 1
    [refusal] = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "directory.theme_refused")).all()
    assert refusal.after == {"reason": "A theme with this name already exists"}
    assert db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "theme.saved")).all() == []
