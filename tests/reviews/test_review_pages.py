"""The pages reviewers and the programme team work on: "Your reviews" split into to do and done, the
reviewers page with the bids needing a reviewer first, and the scoring page with the scale explained."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from grants.core.db import utcnow
from grants.core.permissions import Role
from grants.extensions import db as _db
from grants.reviews.models import ReviewAssignment
from grants.reviews.scoring import scale_meanings
from tests.factories import ReviewAssignmentFactory, RoundFactory, UserFactory, submitted_review, under_review_bid
from tests.fixtures.clients import sign_in_client
from tests.helpers import text
from tests.performance import worlds

CSS = Path(__file__).resolve().parents[2] / "grants" / "static" / "grants.css"


@pytest.fixture
def round_(db):
    return RoundFactory(code="LV7", status="assessing", assessment_deadline=date.today() + timedelta(days=20))


@pytest.fixture
def member(app, db):
    return sign_in_client(app, UserFactory(roles=[Role.STEERING_MEMBER]))


def section(html: str, marker: str) -> str:
    """The words from a heading (its id) to the next second-level heading."""
    start = html.index(f'id="{marker}"')
    following = html.find("<h2", start)
    return text(html[start : following if following != -1 else len(html)])


# --- Your reviews ---------------------------------------------------------------------------------------------


def test_your_reviews_puts_what_is_to_do_first_with_its_deadline_and_what_is_done_below(db, round_, member):
    declare = ReviewAssignmentFactory(application=under_review_bid(round_, title="To declare"), reviewer=member.user)
    scoring = ReviewAssignmentFactory(
        application=under_review_bid(round_, title="To score"), reviewer=member.user, status="in_progress"
    )
    finished = submitted_review(under_review_bid(round_, title="Finished"), [3, 3], reviewer=member.user)
    html = member.get("/reviews/").get_data(as_text=True)
    to_do, done = section(html, "to-do"), section(html, "done")
    assert html.index('id="to-do"') < html.index('id="done"')
    assert declare.application.reference in to_do and "To score" in to_do
    assert round_.assessment_deadline.strftime("%-d %B %Y") in to_do
    assert finished.application.reference not in to_do
    assert "Finished" in done and "Scores submitted" in done
    assert re.search(r'id="to-do".*?data-count="2"', html, flags=re.S)
    assert re.search(r'id="done".*?data-count="1"', html, flags=re.S)
    assert scoring.application.reference not in done


def test_a_request_to_look_again_brings_a_review_back_to_do(db, round_, member):
    finished = submitted_review(under_review_bid(round_), [3, 3], reviewer=member.user)
    finished.look_again_note = "Look at the budget."
    db.session.commit()
    html = member.get("/reviews/").get_data(as_text=True)
    assert finished.application.reference in section(html, "to-do") and "Asked to look again" in section(html, "to-do")
    assert "You have not finished any reviews yet." in section(html, "done")


def test_an_overdue_review_says_so_in_words(db, member):
    round_ = RoundFactory(status="assessing", assessment_deadline=None)
    ReviewAssignmentFactory(
        application=under_review_bid(round_), reviewer=member.user, due_on=date.today() - timedelta(days=2)
    )
    assert "Overdue since" in section(member.get("/reviews/").get_data(as_text=True), "to-do")


def test_a_review_whose_scoring_closed_unsubmitted_is_not_left_to_do(db, member):
    round_ = RoundFactory(status="assessing", assessment_deadline=date.today() - timedelta(days=1))
    ReviewAssignmentFactory(application=under_review_bid(round_), reviewer=member.user, status="in_progress")
    html = member.get("/reviews/").get_data(as_text=True)
    assert "You have no bids to review at the moment." in section(html, "to-do")
    assert "Not submitted: scoring closed" in section(html, "done")


def test_done_reviews_come_a_page_at_a_time_latest_first(db, round_, member):
    ids = worlds.grow_bids(round_, 23)
    now = utcnow()
    _db.session.execute(
        insert(ReviewAssignment),
        [
            {
                "application_id": application_id,
                "reviewer_id": member.user.id,
                "due_on": date.today(),
                "status": "submitted",
                "submitted_at": now - timedelta(days=n),
            }
            for n, application_id in enumerate(ids)
        ],
    )
    _db.session.commit()
    first = member.get("/reviews/").get_data(as_text=True)
    done = section(first, "done")
    references = re.findall(r"LV7-\d{5}", done)
    assert references[0] == "LV7-00001" and len(references) == 20  # submitted today, then a day earlier ...
    assert references == sorted(references)
    assert 'href="/reviews/?page=2"' in first
    second = section(member.get("/reviews/?page=2").get_data(as_text=True), "done")
    assert re.findall(r"LV7-\d{5}", second) == ["LV7-00021", "LV7-00022", "LV7-00023"]


# --- The reviewers page -----------------------------------------------------------------------------------------


def test_the_reviewers_page_lists_the_bids_needing_a_reviewer_first_by_name(db, round_, app):
    officer = sign_in_client(app, UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    full = under_review_bid(round_, title="Able Partnership")
    short_z = under_review_bid(round_, title="Zebra Crossing")
    short_b = under_review_bid(round_, title="Bright Futures")
    for _ in range(2):
        ReviewAssignmentFactory(application=full)
    ReviewAssignmentFactory(application=short_z)
    html = officer.get(f"/manage/rounds/{round_.id}/reviewers").get_data(as_text=True)
    page = text(html)
    assert "2 bids have fewer than 2 active reviewers" in page
    needing = text(
        html[html.index("data-needing-reviewers") : html.index("</ul>", html.index("data-needing-reviewers"))]
    )
    assert needing.index("Bright Futures") < needing.index("Zebra Crossing") and "Able Partnership" not in needing
    assert f'href="/manage/applications/{short_b.id}/reviewers">Assign a reviewer to Bright Futures' in html
    table = text(html[html.index("<table") :])
    assert table.index("Bright Futures") < table.index("Zebra Crossing") < table.index("Able Partnership")


def test_a_round_with_no_reviewers_yet_says_so(db, round_, app):
    officer = sign_in_client(app, UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    under_review_bid(round_, title="Zebra Crossing"), under_review_bid(round_, title="Bright Futures")
    page = text(officer.get(f"/manage/rounds/{round_.id}/reviewers").get_data(as_text=True))
    assert "2 bids have no reviewers yet." in page and page.count("Needs a reviewer") == 2
    assert page.index("Bright Futures") < page.index("Zebra Crossing")


# --- The scoring page -------------------------------------------------------------------------------------------


def test_each_point_of_the_scale_is_explained(db, round_, member):
    assignment = ReviewAssignmentFactory(
        application=under_review_bid(round_), reviewer=member.user, status="in_progress"
    )
    html = member.get(f"/reviews/{assignment.id}").get_data(as_text=True)
    for criterion in round_.criteria:
        block = html[html.index(f'data-criterion="{criterion.id}"') :]
        block = text(block[: block.index("</fieldset>")])
        for point in scale_meanings(criterion.scale_min, criterion.scale_max):
            assert f"{point.value}: {point.word} {point.meaning}" in block
    assert "0: No evidence The bid does not address this." in text(html)
    assert "5: Excellent Meets this fully, with strong evidence." in text(html)


def test_the_scale_means_the_same_on_any_rubric():
    assert [point.word for point in scale_meanings(0, 5)] == [
        "No evidence",
        "Weak",
        "Limited",
        "Adequate",
        "Good",
        "Excellent",
    ]
    assert [point.value for point in scale_meanings(1, 4)] == [1, 2, 3, 4]
    assert scale_meanings(1, 4)[0].word == "No evidence" and scale_meanings(1, 4)[-1].word == "Excellent"


def test_the_bid_and_the_scores_are_side_by_side_and_reflow(db, round_, member):
    bid = under_review_bid(round_)
    assignment = ReviewAssignmentFactory(application=bid, reviewer=member.user, status="in_progress")
    html = member.get(f"/reviews/{assignment.id}").get_data(as_text=True)
    layout = html[html.index('class="grants-scoring"') :]
    bid_column = layout.index('class="grants-scoring__bid"')
    scores_column = layout.index('class="grants-scoring__scores"')
    assert bid_column < layout.index(bid.answers["shared_vision"]) < scores_column < layout.index("Submit scores")
    assert 'role="region" aria-labelledby="bid-heading" tabindex="0"' in layout  # it scrolls by keyboard too
    css = CSS.read_text()
    # One column by default (a phone at 320 CSS px), two from 64em, the bid kept in view as scores go by.
    one = re.search(r"\.grants-scoring \{[^}]*grid-template-columns: minmax\(0, 1fr\);", css)
    two = re.search(
        r"@media \(min-width: 64em\) \{\s*\.grants-scoring \{[^}]*minmax\(0, 1fr\) minmax\(0, 1fr\)[^}]*\}"
        r"\s*\.grants-scoring__bid \{[^}]*position: sticky",
        css,
    )
    assert one and two


def test_closed_scores_show_what_each_score_meant(db, member):
    round_ = RoundFactory(status="assessing", assessment_deadline=date.today() - timedelta(days=1))
    assignment = submitted_review(under_review_bid(round_), [4, 1], reviewer=member.user)
    page = text(member.get(f"/reviews/{assignment.id}").get_data(as_text=True))
    assert "4: Good Because." in page and "1: Weak Because." in page and "Scoring for this round has closed." in page
