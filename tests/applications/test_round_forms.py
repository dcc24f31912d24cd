"""A round's own form, filled in by an applicant through the pages a person would use: every kind of
question, a question shown only for one answer, bad input of every kind refused beside its field with
nothing kept, the check page linking each problem to its question, and the submission."""

from __future__ import annotations

import io

import pytest

from grants.applications.models import Application
from grants.documents.models import Document
from tests.factories import ApplicantFactory, ApplicationFactory, PlaceFactory, RoundFactory
from tests.fixtures.clients import sign_in_client
from tests.helpers import QueryCounter, csrf_token, error_summary, field_error, form_key, h1, text

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
STAGES = [{"value": "primary", "label": "Primary"}, {"value": "secondary", "label": "Secondary"}]
DAYS = [{"value": "mon", "label": "Monday"}, {"value": "sat", "label": "Saturday"}]

SPEC = [
    (
        "about",
        "About the project",
        "Tell us about the project in a few words.",
        [
            {"key": "place_themes", "kind": "place_themes"},
            {"key": "summary", "kind": "short_text", "title": "Summary", "max_chars": 60},
            {"key": "story", "kind": "long_text", "title": "Your story", "hint": "Briefly.", "max_words": 5},
            {"key": "people", "kind": "number", "title": "People reached", "min_value": 1, "max_value": 1000},
            {"key": "cost", "kind": "money", "title": "Cost of the pilot", "min_value": 100, "max_value": 500_000},
            {"key": "start_on", "kind": "date", "title": "Start date"},
        ],
    ),
    (
        "schools",
        "Schools",
        "",
        [
            {"key": "with_schools", "kind": "yes_no", "title": "Do you work with schools?"},
            {"key": "stage", "kind": "choice", "title": "Which stage?", "choices": STAGES},
            {"key": "days", "kind": "choices", "title": "Which days?", "choices": DAYS, "required": False},
        ],
    ),
    (
        "school_names",
        "Your schools",
        "",
        [
            {
                "key": "school_names",
                "kind": "short_text",
                "title": "Which schools?",
                "condition_key": "with_schools",
                "condition_value": "yes",
            }
        ],
    ),
    ("plan", "Your plan", "", [{"key": "plan", "kind": "file", "title": "The plan"}]),
    ("budget", "Budget", "", [{"key": "budget", "kind": "budget"}]),
]

ABOUT = {
    "summary": "Reading together",
    "story": "Older and younger people read.",
    "people": "250",
    "cost": "1,000",
    "start_on": ["1", "9", "2027"],
    "completed": "yes",
}


@pytest.fixture
def round_(db):
    return RoundFactory(form=SPEC)


@pytest.fixture
def applicant(db):
    return ApplicantFactory()


@pytest.fixture
def lead(app, applicant, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    return sign_in_client(app, applicant)


def stored(db, application_id: int) -> Application:
    db.session.expire_all()
    return db.session.get(Application, application_id)


def start(lead, round_) -> int:
    page = lead.get(f"/rounds/{round_.id}/start").get_data(as_text=True)
    response = lead.post(
        f"/rounds/{round_.id}/start",
        data={"title": "Reading together", "submission": form_key(page), "csrf_token": csrf_token(page)},
    )
    return int(response.headers["Location"].rsplit("/", 1)[1])


def post(lead, bid_id: int, page_key: str, data: dict, **kwargs):
    """Open the page (for its CSRF token), then send ``data`` as the applicant would."""
    page = lead.get(f"/applications/{bid_id}/sections/{page_key}")
    assert page.status_code == 200, page_key
    return lead.post(
        f"/applications/{bid_id}/sections/{page_key}",
        data={**data, "csrf_token": csrf_token(page.get_data(as_text=True))},
        **kwargs,
    )


def about(round_, place) -> dict:
    return {**ABOUT, "title": "Reading together", "place_id": str(place.id), "themes": [str(round_.themes[0].id)]}


def test_an_applicant_fills_in_a_rounds_own_form_and_submits_it(app, db, round_, lead):
    bid_id = start(lead, round_)
    task_list = text(lead.get(f"/applications/{bid_id}").get_data(as_text=True))
    # The page shown only to those who work with schools is not a section until they say so.
    assert "You have completed 0 of 4 sections" in task_list
    assert "About the project Not started" in task_list and "Your schools" not in task_list

    form = lead.get(f"/applications/{bid_id}/sections/about").get_data(as_text=True)
    assert h1(form) == "About the project" and "Tell us about the project in a few words." in form
    for name in ("title", "place_id", "themes", "summary", "story", "people", "cost", "start_on"):
        assert f'name="{name}"' in form, name
    assert '<h2 class="govuk-heading-m">About the project</h2>' in form  # the block's title: not alone

    place = PlaceFactory()
    response = post(lead, bid_id, "about", about(round_, place))
    assert response.status_code == 302, error_summary(response.get_data(as_text=True))
    saved = stored(db, bid_id)
    assert saved.answers == {
        "summary": "Reading together",
        "story": "Older and younger people read.",
        "people": 250,
        "cost": 100_000,
        "start_on": "2027-09-01",
    }
    assert saved.place_id == place.id and saved.section_state("about") == "completed"

    # Hidden until asked for: the school names are not asked, and their page 404s.
    assert lead.get(f"/applications/{bid_id}/sections/school_names").status_code == 404
    response = post(lead, bid_id, "schools", {"with_schools": "yes", "stage": "primary", "completed": "yes"})
    assert response.status_code == 302
    assert "You have completed 2 of 5 sections" in text(lead.get(f"/applications/{bid_id}").get_data(as_text=True))
    response = post(lead, bid_id, "school_names", {"school_names": "St Mary's", "completed": "yes"})
    assert response.status_code == 302 and stored(db, bid_id).answers["school_names"] == "St Mary's"

    response = post(
        lead,
        bid_id,
        "plan",
        {"completed": "yes", "plan": (io.BytesIO(PDF), "plan.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    document = db.session.scalars(db.select(Document).where(Document.kind == "answer")).one()
    assert stored(db, bid_id).answers["plan"] == document.id
    again = lead.get(f"/applications/{bid_id}/sections/plan").get_data(as_text=True)
    assert "plan.pdf" in again and "Choose a file only to replace it" in again
    assert lead.get(f"/applications/{bid_id}/documents/{document.id}").status_code == 200

    response = post(
        lead,
        bid_id,
        "budget",
        {
            "amount_requested": "27,000",
            "budget_lines-0-description": "Books",
            "budget_lines-0-amount": "27,000",
            "completed": "yes",
        },
    )
    assert response.status_code == 302

    check = lead.get(f"/applications/{bid_id}/check").get_data(as_text=True)
    assert error_summary(check) == []
    for words in ("Reading together", "250", "£1,000.00", "1 September 2027", "Yes", "Primary", "St Mary's"):
        assert words in text(check), words
    assert f'href="/applications/{bid_id}/documents/{document.id}"' in check

    response = lead.post(f"/applications/{bid_id}/check", data={"csrf_token": csrf_token(check)})
    assert response.status_code == 302, error_summary(response.get_data(as_text=True))
    assert stored(db, bid_id).status == "submitted"


NOT_A_DATE = "‘Start date’ must be a real date, like 27 3 2027"
BAD_INPUT = [
    ("summary", {"summary": "x" * 61}, "‘Summary’ must be 60 characters or fewer"),
    ("summary", {"summary": "x" * 200_000}, "‘Summary’ must be 60 characters or fewer"),
    ("story", {"story": "one two three four five six"}, "‘Your story’ must be 5 words or fewer"),
    ("people", {"people": "lots"}, "‘People reached’ must be a whole number, like 25"),
    ("people", {"people": "0"}, "‘People reached’ must be 1 or more"),
    ("people", {"people": "99999999999999999999"}, "‘People reached’ must be a whole number, like 25"),
    ("cost", {"cost": "-5"}, "‘Cost of the pilot’: enter an amount of £0 or more"),
    ("cost", {"cost": "0.50"}, "‘Cost of the pilot’ must be £1.00 or more"),
    ("cost", {"cost": "6,000"}, "‘Cost of the pilot’ must be £5,000.00 or less"),
    ("start_on", {"start_on": ["31", "2", "2027"]}, NOT_A_DATE),
    ("start_on", {"start_on": ["1", "", "2027"]}, "‘Start date’ must include a month"),
    ("start_on", {"start_on": ["99999999999999999999", "1", "2027"]}, NOT_A_DATE),
]


@pytest.mark.parametrize(("field", "data", "message"), BAD_INPUT)
def test_bad_input_is_explained_beside_its_field_and_nothing_is_kept(db, round_, lead, field, data, message):
    bid_id = start(lead, round_)
    response = post(lead, bid_id, "about", {**ABOUT, **data, "completed": "no"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(html, field) == message
    assert message in error_summary(html)
    assert stored(db, bid_id).answers == {} and stored(db, bid_id).section_state("about") == "not_started"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"with_schools": "maybe"}, "with_schools", "Select yes or no"),
        ({"stage": "university"}, "stage", "Select an answer from the list"),
        ({"days": ["mon", "<script>"]}, "days", "Select only answers from the list"),
    ],
)
def test_answers_not_on_the_list_are_refused(db, round_, lead, data, field, message):
    bid_id = start(lead, round_)
    response = post(lead, bid_id, "schools", {"completed": "no", **data})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), field) == message
    assert stored(db, bid_id).answers == {}


def test_a_file_that_is_not_a_document_is_refused_beside_its_question(db, round_, lead):
    bid_id = start(lead, round_)
    response = post(
        lead,
        bid_id,
        "plan",
        {"completed": "yes", "plan": (io.BytesIO(b"MZ\x90\x00 not a document"), "plan.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "plan") == "The selected file must be a PDF, DOCX or ODT"
    assert stored(db, bid_id).answers == {}
    assert db.session.scalars(db.select(Document)).all() == []


def test_required_questions_are_asked_for_when_a_page_is_marked_completed(db, round_, lead):
    bid_id = start(lead, round_)
    response = post(lead, bid_id, "schools", {"completed": "yes", "days": ["sat"]})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(html, "with_schools") == "Select an answer to ‘Do you work with schools?’"
    assert field_error(html, "stage") == "Select an answer to ‘Which stage?’"
    assert field_error(html, "days") is None  # optional
    assert stored(db, bid_id).answers == {}
    response = post(lead, bid_id, "plan", {"completed": "yes"}, content_type="multipart/form-data")
    assert field_error(response.get_data(as_text=True), "plan") == "Upload a file for ‘The plan’"


def test_a_question_that_may_be_left_out_says_so(db, round_, lead):
    bid_id = start(lead, round_)
    page = text(lead.get(f"/applications/{bid_id}/sections/schools").get_data(as_text=True))
    assert "Which days? (optional)" in page
    assert "Which stage? (optional)" not in page and "Do you work with schools? (optional)" not in page


def test_an_answer_to_a_question_now_hidden_is_not_kept(db, round_, lead):
    bid_id = start(lead, round_)
    post(lead, bid_id, "schools", {"with_schools": "yes", "stage": "primary", "completed": "no"})
    post(lead, bid_id, "school_names", {"school_names": "St Mary's", "completed": "yes"})
    assert stored(db, bid_id).answers["school_names"] == "St Mary's"
    # No longer working with schools: the names go, and the page is no longer asked.
    post(lead, bid_id, "schools", {"with_schools": "no", "stage": "primary", "completed": "no"})
    assert stored(db, bid_id).answers == {"with_schools": "no", "stage": "primary"}
    assert lead.get(f"/applications/{bid_id}/sections/school_names").status_code == 404
    assert "Your schools" not in text(lead.get(f"/applications/{bid_id}").get_data(as_text=True))
    # Posted to directly, a hidden page keeps nothing either.
    token = csrf_token(lead.get(f"/applications/{bid_id}/sections/schools").get_data(as_text=True))
    response = lead.post(
        f"/applications/{bid_id}/sections/school_names", data={"school_names": "x", "csrf_token": token}
    )
    assert response.status_code == 404 and "school_names" not in stored(db, bid_id).answers


def test_the_check_page_links_each_problem_to_its_question(db, round_, lead):
    bid_id = start(lead, round_)
    post(lead, bid_id, "schools", {"with_schools": "yes", "completed": "no"})
    html = lead.get(f"/applications/{bid_id}/check").get_data(as_text=True)
    summary = error_summary(html)
    assert "Select an answer to ‘Which stage?’" in summary
    assert "Enter an answer to ‘Summary’" in summary and "Upload a file for ‘The plan’" in summary
    assert "Enter an answer to ‘Which schools?’" in summary  # shown now, so asked for
    for anchor in (
        "about#summary",
        "about#start_on-day",
        "about#themes",
        "schools#stage",
        "school_names#school_names",
        "plan#plan",
        "budget#amount_requested",
    ):
        assert f'href="/applications/{bid_id}/sections/{anchor}"' in html, anchor
    assert "Select an answer to ‘Which days?’" not in summary  # optional


def test_an_unknown_page_is_not_found(db, round_, lead):
    bid_id = start(lead, round_)
    assert lead.get(f"/applications/{bid_id}/sections/vision").status_code == 404


def test_a_rounds_form_without_partners_or_match_funding_asks_for_neither(db, round_, lead):
    bid_id = start(lead, round_)
    page = text(lead.get(f"/applications/{bid_id}").get_data(as_text=True))
    assert "The partnership" not in page and "Match funding" not in page
    assert lead.get(f"/applications/{bid_id}/partnership").status_code == 404
    problems = " ".join(error_summary(lead.get(f"/applications/{bid_id}/check").get_data(as_text=True)))
    assert "partner" not in problems and "pledge" not in problems and "learning commitment" not in problems


def test_the_applicants_home_counts_the_sections_of_the_rounds_form(app, db, round_, lead):
    bid_id = start(lead, round_)
    post(lead, bid_id, "schools", {"with_schools": "yes", "stage": "primary", "completed": "yes"})
    home = text(lead.get("/").get_data(as_text=True))
    assert "1 of 5 sections done" in home


def _sixty_questions() -> list:
    return [
        (
            f"page{number}",
            f"Page {number}",
            "",
            ([{"key": "place_themes", "kind": "place_themes"}] if number == 1 else [])
            + [
                {"key": f"q{number}_{kind}", "kind": kind, "title": f"Question {number} {kind}", "choices": STAGES}
                for kind in ("short_text", "long_text", "number", "money", "date", "yes_no", "choice", "choices")
            ]
            + [{"key": f"q{number}_more", "kind": "short_text", "title": "More", "required": False}],
        )
        for number in range(1, 7)
    ] + [("budget", "Budget", "", [{"key": "budget", "kind": "budget"}])]


def queries_of(client, path: str) -> int:
    with QueryCounter() as counter:
        assert client.get(path).status_code == 200
    return counter.count


def test_a_page_and_the_task_list_load_in_the_same_number_of_queries_for_5_and_60_questions(app, db):
    small = ApplicationFactory(round=RoundFactory(form=[SPEC[0], SPEC[-1]]))  # 5 questions and 2 blocks
    large = ApplicationFactory(round=RoundFactory(form=_sixty_questions()))  # 54 questions and a block
    counts = []
    for bid, page_key in ((small, "about"), (large, "page1")):
        client = sign_in_client(app, bid.lead_applicant)
        client.get(f"/applications/{bid.id}")  # the first request of a session does more
        counts.append(
            (
                queries_of(client, f"/applications/{bid.id}/sections/{page_key}"),
                queries_of(client, f"/applications/{bid.id}"),
                queries_of(client, f"/applications/{bid.id}/check"),
            )
        )
    assert counts[0] == counts[1]


def test_a_file_answer_can_be_downloaded_only_from_its_own_bid(app, db, round_):
    from tests.factories import DocumentFactory

    bid = ApplicationFactory(round=round_)
    other = ApplicationFactory(round=round_)
    document = DocumentFactory(application_id=other.id, kind="answer")
    bid.answers = {"plan": document.id}
    db.session.commit()
    client = sign_in_client(app, bid.lead_applicant)
    assert client.get(f"/applications/{bid.id}/documents/{document.id}").status_code == 404
    check = client.get(f"/applications/{bid.id}/check").get_data(as_text=True)
    assert f"/documents/{document.id}" not in check


def test_the_default_form_still_works_end_to_end(app, db, lead, applicant):
    from grants.applications import services
    from grants.applications.models import Partner

    round_ = RoundFactory()
    bid_id = start(lead, round_)
    assert "You have completed 0 of 8 sections" in text(lead.get(f"/applications/{bid_id}").get_data(as_text=True))

    page = lead.get(f"/applications/{bid_id}/partners/new").get_data(as_text=True)
    lead.post(
        f"/applications/{bid_id}/partners/new",
        data={
            "organisation_name": "Wigan NHS Trust",
            "sector": "nhs",
            "role": "Leads the discharge work.",
            "contact_name": "Dana Partner",
            "contact_email": "dana@example.org",
            "submission": form_key(page),
            "csrf_token": csrf_token(page),
        },
    )
    services.respond_as_partner(db.session.scalars(db.select(Partner)).one(), "confirmed", None)
    db.session.commit()
    page = lead.get(f"/applications/{bid_id}/partnership").get_data(as_text=True)
    lead.post(f"/applications/{bid_id}/partnership", data={"completed": "yes", "csrf_token": csrf_token(page)})

    place = PlaceFactory()
    pages = [
        (
            "issue",
            {
                "title": "Safe at home",
                "place_id": str(place.id),
                "themes": [str(round_.themes[0].id)],
                "issue": "Older people go home without a plan.",
            },
        ),
        ("vision", {"shared_vision": "Everyone home safely."}),
        ("approach", {"systems_leadership": "No one service owns the journey."}),
        (
            "outcomes",
            {
                "outcomes": "Fewer delayed discharges.",
                "measures-0-name": "Delayed discharges",
                "measures-0-target": "20",
                "measures-0-direction": "down",
            },
        ),
        (
            "learning",
            {
                "commitments-0-kind": "case_study",
                "commitments-0-description": "Publish what we learn.",
                "commitments-0-target_date": ["1", "6", "2027"],
            },
        ),
        (
            "budget",
            {"amount_requested": "27,000", "budget_lines-0-description": "Workshops", "budget_lines-0-amount": "27000"},
        ),
    ]
    for key, data in pages:
        response = post(lead, bid_id, key, {**data, "completed": "yes"})
        assert response.status_code == 302, (key, error_summary(response.get_data(as_text=True)))
    response = post(
        lead,
        bid_id,
        "match",
        {
            "match_funder": "Wigan Health and Wellbeing Board",
            "match_amount": "10,000",
            "evidence": (io.BytesIO(PDF), "pledge.pdf"),
            "completed": "yes",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302

    saved = stored(db, bid_id)
    assert saved.answers == {
        "issue": "Older people go home without a plan.",
        "shared_vision": "Everyone home safely.",
        "systems_leadership": "No one service owns the journey.",
        "outcomes": "Fewer delayed discharges.",
    }
    check = lead.get(f"/applications/{bid_id}/check").get_data(as_text=True)
    assert error_summary(check) == []
    for words in ("Wigan NHS Trust", "Safe at home", "Everyone home safely.", "Delayed discharges", "pledge.pdf"):
        assert words in text(check), words
    response = lead.post(f"/applications/{bid_id}/check", data={"csrf_token": csrf_token(check)})
    assert response.status_code == 302 and stored(db, bid_id).status == "submitted"


def test_no_question_key_can_hide_what_the_page_form_is():
    from grants.applications.page_forms import PageForm
    from grants.bidforms.kinds import KEY_PATTERN, RESERVED_KEYS

    own = {name for name in dir(PageForm) if KEY_PATTERN.fullmatch(name)} | {"meta", "page", "questions"}
    assert own <= RESERVED_KEYS, own - RESERVED_KEYS


def test_the_partnership_keeps_its_own_page_whatever_its_key(app, db, lead):
    spec = [
        ("partners_first", "Who you work with", "", [{"key": "partnership", "kind": "partnership"}]),
        ("budget", "Budget", "", [{"key": "budget", "kind": "budget"}]),
    ]
    round_ = RoundFactory(form=spec)
    bid_id = start(lead, round_)
    response = lead.get(f"/applications/{bid_id}/sections/partners_first")
    assert response.status_code == 302 and response.headers["Location"] == f"/applications/{bid_id}/partnership"
    page = lead.get(f"/applications/{bid_id}/partnership").get_data(as_text=True)
    assert h1(page) == "Who you work with"
    page = lead.get(f"/applications/{bid_id}/partners/new").get_data(as_text=True)
    lead.post(
        f"/applications/{bid_id}/partners/new",
        data={
            "organisation_name": "Wigan NHS Trust",
            "sector": "nhs",
            "role": "Leads the discharge work.",
            "contact_name": "Dana Partner",
            "contact_email": "dana@example.org",
            "submission": form_key(page),
            "csrf_token": csrf_token(page),
        },
    )
    assert stored(db, bid_id).section_states == {"partners_first": "in_progress"}
    task_list = text(lead.get(f"/applications/{bid_id}").get_data(as_text=True))
    assert "Who you work with In progress" in task_list
    assert f'href="/applications/{bid_id}/partnership"' in lead.get(f"/applications/{bid_id}").get_data(as_text=True)


def test_a_round_whose_form_has_no_pages_takes_no_bids(app, db):
    from grants.applications import services
    from grants.bidforms.default import remove

    bid = ApplicationFactory()
    remove(bid.round)
    db.session.commit()
    [problem] = services.submission_problems(bid)
    assert problem.message == "The round's application form has no questions yet"


def test_several_choices_are_kept_once_each_in_the_order_given(db, round_, lead):
    bid_id = start(lead, round_)
    post(lead, bid_id, "schools", {"days": ["sat", "mon", "sat"], "completed": "no"})
    assert stored(db, bid_id).answers == {"days": ["sat", "mon"]}


def test_a_file_answer_replaced_or_no_longer_asked_leaves_no_document(app, db):
    """The file answering a question is kept only while the bid's answer points to it."""
    form = [
        ("about", "About", "", [{"key": "has_plan", "kind": "yes_no", "title": "Do you have a plan?"}]),
        (
            "plan",
            "Your plan",
            "",
            [
                {
                    "key": "plan",
                    "kind": "file",
                    "title": "The plan",
                    "condition_key": "has_plan",
                    "condition_value": "yes",
                }
            ],
        ),
        ("budget", "Budget", "", [{"key": "budget", "kind": "budget"}]),
    ]
    bid = ApplicationFactory(round=RoundFactory(form=form))
    client = sign_in_client(app, bid.lead_applicant)

    def documents() -> list[int]:
        db.session.expire_all()
        return list(db.session.scalars(db.select(Document.id).where(Document.application_id == bid.id)))

    assert post(client, bid.id, "about", {"has_plan": "yes", "completed": "no"}).status_code == 302
    for name in ("plan.pdf", "plan-2.pdf"):
        response = post(
            client,
            bid.id,
            "plan",
            {"completed": "no", "plan": (io.BytesIO(PDF), name)},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302
    (latest,) = documents()  # the first one, replaced, is gone
    assert stored(db, bid.id).answers["plan"] == latest
    assert client.get(f"/applications/{bid.id}/documents/{latest}").status_code == 200
    assert post(client, bid.id, "about", {"has_plan": "no", "completed": "no"}).status_code == 302
    assert documents() == []
    assert "plan" not in stored(db, bid.id).answers
    assert client.get(f"/applications/{bid.id}/documents/{latest}").status_code == 404
