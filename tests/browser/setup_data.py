"""Data the error and keyboard journeys start from, made in the test process on the served database
(``live_server.app``), and signing in through the browser. Every function returns plain values (ids,
emails), never a model instance, so nothing outlives its application context."""

from __future__ import annotations

from dataclasses import dataclass

from grants.core.permissions import Role
from grants.extensions import db
from tests.browser.second_step import pass_second_step
from tests.factories import (
    PASSWORD,
    ApplicantFactory,
    ApplicationFactory,
    OrganisationFactory,
    PartnerFactory,
    PlaceFactory,
    RoundFactory,
    ThemeFactory,
    UserFactory,
    funded_project,
)

# A small PDF, enough for the upload's content check.
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass(frozen=True)
class Bid:
    application_id: int
    applicant_email: str
    partner_id: int | None = None


@dataclass(frozen=True)
class RequestedTranche:
    tranche_id: int
    sequence: int
    project_reference: str
    officer_id: int
    approver_emails: tuple[str, ...]
    approver_ids: tuple[int, ...]


def draft_bid(app, *, confirmed_partner: bool = False, **fields) -> Bid:
    """An open round (themes "Safeguarding adults" and "Integrating services for older people"), a
    place called Wigan, and a draft bid by Wigan Council's applicant, with the fields given; with
    ``confirmed_partner`` an NHS trust that has already confirmed its part."""
    with app.app_context():
        place = PlaceFactory(name="Wigan", ons_code="E08000010")
        round_ = RoundFactory(
            themes=[
                ThemeFactory(name="Safeguarding adults", slug="safeguarding-adults"),
                ThemeFactory(name="Integrating services for older people", slug="older-people"),
            ]
        )
        council = OrganisationFactory(name="Wigan Council", sector="local_government", place=place)
        applicant = ApplicantFactory(organisation=council, name="Priya Shah", email="priya.shah@wigan.example.org")
        application = ApplicationFactory(
            round=round_, lead_organisation=council, lead_applicant=applicant, **{"title": "", **fields}
        )
        partner_id = None
        if confirmed_partner:
            partner = PartnerFactory(
                application=application,
                organisation=OrganisationFactory(name="Wrightington, Wigan and Leigh NHS Trust", sector="nhs"),
                contact_name="Tom Barker",
                contact_email="tom.barker@wwl.example.org",
                status="confirmed",
            )
            partner_id = partner.id
        return Bid(application.id, applicant.email, partner_id)


def requested_tranche(app) -> RequestedTranche:
    """A funded project whose first tranche a programme officer has requested (agreement signed, match
    funding confirmed, enabler assigned), and two finance approvers, neither of whom requested it."""
    from grants.funding.services import release
    from tests.funding.conftest import ready_to_request

    with app.app_context():
        project = funded_project()
        officer = UserFactory(roles=[Role.PROGRAMME_OFFICER], name="Sarah Collins", email="sarah.collins@example.org")
        tranche = ready_to_request(project, officer)
        release.request_release(tranche, actor=officer)
        db.session.commit()
        approvers = (
            UserFactory(roles=[Role.FINANCE_APPROVER], name="James Whitfield", email="james.whitfield@example.org"),
            UserFactory(roles=[Role.FINANCE_APPROVER], name="Amara Okafor", email="amara.okafor@example.org"),
        )
        assert tranche.status == "requested"
        return RequestedTranche(
            tranche.id,
            tranche.sequence,
            project.reference,
            officer.id,
            tuple(a.email for a in approvers),
            tuple(a.id for a in approvers),
        )


def sign_in(visitor, email: str, password: str = PASSWORD, *, next_path: str | None = None):
    """Sign in through the sign-in page (with the mouse); the page after it is checked too."""
    visitor.go("/sign-in" + (f"?next={next_path}" if next_path else ""))
    visitor.fill("Email address", email).fill("Password", password).click_button("Sign in")
    assert visitor.path != "/sign-in", f"{visitor.name} could not sign in: {visitor.error_summary()}"
    return pass_second_step(visitor, email)
