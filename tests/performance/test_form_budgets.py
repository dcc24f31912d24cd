"""A round's form can have 5 questions or 60: the page an applicant fills in and the officer's list of
bids run the same number of statements for either, within their budgets. A form loaded a question (or
an answer) at a time fails the first check."""

from __future__ import annotations

from itertools import cycle, islice

import pytest

from grants.applications.models import Application
from grants.core.permissions import Role
from grants.extensions import db
from tests.factories import ApplicationFactory, RoundFactory, UserFactory
from tests.fixtures.clients import sign_in_client
from tests.performance import worlds
from tests.performance.test_query_budgets import (  # noqa: F401  (the fixture keeps selectin batches a page long)
    selectin_batch_of_a_page,
    statements_of,
)

# The form page: the person (2), the bid with everything a page may show of it (8), the form (2).
BUDGETS = {"form_page": 12, "officer_applications": 8}
SMALL, LARGE = 5, 60
KINDS = ("short_text", "long_text", "number", "money", "date", "yes_no", "choice", "choices", "file")
ANSWERS = {
    "short_text": "Wigan Council",
    "long_text": "A paragraph.",
    "number": 12,
    "money": 150_000,
    "date": "2027-03-31",
    "yes_no": "yes",
    "choice": "one",
    "choices": ["one", "two"],
}


def form_of(questions: int) -> list:
    """One page of ``questions`` questions of every kind in turn (conditions on the first yes/no), then the
    budget the service needs."""
    listed = []
    for number, kind in enumerate(islice(cycle(KINDS), questions), start=1):
        question = {"key": f"q{number}", "kind": kind, "title": f"Question {number}", "required": False}
        if kind in ("choice", "choices"):
            question["choices"] = [{"value": "one", "label": "One"}, {"value": "two", "label": "Two"}]
        listed.append(question)
    return [
        ("about", "About the work", "", listed),
        (
            "later",
            "Later",
            "",
            [{"key": "later", "kind": "short_text", "title": "Later", "condition_key": "q6", "condition_value": "yes"}],
        ),
        ("budget", "Budget", "", [{"key": "budget", "kind": "budget"}]),
    ]


def answers_of(questions: int) -> dict:
    return {
        f"q{number}": ANSWERS[kind]
        for number, kind in enumerate(islice(cycle(KINDS), questions), start=1)
        if kind in ANSWERS
    }


def form_page(app, questions: int) -> list[str]:
    round_ = RoundFactory(form=form_of(questions))
    application = ApplicationFactory(round=round_, answers=answers_of(questions))
    client = sign_in_client(app, application.lead_applicant)
    url = f"/applications/{application.id}/sections/about"
    client.get(url)  # warm up
    statements = statements_of(client, url)
    assert f"Question {questions}" in client.get(url).get_data(as_text=True)
    return statements


def officer_applications(app, questions: int) -> list[str]:
    round_ = RoundFactory(form=form_of(questions))
    ids = worlds.grow_bids(round_, 10)
    db.session.execute(db.update(Application).where(Application.id.in_(ids)).values(answers=answers_of(questions)))
    db.session.commit()
    client = sign_in_client(app, UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    url = f"/manage/applications/?round={round_.id}"
    client.get(url)
    return statements_of(client, url)


PAGES = {"form_page": form_page, "officer_applications": officer_applications}


@pytest.mark.parametrize("page", PAGES)
def test_the_page_runs_as_many_queries_for_60_questions_as_for_5(app, db, page):
    small, large = PAGES[page](app, SMALL), PAGES[page](app, LARGE)
    assert len(small) == len(large), (page, small, large)
    assert len(large) <= BUDGETS[page], f"{page}: {len(large)} queries, over its budget of {BUDGETS[page]}"


def test_a_query_for_each_question_is_caught(app, db, monkeypatch):
    """Something of each question loaded when the form is, one statement a question."""
    from grants.bidforms.queries import Form

    built = Form.__post_init__

    def one_by_one(form):
        built(form)
        for _question in form.questions:
            db.session.execute(db.select(1))

    monkeypatch.setattr(Form, "__post_init__", one_by_one)
    with pytest.raises(AssertionError, match="form_page"):
        test_the_page_runs_as_many_queries_for_60_questions_as_for_5(app, db, "form_page")
