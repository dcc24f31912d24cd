"""Each rubric criterion shows the bid's answers to the questions it assesses, beside its score: for the
reviewer scoring it and for the chair comparing the scores."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from grants.core.permissions import Role
from grants.extensions import db as _db
from grants.rounds.models import RubricCriterion
from tests.factories import (
    DocumentFactory,
    ReviewAssignmentFactory,
    RoundFactory,
    UserFactory,
    submitted_review,
    under_review_bid,
)
from tests.fixtures.clients import sign_in_client
from tests.form_specs import EVERY_KIND, every_kind_answers
from tests.helpers import text


def _criterion(position: int, title: str, keys: list[str], weight: int = 50) -> RubricCriterion:
    return RubricCriterion(position=position, title=title, weight=weight, scale_min=0, scale_max=5, question_keys=keys)


def _beside(html: str, criterion_id: int) -> str:
    """The words of one criterion's part of the scoring form, from its heading to its score's radios."""
    start = html.index(f'data-criterion="{criterion_id}"')
    end = html.index(f'name="value_{criterion_id}"', start)
    return html[start:end]


@pytest.fixture
def member(app, db):
    return sign_in_client(app, UserFactory(roles=[Role.STEERING_MEMBER]))


def _scoring_page(member, bid) -> str:
    assignment = ReviewAssignmentFactory(application=bid, reviewer=member.user, status="in_progress")
    response = member.get(f"/reviews/{assignment.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_reviewer_reads_the_answers_a_criterion_assesses_beside_its_score(db, member):
    round_ = RoundFactory(
        status="assessing",
        assessment_deadline=date.today() + timedelta(days=20),
        criteria=[
            _criterion(1, "Clarity of the shared vision", ["shared_vision"]),
            _criterion(2, "Measurable outcomes", ["measures", "outcomes"]),
            _criterion(3, "Citizen voice", []),
        ],
    )
    bid = under_review_bid(round_)
    bid.answers = {**bid.answers, "shared_vision": "Everyone home safely.\n\nWith the support they chose."}
    _db.session.commit()
    vision, outcomes, voice = round_.criteria
    html = _scoring_page(member, bid)

    beside_vision = _beside(html, vision.id)
    assert "What the bid says" in text(beside_vision)
    pre_wrapped = '<span class="grants-pre-wrap">Everyone home safely.&#10;&#10;With the support they chose.</span>'
    assert pre_wrapped in beside_vision
    assert "Fewer delayed discharges" not in beside_vision
    # In the form's order (outcomes before measures), a block's parts as a list.
    beside_outcomes = text(_beside(html, outcomes.id))
    assert beside_outcomes.index("Intended outcomes Fewer delayed discharges.") < beside_outcomes.index(
        "Measures of success Delayed discharges (per month): from 40 to 20, lower is better"
    )
    assert "Everyone home safely" not in beside_outcomes
    assert "What the bid says" not in _beside(html, voice.id)


def test_every_kind_of_answer_is_shown_in_words_and_a_hidden_question_is_left_out(db, member):
    round_ = RoundFactory(
        status="assessing",
        assessment_deadline=date.today() + timedelta(days=20),
        form=EVERY_KIND,
        criteria=[
            _criterion(
                1,
                "Everything",
                ["which_schools", "plan", "ages", "size", "schools", "start", "cost", "people", "contact", "story"],
            ),
            _criterion(2, "Money", ["budget"]),
        ],
    )
    bid = under_review_bid(round_)
    plan = DocumentFactory(application_id=bid.id, kind="answer", original_filename="our-plan.pdf")
    # The question shown only to those who work with schools keeps an answer from before they said no.
    bid.answers = {**every_kind_answers(plan.id), "which_schools": "Left from before"}
    _db.session.commit()
    everything, money = round_.criteria
    html = _scoring_page(member, bid)

    beside = _beside(html, everything.id)
    words = text(beside)
    for expected in (
        "Tell us your story It began with a walk.",
        "Who to contact Not answered",
        "People reached 1,200",
        "What it costs £1,250.50",
        "When it starts 1 March 2027",
        "Do you work with schools? No",
        "How big is the partnership? More than 5",
        "Who will benefit? Under 16s; Over 65s",
        "Your plan our-plan.pdf (2 KB)",
    ):
        assert expected in words
    assert words.index("Tell us your story") < words.index("Your plan")  # the form's order
    assert "Which schools?" not in words and "Left from before" not in words
    assert f'href="/applications/{bid.id}/documents/{plan.id}"' in beside
    assert "Amount requested: £27,000" in text(_beside(html, money.id))


def test_a_question_taken_off_the_form_is_not_shown(db, member):
    round_ = RoundFactory(
        status="assessing",
        assessment_deadline=date.today() + timedelta(days=20),
        criteria=[_criterion(1, "Vision", ["shared_vision", "gone"])],
    )
    bid = under_review_bid(round_)
    html = _scoring_page(member, bid)
    assert "Your shared vision" in text(_beside(html, round_.criteria[0].id))


def test_the_chair_reads_each_criterions_answers_on_the_bids_page(app, db):
    round_ = RoundFactory(
        status="assessing",
        assessment_deadline=date.today() + timedelta(days=20),
        criteria=[_criterion(1, "Clarity of the shared vision", ["shared_vision"]), _criterion(2, "Other", [])],
    )
    bid = under_review_bid(round_)
    submitted_review(bid, [4, 3])
    chair = sign_in_client(app, UserFactory(roles=[Role.STEERING_CHAIR, Role.STEERING_MEMBER]))
    html = chair.get(f"/assessment/applications/{bid.id}").get_data(as_text=True)
    part = html[html.index('id="criterion-answers"') :]
    part = part[: part.index("</details>")]
    assert re.search(
        r"<h3 class=\"govuk-heading-s\">Clarity of the shared vision</h3>.*Your shared vision.*"
        + re.escape(bid.answers["shared_vision"]),
        part,
        flags=re.S,
    )
    assert '<h3 class="govuk-heading-s">Other</h3>' not in part


def test_once_scoring_has_closed_the_answers_are_still_shown_for_each_criterion(db, member):
    round_ = RoundFactory(
        status="assessing",
        assessment_deadline=date.today() - timedelta(days=1),
        criteria=[_criterion(1, "Clarity of the shared vision", ["shared_vision"]), _criterion(2, "Other", [])],
    )
    bid = under_review_bid(round_)
    assignment = submitted_review(bid, [4, 3], reviewer=member.user)
    page = text(member.get(f"/reviews/{assignment.id}").get_data(as_text=True))
    assert "Scoring for this round has closed." in page
    assert (
        "What the bid says for Clarity of the shared vision Your shared vision " + bid.answers["shared_vision"] in page
    )
    assert "What the bid says for Other" not in page
