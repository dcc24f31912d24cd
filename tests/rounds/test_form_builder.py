"""A programme officer builds a round's application form: pages, every kind of question, built-in blocks,
conditions, a copy of another round's form; frozen once the round is published, its guidance still
changeable (and audited)."""

from __future__ import annotations

import re

import pytest

from grants.bidforms.default import EXPRESSION_OF_INTEREST
from grants.bidforms.models import FormPage, FormQuestion
from grants.bidforms.queries import form_of
from grants.core.audit import AuditEvent
from grants.rounds.models import RubricCriterion
from tests.factories import RoundFactory
from tests.helpers import csrf_token, error_summary, field_error, text
from tests.rounds.test_round_form_rules import NO_RULES


@pytest.fixture
def csrf(app, monkeypatch):
    """CSRF on, as in production: every post below carries the token its page drew."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


@pytest.fixture
def draft(db):
    return RoundFactory(status="draft", form=[])


def base(round_) -> str:
    return f"/manage/rounds/{round_.id}/form"


def submit(client, path: str, data: dict, *, page: str | None = None):
    """GET the page (``page``, else ``path``), then post ``data`` with its token and once-key."""
    html = client.get(page or path).get_data(as_text=True)
    hidden = {"csrf_token": csrf_token(html)}
    key = re.search(r'name="submission"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="submission"', html)
    if key:
        hidden["submission"] = key.group(1) or key.group(2)
    return client.post(path, data={**hidden, **data})


def add_page(client, round_, title: str, description: str = "") -> FormPage:
    response = submit(client, f"{base(round_)}/pages/new", {"title": title, "description": description})
    assert response.status_code == 302, error_summary(response.get_data(as_text=True))
    return form_of(round_.id).pages[-1]


def add_question(client, round_, page: FormPage, kind: str, details: dict):
    chosen = submit(client, f"{base(round_)}/questions/new?page={page.id}", {"page": page.id, "kind": kind})
    assert chosen.status_code == 302, error_summary(chosen.get_data(as_text=True))
    path = chosen.headers["Location"]
    return submit(client, path.split("?")[0], {"page": page.id, "required": "yes", **details}, page=path)


def questions(round_) -> dict[str, FormQuestion]:
    return form_of(round_.id).by_key


EVERY_KIND = [
    ("short_text", {"title": "Your organisation's name", "max_chars": "120"}),
    ("long_text", {"title": "What would you change?", "max_words": "250", "public_summary": "y"}),
    ("number", {"title": "People reached", "min_value": "1", "max_value": "10,000"}),
    ("money", {"title": "Your contribution", "min_value": "500", "max_value": "£10,000.50"}),
    ("date", {"title": "When would you start?"}),
    ("yes_no", {"title": "Do you work with schools?"}),
    ("choice", {"title": "Your sector", "choices": "Public\r\nVoluntary\r\nPrivate business"}),
    ("choices", {"title": "Who benefits?", "choices": "Children\nOlder people\nCarers"}),
    ("file", {"title": "Your plan", "required": "no"}),
]


def test_an_officer_builds_a_form_with_every_kind_of_question_and_a_condition(
    db, csrf, programme_officer_client, draft
):
    client = programme_officer_client
    assert "The form has no pages yet." in text(client.get(f"{base(draft)}/").get_data(as_text=True))
    first = add_page(client, draft, "About you", "Tell us who you are.")
    second = add_page(client, draft, "Schools")
    assert (first.key, second.key) == ("about_you", "schools")
    for kind, details in EVERY_KIND:
        response = add_question(client, draft, first, kind, details)
        assert response.status_code == 302, error_summary(response.get_data(as_text=True))
    response = add_question(
        client,
        draft,
        second,
        "long_text",
        {"title": "Which schools?", "condition": "do_you_work_with_schools=yes", "max_chars": "500"},
    )
    assert response.status_code == 302, error_summary(response.get_data(as_text=True))

    found = questions(draft)
    assert [q.kind for q in form_of(draft.id).pages[0].questions] == [kind for kind, _ in EVERY_KIND]
    assert found["your_organisation_s_name"].max_chars == 120
    assert found["what_would_you_change"].max_words == 250 and found["what_would_you_change"].public_summary
    assert (found["people_reached"].min_value, found["people_reached"].max_value) == (1, 10_000)
    assert (found["your_contribution"].min_value, found["your_contribution"].max_value) == (50_000, 1_000_050)
    assert found["your_sector"].choices == [
        {"value": "public", "label": "Public"},
        {"value": "voluntary", "label": "Voluntary"},
        {"value": "private-business", "label": "Private business"},
    ]
    assert found["your_plan"].required is False
    assert (found["which_schools"].condition_key, found["which_schools"].condition_value) == (
        "do_you_work_with_schools",
        "yes",
    )
    page = text(client.get(f"{base(draft)}/").get_data(as_text=True))
    assert "Only if ‘Do you work with schools?’ is Yes" in page
    assert "Money, required" in page and "A file, optional" in page
    actions = db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["form.page_added"] * 2 + ["form.question_added"] * 10


def test_a_question_is_edited_moved_to_another_page_and_removed(db, programme_officer_client, draft):
    client = programme_officer_client
    first, second = add_page(client, draft, "One"), add_page(client, draft, "Two")
    for title in ("Alpha", "Beta"):
        add_question(client, draft, first, "short_text", {"title": title})
    alpha, beta = questions(draft)["alpha"].id, questions(draft)["beta"].id
    moved = client.post(f"{base(draft)}/questions/{beta}/move", data={"direction": "up", "position": "2"})
    assert moved.status_code == 302
    assert [q.key for q in form_of(draft.id).pages[0].questions] == ["beta", "alpha"]
    changed = client.post(
        f"{base(draft)}/questions/{alpha}",
        data={"page": second.id, "title": "Alpha, renamed", "hint": "A hint", "required": "no", "condition": ""},
    )
    assert changed.status_code == 302, error_summary(changed.get_data(as_text=True))
    form = form_of(draft.id)
    assert [q.key for q in form.pages[1].questions] == ["alpha"]  # its key never changes
    assert (form.by_key["alpha"].title, form.by_key["alpha"].required) == ("Alpha, renamed", False)
    assert client.get(f"{base(draft)}/questions/{alpha}/remove").status_code == 200
    assert client.post(f"{base(draft)}/questions/{alpha}/remove").status_code == 302
    assert "alpha" not in questions(draft)
    again = client.post(f"{base(draft)}/questions/{alpha}/remove")
    assert again.status_code == 303
    assert "That question is no longer on the form." in text(client.get(again.headers["Location"]).get_data(True))


@pytest.mark.parametrize(
    ("kind", "details", "field", "message"),
    [
        ("short_text", {"title": "   "}, "title", "Enter the question"),
        (
            "number",
            {"title": "People", "min_value": "10", "max_value": "5"},
            "max_value",
            "The largest number must be the same as or more than the smallest",
        ),
        (
            "money",
            {"title": "Money", "min_value": "lots"},
            "min_value",
            "Smallest amount: enter an amount in pounds, like 27,000 or 27000.00",
        ),
        ("long_text", {"title": "Essay", "max_words": "0"}, "max_words", "Most words must be 1 or more"),
        (
            "long_text",
            {"title": "Essay", "max_chars": "ten"},
            "max_chars",
            "Most characters must be a whole number, like 25",
        ),
        ("choice", {"title": "Pick", "choices": "Only one"}, "choices", "Enter at least 2 choices, one on each line"),
        (
            "choices",
            {"title": "Pick", "choices": "Yes!\nyes"},
            "choices",
            "The choice ‘yes’ is the same as another: make each one different",
        ),
        ("choice", {"title": "Pick", "choices": "???\nFine"}, "choices", "The choice ‘???’ needs a letter or a digit"),
    ],
)
def test_bad_details_are_explained_next_to_the_field_and_nothing_is_added(
    db, programme_officer_client, draft, kind, details, field, message
):
    page = add_page(programme_officer_client, draft, "Questions")
    before = db.session.scalar(db.select(db.func.count(AuditEvent.id)))
    response = add_question(programme_officer_client, draft, page, kind, details)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(html, field) == message
    assert message in error_summary(html)
    assert questions(draft) == {}
    added = db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.id > 0)).all()[before:]
    assert "form.question_added" not in added


def test_keys_come_from_titles_never_reserved_and_unique_in_the_round(db, programme_officer_client, draft):
    page = add_page(programme_officer_client, draft, "Questions")
    assert page.key == "questions"  # a page's key is its address: the names of fields do not matter to it
    titles = ("Title", "Budget", "Your idea", "Your idea", "2030 plans", "¿Qué?", "Validate the idea", "Organisation")
    for title in titles:
        response = add_question(programme_officer_client, draft, page, "short_text", {"title": title})
        assert response.status_code == 302
    assert list(questions(draft)) == [
        "title_2",
        "budget_2",
        "your_idea",
        "your_idea_2",
        "question_2030_plans",
        "que",
        "question_validate_the_idea",  # never read by the page form as a check of the field ``the_idea``
        "organisation_2",  # the bid's field the partnership form carries as organisation_name
    ]
    assert add_page(programme_officer_client, draft, "Round").key == "round_2"  # the check page's own
    again = add_page(programme_officer_client, draft, "Questions")
    assert again.key == "questions_2"


def test_a_condition_looks_only_to_an_earlier_pages_yes_no_or_choice_answer(db, programme_officer_client):
    round_ = RoundFactory(status="draft", form=EXPRESSION_OF_INTEREST)
    client = programme_officer_client
    form = form_of(round_.id)
    idea_page, partners_page = form.page("idea"), form.page("partners")
    add_question(client, round_, partners_page, "short_text", {"title": "Who leads?"})
    budget = form.page("budget")
    for page, condition, message in [
        (partners_page, "partners_agreed=yes", "A question can depend only on a question on an earlier page"),
        (idea_page, "partners_agreed=yes", "A question can depend only on a question on an earlier page"),
        (budget, "idea=yes", "Choose a yes or no, or a choice, question for the condition"),
        (budget, "partners_agreed=maybe", "Choose one of the answers to ‘Have other organisations agreed"),
        (budget, "budget=yes", "Choose a yes or no, or a choice, question for the condition"),
    ]:
        response = add_question(client, round_, page, "yes_no", {"title": "Depends", "condition": condition})
        assert response.status_code == 400, condition
        assert (field_error(response.get_data(as_text=True), "condition") or "").startswith(message), condition
    assert "depends" not in questions(round_)
    # The question others look to cannot be removed, nor its page moved after theirs.
    controlling = questions(round_)["partners_agreed"]
    refused = client.post(f"{base(round_)}/questions/{controlling.id}/remove")
    page = text(client.get(refused.headers["Location"]).get_data(as_text=True))
    assert "‘Which organisations have agreed?’ is shown depending on the answer to ‘Have other" in page
    moved = client.post(f"{base(round_)}/pages/{partners_page.id}/move", data={"direction": "down", "position": "2"})
    page = text(client.get(moved.headers["Location"]).get_data(as_text=True))
    assert "which must come on an earlier page" in page
    assert [p.key for p in form_of(round_.id).pages] == ["idea", "partners", "partner_names", "budget"]
    assert "partners_agreed" in questions(round_)


def test_blocks_are_added_once_and_removed_only_when_the_round_can_do_without(db, programme_officer_client, draft):
    client = programme_officer_client
    page = add_page(client, draft, "Money")
    response = submit(client, f"{base(draft)}/questions/new?page={page.id}", {"page": page.id, "kind": "budget"})
    assert response.status_code == 302
    budget = questions(draft)["budget"]
    assert (budget.kind, budget.title) == ("budget", "Budget")
    kinds = client.get(f"{base(draft)}/questions/new?page={page.id}").get_data(as_text=True)
    assert 'value="budget"' not in kinds and 'value="measures"' in kinds
    # Partnership needs a page to itself.
    refused = submit(client, f"{base(draft)}/questions/new", {"page": page.id, "kind": "partnership"})
    assert field_error(refused.get_data(as_text=True), "kind").startswith(
        "The partnership block needs a page of its own"
    )
    removal = client.post(f"{base(draft)}/questions/{budget.id}/remove")
    shown = text(client.get(removal.headers["Location"]).get_data(as_text=True))
    assert "The budget block cannot be removed. Every bid needs the amount it asks for" in shown
    assert "budget" in questions(draft)
    submit(client, f"{base(draft)}/questions/new", {"page": page.id, "kind": "measures"})
    measures = questions(draft)["measures"]
    assert client.post(f"{base(draft)}/questions/{measures.id}/remove").status_code == 302
    assert "measures" not in questions(draft)
    # Commitments are needed while the round asks for them.
    submit(client, f"{base(draft)}/questions/new", {"page": page.id, "kind": "commitments"})
    commitments = questions(draft)["commitments"]
    removal = client.post(f"{base(draft)}/questions/{commitments.id}/remove")
    shown = text(client.get(removal.headers["Location"]).get_data(as_text=True))
    assert "The round's rules ask for learning commitments" in shown


def test_once_published_the_questions_are_fixed_and_only_the_guidance_changes(db, csrf, programme_officer_client):
    round_ = RoundFactory(status="draft")
    client = programme_officer_client
    html = client.get(f"/manage/rounds/{round_.id}").get_data(as_text=True)
    response = client.post(
        f"/manage/rounds/{round_.id}/status", data={"target": "open", "csrf_token": csrf_token(html)}
    )
    db.session.refresh(round_)
    assert response.status_code == 302 and round_.status == "open"
    reason = "This round is open: its questions cannot change. You can still change the guidance."
    refused = submit(client, f"{base(round_)}/pages/new", {"title": "More"}, page=f"/manage/rounds/{round_.id}")
    assert refused.status_code == 400 and field_error(refused.get_data(as_text=True), "title") == reason
    assert client.get(f"{base(round_)}/pages/new").headers["Location"] == f"{base(round_)}/"
    issue = questions(round_)["issue"]
    removal = submit(client, f"{base(round_)}/questions/{issue.id}/remove", {}, page=f"{base(round_)}/")
    assert reason in text(client.get(removal.headers["Location"]).get_data(as_text=True))
    edit = client.get(f"{base(round_)}/questions/{issue.id}").get_data(as_text=True)
    assert 'name="title"' not in edit and 'name="hint"' in edit
    changed = submit(client, f"{base(round_)}/questions/{issue.id}", {"hint": "Say who it affects.", "title": "X"})
    assert changed.status_code == 302
    issue = questions(round_)["issue"]
    assert (issue.title, issue.hint) == ("The issue", "Say who it affects.")
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "form.guidance_changed")).one()
    assert event.before["hint"].startswith("What is the issue") and event.after == {
        "question": "issue",
        "hint": "Say who it affects.",
    }
    page = form_of(round_.id).page("vision")
    changed = submit(client, f"{base(round_)}/pages/{page.id}", {"description": "New words.", "title": "Other"})
    assert changed.status_code == 302
    assert (form_of(round_.id).page("vision").title, form_of(round_.id).page("vision").description) == (
        "Shared vision",
        "New words.",
    )


def test_a_draft_round_copies_another_rounds_form_and_its_rubric_keeps_what_remains(db, programme_officer_client):
    other_programme = RoundFactory(status="decided", form=EXPRESSION_OF_INTEREST, code="EOI1")
    # A round whose rules ask for no partners, match funding or commitments: a short form will do.
    draft = RoundFactory(status="draft", eligibility=NO_RULES, match_required_pence=0)
    criterion = draft.criteria[0]
    criterion.question_keys = ["issue", "place_themes"]
    db.session.commit()
    client = programme_officer_client
    page = client.get(f"{base(draft)}/copy").get_data(as_text=True)
    assert "EOI1: " in page
    unconfirmed = submit(client, f"{base(draft)}/copy", {"source": other_programme.id})
    assert (
        field_error(unconfirmed.get_data(as_text=True), "confirm") == "Confirm that the copy replaces this round's form"
    )
    response = submit(client, f"{base(draft)}/copy", {"source": other_programme.id, "confirm": "y"})
    assert response.status_code == 302
    assert [p.key for p in form_of(draft.id).pages] == ["idea", "partners", "partner_names", "budget"]
    assert questions(draft)["partner_names"].condition_key == "partners_agreed"
    assert db.session.get(RubricCriterion, criterion.id).question_keys == ["place_themes"]
    assert [p.key for p in form_of(other_programme.id).pages] == ["idea", "partners", "partner_names", "budget"]
    # An open round's form is not replaced.
    refused = submit(
        client, f"{base(other_programme)}/copy", {"source": draft.id, "confirm": "y"}, page=f"{base(draft)}/copy"
    )
    assert refused.status_code == 400
    assert "its questions cannot change" in field_error(refused.get_data(as_text=True), "source")


def test_a_form_without_a_block_the_rounds_rules_need_is_not_copied(db, programme_officer_client):
    short = RoundFactory(status="decided", form=EXPRESSION_OF_INTEREST, code="EOI2")
    draft = RoundFactory(status="draft")  # the programme's rules: partners, match funding, commitments
    before = [p.key for p in form_of(draft.id).pages]
    refused = submit(programme_officer_client, f"{base(draft)}/copy", {"source": short.id, "confirm": "y"})
    assert refused.status_code == 400
    assert field_error(refused.get_data(as_text=True), "source") == (
        "That round's form has no ‘Partnership’ block, which this round needs. The round's rules ask for "
        "partners: set them to none on the round's details first."
    )
    assert [p.key for p in form_of(draft.id).pages] == before


def test_an_add_sent_twice_adds_once_and_a_move_sent_twice_moves_once(db, programme_officer_client, draft):
    from grants.core.once import ALREADY

    client = programme_officer_client
    html = client.get(f"{base(draft)}/pages/new").get_data(as_text=True)
    key = re.search(r'name="submission"[^>]*value="([^"]+)"', html).group(1)
    first = client.post(f"{base(draft)}/pages/new", data={"title": "First", "submission": key})
    again = client.post(f"{base(draft)}/pages/new", data={"title": "First", "submission": key})
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert ALREADY in text(client.get(again.headers["Location"]).get_data(as_text=True))
    add_page(client, draft, "Second")
    assert [p.key for p in form_of(draft.id).pages] == ["first", "second"]
    twice = form_of(draft.id).page("second")
    for _ in range(2):
        client.post(f"{base(draft)}/pages/{twice.id}/move", data={"direction": "up", "position": "2"})
    assert [p.key for p in form_of(draft.id).pages] == ["second", "first"]
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(AuditEvent.action == "form.page_moved")) == 1


@pytest.mark.parametrize("client_name", ["applicant_client", "steering_chair_client", "finance_approver_client"])
def test_only_programme_officers_build_forms(db, request, client_name, draft):
    client = request.getfixturevalue(client_name)
    assert client.get(f"{base(draft)}/").status_code == 403
    assert client.post(f"{base(draft)}/pages/new", data={"title": "Mine"}).status_code == 403
    assert form_of(draft.id).pages == []
