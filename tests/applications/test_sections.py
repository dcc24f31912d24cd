"""Filling in a bid, section by section: drafts keep what was typed; "completed" is checked."""

import pytest

from grants.applications.models import Application
from grants.core.audit import AuditEvent
from tests.factories import ApplicationFactory, PlaceFactory, RoundFactory
from tests.fixtures.clients import sign_in_client
from tests.helpers import error_summary, field_error, form_key, h1, text


@pytest.fixture
def bid(db):
    return ApplicationFactory()


@pytest.fixture
def lead(app, bid):
    return sign_in_client(app, bid.lead_applicant)


def stored(db, bid) -> Application:
    db.session.expire_all()
    return db.session.get(Application, bid.id)


def test_an_applicant_starts_a_bid_from_an_open_round_with_its_title(app, db):
    from tests.factories import ApplicantFactory

    round_ = RoundFactory()
    person = ApplicantFactory()
    client = sign_in_client(app, person)
    round_page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert f'href="/rounds/{round_.id}/start"' in round_page
    form = client.get(f"/rounds/{round_.id}/start").get_data(as_text=True)
    assert h1(form) == "Start a bid" and 'name="title"' in form
    response = client.post(
        f"/rounds/{round_.id}/start", data={"title": " Better together ", "submission": form_key(form)}
    )
    application = db.session.scalars(db.select(Application)).one()
    assert response.headers["Location"] == f"/applications/{application.id}"
    assert (application.lead_organisation_id, application.status) == (person.organisation_id, "draft")
    assert application.title == "Better together"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert h1(page) == "Better together"
    assert "You have completed 0 of 8 sections" in text(page)
    assert "The partnership Not started" in text(page)
    assert db.session.scalars(db.select(AuditEvent.action)).all() == ["application.created"]


def test_starting_a_bid_asks_for_its_title_with_one_error_summary(app, db):
    from tests.factories import ApplicantFactory

    round_ = RoundFactory()
    client = sign_in_client(app, ApplicantFactory())
    response = client.post(f"/rounds/{round_.id}/start", data={"title": "  "})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(html, "title") == "Enter a project title"
    assert error_summary(html) == ["Enter a project title"] and html.count("govuk-error-summary__title") == 1
    assert db.session.scalars(db.select(Application)).all() == []


def test_a_bid_started_twice_is_one_bid_and_the_repeat_goes_to_it(app, db):
    from tests.factories import ApplicantFactory

    round_ = RoundFactory()
    client = sign_in_client(app, ApplicantFactory())
    key = form_key(client.get(f"/rounds/{round_.id}/start").get_data(as_text=True))
    first = client.post(f"/rounds/{round_.id}/start", data={"title": "Better together", "submission": key})
    again = client.post(f"/rounds/{round_.id}/start", data={"title": "Better together", "submission": key})
    application = db.session.scalars(db.select(Application)).one()
    assert first.headers["Location"] == again.headers["Location"] == f"/applications/{application.id}"


def test_the_service_refuses_a_bid_without_a_title(app, db):
    from grants.applications import services
    from tests.factories import ApplicantFactory

    with pytest.raises(services.ApplicationError, match="Enter a project title"):
        services.start_application(RoundFactory(), " ", actor=ApplicantFactory())
    db.session.rollback()
    assert db.session.scalars(db.select(Application)).all() == []


def test_an_applicant_without_an_organisation_is_asked_to_set_one_up(app, db):
    from tests.factories import UserFactory

    round_ = RoundFactory()
    client = sign_in_client(app, UserFactory(roles=["applicant"]))
    response = client.post(f"/rounds/{round_.id}/start", data={"title": "Better together"})
    assert response.headers["Location"].startswith("/organisation?next=")
    assert client.get(f"/rounds/{round_.id}/start").headers["Location"].startswith("/organisation?next=")
    assert db.session.scalars(db.select(Application)).all() == []


def test_a_draft_keeps_what_was_typed_and_shows_in_progress(db, bid, lead):
    response = lead.post(
        f"/applications/{bid.id}/sections/vision", data={"shared_vision": "A half-written vision", "completed": "no"}
    )
    assert response.headers["Location"] == f"/applications/{bid.id}"
    assert stored(db, bid).answers == {"shared_vision": "A half-written vision"}
    assert stored(db, bid).section_state("vision") == "in_progress"
    assert "Shared vision In progress" in text(lead.get(f"/applications/{bid.id}").get_data(as_text=True))


def test_marking_an_empty_section_complete_shows_the_problem_and_keeps_nothing(db, bid, lead):
    html = lead.post(
        f"/applications/{bid.id}/sections/vision", data={"shared_vision": "", "completed": "yes"}
    ).get_data(as_text=True)
    assert field_error(html, "shared_vision") == "Enter an answer to ‘Your shared vision’"
    assert error_summary(html) == ["Enter an answer to ‘Your shared vision’"]
    assert stored(db, bid).section_state("vision") == "not_started"


def test_the_completed_question_must_be_answered(db, bid, lead):
    html = lead.post(f"/applications/{bid.id}/sections/vision", data={"shared_vision": "x"}).get_data(as_text=True)
    assert field_error(html, "completed") == "Select whether you have completed this section"
    assert stored(db, bid).answers == {}


def test_a_long_answer_over_its_limit_is_refused_beside_the_field(db, bid, lead):
    html = lead.post(
        f"/applications/{bid.id}/sections/vision", data={"shared_vision": "x" * 2001, "completed": "no"}
    ).get_data(as_text=True)
    assert field_error(html, "shared_vision") == "‘Your shared vision’ must be 2,000 characters or fewer"
    assert 'data-maxlength="2000"' in html
    assert stored(db, bid).answers == {}


def test_the_issue_section_offers_only_the_rounds_themes(db, bid, lead):
    place = PlaceFactory(name="Wigan")
    in_scope, out_of_scope = bid.round.themes[0], bid.round.themes[1]
    bid.round.themes = [in_scope]
    db.session.commit()
    html = lead.get(f"/applications/{bid.id}/sections/issue").get_data(as_text=True)
    assert in_scope.name in html and out_of_scope.name not in html
    response = lead.post(
        f"/applications/{bid.id}/sections/issue",
        data={
            "title": "Safe at home",
            "place_id": place.id,
            "themes": [out_of_scope.id],
            "issue": "x",
            "completed": "yes",
        },
    )
    assert response.status_code == 400
    assert stored(db, bid).themes == []
    lead.post(
        f"/applications/{bid.id}/sections/issue",
        data={
            "title": "Safe at home",
            "place_id": place.id,
            "themes": [in_scope.id],
            "issue": "Why",
            "completed": "yes",
        },
    )
    saved = stored(db, bid)
    assert (saved.title, saved.place_id, [t.id for t in saved.themes]) == ("Safe at home", place.id, [in_scope.id])
    assert saved.section_state("issue") == "completed"


def test_outcome_measures_keep_filled_rows_and_need_a_target_to_complete(db, bid, lead):
    data = {
        "outcomes": "Fewer falls",
        "completed": "yes",
        "measures-0-name": "Falls",
        "measures-0-unit": "per month",
        "measures-0-baseline": "30",
        "measures-0-direction": "down",
        "measures-1-name": "",
        "measures-1-direction": "up",
    }
    html = lead.post(f"/applications/{bid.id}/sections/outcomes", data=data).get_data(as_text=True)
    assert "Enter a target for measure 1, Falls" in error_summary(html)
    lead.post(f"/applications/{bid.id}/sections/outcomes", data={**data, "measures-0-target": "12.5"})
    [measure] = stored(db, bid).measures
    assert (measure.name, measure.baseline, measure.target, measure.direction) == ("Falls", 30, 12.5, "down")


def test_a_measure_row_with_numbers_but_no_name_is_explained(db, bid, lead):
    html = lead.post(
        f"/applications/{bid.id}/sections/outcomes",
        data={"outcomes": "x", "completed": "no", "measures-0-target": "5", "measures-0-direction": "up"},
    ).get_data(as_text=True)
    assert field_error(html, "measures-0-name") == "Enter the name of the measure"
    assert stored(db, bid).measures == []


def test_budget_lines_are_saved_and_must_add_up_to_complete(db, bid, lead):
    data = {
        "amount_requested": "27,000",
        "completed": "yes",
        "budget_lines-0-description": "Workshops",
        "budget_lines-0-amount": "15000",
        "budget_lines-1-description": "Citizen panel",
        "budget_lines-1-amount": "£11,000",
    }
    html = lead.post(f"/applications/{bid.id}/sections/budget", data=data).get_data(as_text=True)
    assert (
        "The budget lines add up to £26,000.00; they must add up to the amount requested, £27,000.00"
        in error_summary(html)
    )
    assert stored(db, bid).budget_lines == []
    lead.post(f"/applications/{bid.id}/sections/budget", data={**data, "budget_lines-1-amount": "12,000.00"})
    saved = stored(db, bid)
    assert [(line.description, line.amount_pence) for line in saved.budget_lines] == [
        ("Workshops", 1_500_000),
        ("Citizen panel", 1_200_000),
    ]
    assert saved.amount_requested_pence == 2_700_000 and saved.section_state("budget") == "completed"


def test_a_section_refused_as_incomplete_says_each_problem_once(db, bid, lead):
    data = {"amount_requested": "27,000", "completed": "yes", "budget_lines-0-description": "Workshops"}
    data["budget_lines-0-amount"] = "15000"
    html = lead.post(f"/applications/{bid.id}/sections/budget", data=data).get_data(as_text=True)
    summary = error_summary(html)
    assert [message for message in summary if message.startswith("The budget lines add up to £15,000.00")] == [
        "The budget lines add up to £15,000.00; they must add up to the amount requested, £27,000.00"
    ]
    assert len(summary) == 1
    assert html.count("The budget lines add up to £15,000.00") == 2  # in the summary, and beside its field


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("twelve", "Amount requested: enter an amount in pounds, like 27,000 or 27000.00"),
        ("1.005", "Amount requested: enter an amount in pounds and pence, with no more than 2 decimal places"),
        ("-5", "Amount requested: enter an amount of £0 or more"),
    ],
)
def test_bad_amounts_are_explained(db, bid, lead, amount, message):
    html = lead.post(
        f"/applications/{bid.id}/sections/budget", data={"amount_requested": amount, "completed": "no"}
    ).get_data(as_text=True)
    assert field_error(html, "amount_requested") == message


def test_learning_commitments_need_a_kind_description_and_date(db, bid, lead):
    html = lead.post(
        f"/applications/{bid.id}/sections/learning",
        data={
            "learning_plan": "",
            "completed": "yes",
            "commitments-0-description": "Share at the network",
            "commitments-0-kind": "",
        },
    ).get_data(as_text=True)
    assert field_error(html, "commitments-0-kind") == "Choose the kind of commitment"
    lead.post(
        f"/applications/{bid.id}/sections/learning",
        data={
            "completed": "yes",
            "commitments-0-kind": "learning_event",
            "commitments-0-description": "Host a day",
            "commitments-0-target_date": ["1", "6", "2027"],
        },
    )
    [commitment] = stored(db, bid).commitments
    assert (commitment.kind, commitment.target_date.isoformat()) == ("learning_event", "2027-06-01")


def test_an_impossible_date_is_explained(db, bid, lead):
    html = lead.post(
        f"/applications/{bid.id}/sections/learning",
        data={
            "completed": "no",
            "commitments-0-kind": "learning_event",
            "commitments-0-description": "Host a day",
            "commitments-0-target_date": ["31", "2", "2027"],
        },
    ).get_data(as_text=True)
    assert field_error(html, "commitments-0-target_date") == "Target date must be a real date, like 27 3 2027"


def test_a_malformed_date_does_not_break_the_page(db, bid, lead):
    response = lead.post(
        f"/applications/{bid.id}/sections/learning",
        data={
            "completed": "no",
            "commitments-0-kind": "learning_event",
            "commitments-0-description": "x",
            "commitments-0-target_date": ["1"],
        },
    )
    assert response.status_code == 400
    assert "Target date must include a month and year" in error_summary(response.get_data(as_text=True))


def test_an_unknown_section_is_not_found(db, bid, lead):
    assert lead.get(f"/applications/{bid.id}/sections/secrets").status_code == 404


def test_the_task_list_heading_is_the_bid_title(db, bid, lead):
    bid.title = "Safe at home"
    db.session.commit()
    assert h1(lead.get(f"/applications/{bid.id}").get_data(as_text=True)) == "Safe at home"


def test_a_partner_invited_first_is_told_the_bids_title(app, db):
    from grants.notifications.models import Notification
    from tests.factories import ApplicantFactory
    from tests.fixtures.mail import delivered_to

    round_ = RoundFactory()
    client = sign_in_client(app, ApplicantFactory())
    client.post(f"/rounds/{round_.id}/start", data={"title": "Better together for older people"})
    application = db.session.scalars(db.select(Application)).one()
    client.post(
        f"/applications/{application.id}/partners/new",
        data={
            "organisation_name": "Wigan NHS Trust",
            "sector": "nhs",
            "role": "Leads the hospital discharge work.",
            "contact_name": "Dana Partner",
            "contact_email": "dana@example.org",
        },
    )
    invitation = db.session.scalars(db.select(Notification).where(Notification.template == "partner_invitation")).one()
    assert invitation.sensitive  # its link is the partner's alone: read as they received it
    (received,) = delivered_to("dana@example.org")
    assert "Better together for older people" in received.body and "Untitled bid" not in received.body
