"""The bid as submitted, as a PDF to keep: every answer, the partnership, the money, and who submitted it
when; for the bid's own people, the programme team and those assessing it, and nobody else."""

from datetime import UTC, datetime

import pytest

from grants.core.permissions import Role
from grants.reviews import services as reviews
from grants.reviews.models import ConflictDeclaration
from tests.factories import (
    ApplicantFactory,
    ApplicationFactory,
    EnablerProfileFactory,
    OrganisationFactory,
    PartnerFactory,
    ReviewAssignmentFactory,
    UserFactory,
    under_review_bid,
)
from tests.pdfs.reading import downloads, filename_of, read_pdf

DOWNLOADED = "application.pdf_downloaded"


@pytest.fixture
def bid(db):
    application = under_review_bid(
        lead_organisation=OrganisationFactory(name="Wigan Council", sector="local_government"),
        title="Home safely",
    )
    vision = "Everyone gets home safely,\nwith the right support."
    application.answers = {**application.answers, "shared_vision": vision}
    application.submitted_at = datetime(2026, 7, 1, 8, 30, tzinfo=UTC)  # 9:30am in London
    PartnerFactory(application=application, organisation=OrganisationFactory(name="Wigan Hospice"), status="invited")
    db.session.commit()
    return application


def url(bid) -> str:
    return f"/applications/{bid.id}/bid.pdf"


def test_the_bid_as_submitted_has_every_answer_partner_and_amount(db, client_for, bid):
    response = client_for(bid.lead_applicant).get(url(bid))
    document = read_pdf(response)
    words = document.words
    assert filename_of(response) == f"{bid.reference}-bid-as-submitted.pdf"
    assert bid.reference in words and "Home safely" in words
    assert "Wigan Council" in words
    assert "1 July 2026 at 9:30am" in words  # the submission time, in London
    assert "Everyone gets home safely, with the right support." in words  # a long answer
    assert "Older people move between hospital and home without a plan." in words
    assert "£27,000.00" in words  # the amount requested
    assert "Facilitated workshops £15,000.00" in words and "Citizen panel £12,000.00" in words  # budget lines
    assert "Wigan Health and Wellbeing Board" in words and "£10,000.00" in words  # the match pledge
    assert "Delayed discharges" in words  # an outcome measure
    assert "Publish what we learn." in words  # a learning commitment
    # Each partner, and whether it has confirmed its part.
    confirmed = next(partner for partner in bid.partners if partner.status == "confirmed")
    assert f"{confirmed.organisation.name} NHS Leads the work with GP practices." in words
    assert "Wigan Hospice Voluntary and community" in words
    assert words.upper().count("CONFIRMED") == 1 and "WAITING FOR CONFIRMATION" in words.upper()


def test_the_pdf_is_tagged_with_its_title_and_language(db, client_for, bid):
    document = read_pdf(client_for(bid.lead_applicant).get(url(bid)))
    assert document.title == f"{bid.reference} Home safely: the bid as submitted"
    assert document.lang == "en-GB"
    assert document.tagged


def test_each_download_is_in_the_audit_trail(db, client_for, bid):
    lead = bid.lead_applicant
    client_for(lead).get(url(bid))
    (event,) = downloads(DOWNLOADED, bid.id)
    assert event.actor_id == lead.id and event.object_type == "application"
    assert event.after == {"document": "bid as submitted", "filename": f"{bid.reference}-bid-as-submitted.pdf"}


def test_the_programme_team_and_those_assessing_it_may_download_it(db, client_for, bid):
    reviewer = UserFactory(roles=[Role.STEERING_MEMBER])
    ReviewAssignmentFactory(application=bid, reviewer=reviewer, status="in_progress")
    colleague = ApplicantFactory(organisation=bid.lead_organisation)
    people = [
        UserFactory(roles=[Role.PROGRAMME_OFFICER]),
        UserFactory(roles=[Role.STEERING_CHAIR]),
        reviewer,
        colleague,
    ]
    for person in people:
        assert read_pdf(client_for(person).get(url(bid))).tagged
    assert len(downloads(DOWNLOADED, bid.id)) == len(people)


def test_nobody_else_learns_it_exists(db, client_for, bid):
    conflicted = UserFactory(roles=[Role.STEERING_MEMBER])
    assignment = ReviewAssignmentFactory(application=bid, reviewer=conflicted)
    reviews.declare(assignment, has_conflict=True, nature="I chair the lead's board", actor=conflicted)
    conflicted_chair = UserFactory(roles=[Role.STEERING_CHAIR])
    db.session.add(
        ConflictDeclaration(application_id=bid.id, reviewer_id=conflicted_chair.id, has_conflict=True, nature="Trustee")
    )
    db.session.commit()
    others = [
        conflicted,
        conflicted_chair,
        UserFactory(roles=[Role.STEERING_MEMBER]),  # not reviewing it
        ApplicantFactory(),  # another organisation
        EnablerProfileFactory().user,
        UserFactory(roles=[Role.FINANCE_APPROVER]),
        UserFactory(roles=[Role.ADMIN]),
    ]
    for person in others:
        assert client_for(person).get(url(bid)).status_code == 404, person.roles
    assert downloads(DOWNLOADED, bid.id) == []


def test_a_draft_has_no_bid_as_submitted(db, client_for):
    draft = ApplicationFactory()
    for person in (draft.lead_applicant, UserFactory(roles=[Role.PROGRAMME_OFFICER])):
        assert client_for(person).get(url(draft)).status_code == 404


def test_a_visitor_is_sent_to_sign_in(db, client, bid):
    response = client.get(url(bid))
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_answers_written_as_markup_are_words_in_the_pdf(db, client_for, bid):
    bid.answers = {**bid.answers, "outcomes": '<img src="http://192.0.2.1/x.png"> & <b>bold</b>'}
    db.session.commit()
    words = read_pdf(client_for(bid.lead_applicant).get(url(bid))).words
    assert '<img src="http://192.0.2.1/x.png"> & <b>bold</b>' in words


def test_the_bids_pages_link_to_it_once_submitted(db, client_for, bid):
    reviewer = UserFactory(roles=[Role.STEERING_MEMBER])
    assignment = ReviewAssignmentFactory(application=bid, reviewer=reviewer, status="in_progress")
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    pages = [
        (bid.lead_applicant, f"/applications/{bid.id}"),  # the applicant's
        (officer, f"/manage/applications/{bid.id}"),  # the officer's
        (reviewer, f"/reviews/{assignment.id}"),  # the reviewer's, beside the scores
        (UserFactory(roles=[Role.STEERING_CHAIR]), f"/assessment/applications/{bid.id}"),  # the chair's
    ]
    for person, page in pages:
        html = client_for(person).get(page).get_data(as_text=True)
        assert f'href="{url(bid)}">Download the bid as submitted (PDF)</a>' in html, page


def test_a_drafts_pages_do_not_link_to_it(db, client_for):
    draft = ApplicationFactory()
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    for person, page in (
        (draft.lead_applicant, f"/applications/{draft.id}"),
        (officer, f"/manage/applications/{draft.id}"),
    ):
        html = client_for(person).get(page).get_data(as_text=True)
        assert "bid.pdf" not in html, page
