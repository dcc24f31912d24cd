"""The officer's list as CSV: with a round chosen, a column for each question of its form after the
list's own, in the form's order, in words; across rounds, the list's own columns only. A fixed number
of queries however many bids and questions."""

from __future__ import annotations

import csv
import io

from grants.extensions import db as _db
from tests.factories import ApplicationFactory, DocumentFactory, RoundFactory, complete_bid
from tests.form_specs import EVERY_KIND, every_kind_answers
from tests.helpers import QueryCounter

LIST_COLUMNS = [
    "Reference",
    "Title",
    "Round",
    "Status",
    "Lead organisation",
    "Lead sector",
    "Place",
    "ONS code",
    "Themes",
    "Amount requested",
    "Match pledged",
    "Submitted",
]


def _rows(client, query: str = "") -> list[dict[str, str]]:
    response = client.get(f"/manage/applications/export.csv{query}")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_a_rounds_csv_has_a_column_for_each_question_in_words(db, programme_officer_client):
    round_ = RoundFactory(form=EVERY_KIND)
    bid = ApplicationFactory(round=round_, title="Walking bus")
    plan = DocumentFactory(application_id=bid.id, kind="answer", original_filename="our-plan.pdf")
    bid.answers = {**every_kind_answers(plan.id), "contact": "=cmd|' /C calc'!A0"}
    _db.session.commit()
    (row,) = _rows(programme_officer_client, f"?round={round_.id}")
    assert list(row) == LIST_COLUMNS + [
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
    assert row["Tell us your story"] == "It began\nwith a walk."
    assert row["Who to contact"] == "'=cmd|' /C calc'!A0"  # never a formula
    assert (row["People reached"], row["What it costs"], row["When it starts"]) == (
        "1,200",
        "£1,250.50",
        "1 March 2027",
    )
    assert (row["Who will benefit?"], row["Your plan"], row["Which schools?"]) == (
        "Under 16s; Over 65s",
        "our-plan.pdf",
        "",
    )


def test_across_rounds_the_csv_has_the_lists_own_columns(db, programme_officer_client):
    complete_bid(ApplicationFactory(round=RoundFactory(form=EVERY_KIND)))
    complete_bid(ApplicationFactory())
    rows = _rows(programme_officer_client)
    assert len(rows) == 2 and list(rows[0]) == LIST_COLUMNS


def test_a_rounds_csv_runs_a_fixed_number_of_queries_for_5_questions_or_60(db, programme_officer_client):
    many = [
        (
            "page",
            "Many questions",
            "",
            [{"key": f"q{n}", "kind": "short_text", "title": f"Question {n}"} for n in range(60)],
        )
    ]

    def queries_for(form, bids: int) -> int:
        round_ = RoundFactory(form=form)
        for _ in range(bids):
            ApplicationFactory(round=round_, answers={"q1": "An answer", "story": "A story"})
        with QueryCounter() as counter:
            assert len(_rows(programme_officer_client, f"?round={round_.id}")) == bids
        return counter.count

    assert queries_for(EVERY_KIND, 2) == queries_for(EVERY_KIND, 12) == queries_for(many, 12)
