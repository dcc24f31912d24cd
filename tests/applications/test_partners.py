"""Partners confirm their organisation's part through an emailed, signed, expiring link."""

import pytest

from grants.applications.models import Partner
from grants.core.audit import AuditEvent
from grants.directory.models import Organisation
from grants.notifications.models import Notification
from tests.factories import ApplicationFactory, OrganisationFactory, PartnerFactory
from tests.fixtures.clients import sign_in_client
from tests.fixtures.mail import emailed_link
from tests.helpers import field_error, h1, text

NEW_PARTNER = {
    "organisation_name": "Greater Manchester Police",
    "sector": "police",
    "org_id": "",
    "role": "Shares data on repeat callers.",
    "contact_name": "Sam Idowu",
    "contact_email": "Sam.Idowu@Example.org",
}


@pytest.fixture
def bid(db):
    return ApplicationFactory()


@pytest.fixture
def lead(app, bid):
    return sign_in_client(app, bid.lead_applicant)


def invitation_link(db, email):
    return emailed_link(email, "/partner/")


def add_partner(lead, bid, **changes):
    return lead.post(f"/applications/{bid.id}/partners/new", data={**NEW_PARTNER, **changes})


def test_adding_a_partner_emails_its_contact_a_link(db, bid, lead):
    response = add_partner(lead, bid)
    assert response.headers["Location"] == f"/applications/{bid.id}/partnership"
    partner = db.session.scalars(db.select(Partner)).one()
    assert (partner.organisation.name, partner.organisation.sector, partner.contact_email, partner.status) == (
        "Greater Manchester Police",
        "police",
        "sam.idowu@example.org",
        "invited",
    )
    message = db.session.scalars(db.select(Notification).where(Notification.template == "partner_invitation")).one()
    assert message.recipient_email == "sam.idowu@example.org"
    assert "Confirm Greater Manchester Police's part" in message.subject
    assert message.sensitive and "/partner/" not in message.body_text  # private: only its recipient reads the link
    assert emailed_link("sam.idowu@example.org", "/partner/")
    page = text(lead.get(f"/applications/{bid.id}/partnership").get_data(as_text=True))
    assert "Greater Manchester Police" in page and "Waiting for confirmation" in page


def test_the_partner_confirms_once_without_an_account(app, db, bid, lead):
    add_partner(lead, bid)
    link = invitation_link(db, "sam.idowu@example.org")
    visitor = app.test_client()
    page = visitor.get(link).get_data(as_text=True)
    assert h1(page) == "Confirm Greater Manchester Police's part in a partnership bid"
    response = visitor.post(link, data={"response": "confirmed", "note": "Glad to help"})
    assert h1(response.get_data(as_text=True)) == "Thank you"
    partner = db.session.scalars(db.select(Partner)).one()
    assert (partner.status, partner.response_note) == ("confirmed", "Glad to help")
    assert (
        db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "partner.confirmed")).one().actor_id is None
    )
    told = db.session.scalars(db.select(Notification).where(Notification.template == "partner_response")).one()
    assert told.recipient_email == bid.lead_applicant.email and "has confirmed" in told.subject

    again = visitor.post(link, data={"response": "declined"})
    assert h1(again.get_data(as_text=True)) == "You have already responded"
    assert db.session.scalars(db.select(Partner)).one().status == "confirmed"


def test_the_partner_can_decline(app, db, bid, lead):
    add_partner(lead, bid)
    app.test_client().post(invitation_link(db, "sam.idowu@example.org"), data={"response": "declined"})
    assert db.session.scalars(db.select(Partner)).one().status == "declined"
    assert "Declined" in text(lead.get(f"/applications/{bid.id}/partnership").get_data(as_text=True))


def test_the_response_must_be_chosen(app, db, bid, lead):
    add_partner(lead, bid)
    html = app.test_client().post(invitation_link(db, "sam.idowu@example.org"), data={}).get_data(as_text=True)
    assert field_error(html, "response") == "Select whether your organisation will take part"
    assert db.session.scalars(db.select(Partner)).one().status == "invited"


def test_the_link_expires(app, db, bid, lead, monkeypatch):
    add_partner(lead, bid)
    link = invitation_link(db, "sam.idowu@example.org")
    monkeypatch.setitem(app.config, "PARTNER_LINK_DAYS", -1)
    response = app.test_client().post(link, data={"response": "confirmed"})
    assert response.status_code == 400
    assert h1(response.get_data(as_text=True)) == "This link has expired"
    assert db.session.scalars(db.select(Partner)).one().status == "invited"


def test_a_tampered_link_does_not_work(app, db, bid, lead):
    add_partner(lead, bid)
    link = invitation_link(db, "sam.idowu@example.org")
    response = app.test_client().get(link[:-3] + "abc")
    assert response.status_code == 400 and h1(response.get_data(as_text=True)) == "This link does not work"


def test_sending_the_link_again_makes_the_old_one_stop_working(app, db, bid, lead):
    add_partner(lead, bid)
    old = invitation_link(db, "sam.idowu@example.org")
    partner = db.session.scalars(db.select(Partner)).one()
    lead.post(f"/applications/{bid.id}/partners/{partner.id}/resend")
    new = invitation_link(db, "sam.idowu@example.org")
    assert new != old
    assert app.test_client().post(old, data={"response": "confirmed"}).status_code == 400
    assert app.test_client().post(new, data={"response": "confirmed"}).status_code == 200
    assert db.session.scalars(db.select(Partner)).one().status == "confirmed"


def test_sending_the_link_again_twice_from_one_page_sends_one_link(app, db, bid, lead):
    import re

    add_partner(lead, bid)
    other = PartnerFactory(application=bid, status="invited")
    partner = db.session.scalars(db.select(Partner).where(Partner.id != other.id)).one()
    page = lead.get(f"/applications/{bid.id}/partnership").get_data(as_text=True)
    keys = dict(
        (int(partner_id), f"{key}-{partner_id}")
        for key, partner_id in re.findall(r'name="submission" value="([A-Za-z0-9_-]+)-(\d+)"', page)
    )
    path = f"/applications/{bid.id}/partners/{partner.id}/resend"
    first = lead.post(path, data={"submission": keys[partner.id]})
    again = lead.post(path, data={"submission": keys[partner.id]})
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    invitations = db.session.scalars(
        db.select(Notification).where(
            Notification.template == "partner_invitation", Notification.recipient_email == partner.contact_email
        )
    ).all()
    assert len(invitations) == 2  # the first invitation, and one more
    # The same page's button for another partner is a submission of its own.
    assert (
        lead.post(f"/applications/{bid.id}/partners/{other.id}/resend", data={"submission": keys[other.id]}).status_code
        == 302
    )
    reinvited = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "partner.reinvited")).all()
    assert sorted(event.object_id for event in reinvited) == sorted([str(partner.id), str(other.id)])


def test_changing_the_contact_asks_for_confirmation_again(db, bid, lead):
    partner = PartnerFactory(application=bid, status="confirmed")
    lead.post(
        f"/applications/{bid.id}/partners/{partner.id}/edit",
        data={
            "organisation_name": partner.organisation.name,
            "sector": partner.organisation.sector,
            "org_id": "",
            "role": partner.role,
            "contact_name": "New Person",
            "contact_email": "new.person@example.org",
        },
    )
    db.session.refresh(partner)
    assert (partner.status, partner.contact_email) == ("invited", "new.person@example.org")
    assert invitation_link(db, "new.person@example.org")


def test_a_removed_partner_leaves_the_bid(db, bid, lead):
    partner = PartnerFactory(application=bid)
    lead.post(f"/applications/{bid.id}/partners/{partner.id}/remove")
    assert db.session.scalars(db.select(Partner)).all() == []
    assert db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.action == "partner.removed")).all()


def test_a_partner_removed_twice_is_removed_once_and_the_repeat_is_told(db, bid, lead):
    partner = PartnerFactory(application=bid)
    path = f"/applications/{bid.id}/partners/{partner.id}/remove"
    first = lead.post(path)
    again = lead.post(path)
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    page = text(lead.get(again.headers["Location"]).get_data(as_text=True))
    assert "That organisation is no longer a partner in this bid." in page
    removals = db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.action == "partner.removed")).all()
    assert removals == ["partner.removed"]


def test_an_existing_organisation_is_reused_by_its_identifier(db, bid, lead):
    known = OrganisationFactory(org_id="GB-CHC-1111111", name="Age Concern Wigan")
    add_partner(lead, bid, organisation_name="Age Concern", sector="voluntary_community", org_id="gb-chc-1111111")
    assert db.session.scalars(db.select(Partner)).one().organisation_id == known.id


def test_the_lead_cannot_be_its_own_partner_or_a_partner_twice(db, bid, lead):
    bid.lead_organisation.org_id = "GB-LAE-WGN"
    db.session.commit()
    html = add_partner(lead, bid, org_id="GB-LAE-WGN").get_data(as_text=True)
    assert field_error(html, "org_id") == "Your own organisation leads the bid: add the other organisations"
    add_partner(lead, bid, org_id="GB-POL-GMP")
    html = add_partner(lead, bid, org_id="GB-POL-GMP").get_data(as_text=True)
    assert field_error(html, "organisation_name") == "This organisation is already a partner in the bid"
    assert len(db.session.scalars(db.select(Partner)).all()) == 1
    assert (
        db.session.scalar(
            db.select(db.func.count()).select_from(Organisation).where(Organisation.org_id == "GB-POL-GMP")
        )
        == 1
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("contact_email", "not an email", "Enter an email address in the correct format, like name@example.org"),
        ("role", "", "Describe their role in the partnership"),
        ("sector", "", "Select the organisation's sector"),
    ],
)
def test_bad_partner_details_are_explained_and_nothing_is_sent(db, bid, lead, field, value, message):
    html = add_partner(lead, bid, **{field: value}).get_data(as_text=True)
    assert field_error(html, field) == message
    assert db.session.scalars(db.select(Notification)).all() == []


def test_the_same_partner_entered_again_by_name_is_refused(db, bid, lead):
    """Back, and the same details typed again on a fresh form: one partner, one invitation."""
    add_partner(lead, bid)
    response = add_partner(lead, bid, organisation_name="  greater manchester  POLICE ")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "organisation_name") == "This organisation is already a partner in the bid"
    assert len(db.session.scalars(db.select(Partner)).all()) == 1
    invitations = db.session.scalars(db.select(Notification).where(Notification.template == "partner_invitation"))
    assert len(invitations.all()) == 1
