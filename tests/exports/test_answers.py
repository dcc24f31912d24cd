"""With a round chosen, the applications download has a column for each question of the round's form,
in the form's order, headed by the question's title; across rounds, only the columns every bid shares."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from grants.extensions import db as _db
from tests.exports.conftest import assessing_round, csv_table, xlsx_table
from tests.factories import DocumentFactory, under_review_bid
from tests.form_specs import EVERY_KIND, every_kind_answers

QUESTION_COLUMNS = [
    "Tell us your story",
    "Who to contact",
    "People reached",
    "What it costs",
    "When it starts",
    "Do you work with schools?",
    "How big is the partnership?",
    "Who will benefit?",
    "Your plan",
    "Which schools?",
]


def _round_with_a_bid_answering_every_kind():
    round_ = assessing_round(form=EVERY_KIND)
    bid = under_review_bid(round_)
    plan = DocumentFactory(application_id=bid.id, kind="answer", original_filename="our-plan.pdf")
    bid.answers = {**every_kind_answers(plan.id), "story": '=HYPERLINK("x")\nIt began with a walk.'}
    _db.session.commit()
    return round_, bid


def test_a_rounds_csv_has_a_column_for_each_of_its_questions(db, programme_officer_client):
    round_, bid = _round_with_a_bid_answering_every_kind()
    response = programme_officer_client.get(f"/exports/applications.csv?round={round_.id}")
    (row,) = csv_table(response)
    assert list(row)[-len(QUESTION_COLUMNS) :] == QUESTION_COLUMNS
    assert list(row)[: -len(QUESTION_COLUMNS)][-1] == "Withdrawn at (UK time)"
    assert {heading: row[heading] for heading in QUESTION_COLUMNS} == {
        "Tell us your story": '\'=HYPERLINK("x")\nIt began with a walk.',  # never a formula
        "Who to contact": "",
        "People reached": "1200",
        "What it costs": "1250.50",
        "When it starts": "2027-03-01",
        "Do you work with schools?": "No",
        "How big is the partnership?": "More than 5",
        "Who will benefit?": "Under 16s; Over 65s",
        "Your plan": "our-plan.pdf",
        "Which schools?": "",
    }
    assert row["Reference"] == bid.reference


def test_a_rounds_workbook_has_its_answers_as_numbers_dates_and_words(db, programme_officer_client):
    round_, _bid = _round_with_a_bid_answering_every_kind()
    (row,) = xlsx_table(programme_officer_client.get(f"/exports/applications.xlsx?round={round_.id}"))
    assert list(row)[-len(QUESTION_COLUMNS) :] == QUESTION_COLUMNS
    assert row["People reached"] == 1200
    assert Decimal(str(row["What it costs"])) == Decimal("1250.5")
    assert row["When it starts"] == datetime(2027, 3, 1)
    assert row["Who will benefit?"] == "Under 16s; Over 65s"


def test_across_rounds_the_download_has_only_the_columns_every_bid_shares(db, programme_officer_client):
    _round_with_a_bid_answering_every_kind()
    under_review_bid()  # a bid in a round with the default form
    rows = csv_table(programme_officer_client.get("/exports/applications.csv"))
    assert len(rows) == 2
    assert list(rows[0])[-1] == "Withdrawn at (UK time)"
    assert not {"Tell us your story", "The issue"} & set(rows[0])


def test_the_downloads_page_lists_the_rounds_questions_among_the_columns(db, programme_officer_client):
    round_, _bid = _round_with_a_bid_answering_every_kind()
    page = programme_officer_client.get(f"/exports/?round={round_.id}").get_data(as_text=True)
    assert "Withdrawn at (UK time), Tell us your story, Who to contact" in page
    assert "Tell us your story" not in programme_officer_client.get("/exports/").get_data(as_text=True)


def test_a_question_titled_like_a_column_of_the_bid_gets_a_heading_of_its_own(db, programme_officer_client):
    """A question titled "Title" beside the bid's own Title: both columns kept, told apart by the key."""
    form = [
        ("about", "About", "", [{"key": "place_themes", "kind": "place_themes"}]),
        ("more", "More", "", [{"key": "title_2", "kind": "short_text", "title": "Title"}]),
        ("budget", "Budget", "", [{"key": "budget", "kind": "budget"}]),
    ]
    round_ = assessing_round(form=form)
    bid = under_review_bid(round_)
    bid.answers = {"title_2": "Our working title"}
    _db.session.commit()
    for url in (f"/exports/applications.csv?round={round_.id}", f"/manage/applications/export.csv?round={round_.id}"):
        (row,) = csv_table(programme_officer_client.get(url))
        assert row["Title"] == bid.title, url
        assert row["Title (title_2)"] == "Our working title", url
