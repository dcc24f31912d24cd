"""A round's rules and its form agree: a rule that needs a block is raised only when the form has it,
and a round opens only with a form whose every page asks something."""

from __future__ import annotations

import pytest

from grants.bidforms.default import DEFAULT_FORM
from grants.rounds import services
from grants.rounds.services import RoundError
from tests.factories import RoundFactory
from tests.helpers import field_error, text

NO_RULES = {
    "min_partner_sectors": 1,
    "min_confirmed_partners": 0,
    "match_at_least_required": False,
    "min_learning_commitments": 0,
}


def without(*blocks: str):
    """The default form without the pages or questions of ``blocks``."""
    return [
        (key, title, description, [q for q in questions if q["kind"] not in blocks])
        for key, title, description, questions in DEFAULT_FORM
        if [q for q in questions if q["kind"] not in blocks]
    ]


@pytest.mark.parametrize(
    ("block", "raised", "field", "message"),
    [
        (
            "commitments",
            {"min_learning_commitments": 1},
            "min_learning_commitments",
            "Add the learning commitments block to the round's form first",
        ),
        (
            "partnership",
            {"min_confirmed_partners": 2},
            "min_confirmed_partners",
            "Add the partnership block to the round's form first",
        ),
        (
            "partnership",
            {"min_partner_sectors": 3},
            "min_partner_sectors",
            "Add the partnership block to the round's form first",
        ),
        (
            "match_funding",
            {"match_at_least_required": True},
            "match_at_least_required",
            "Add the match funding block to the round's form first",
        ),
    ],
)
def test_a_rule_is_raised_only_when_the_form_has_its_block(db, block, raised, field, message):
    round_ = RoundFactory(status="draft", form=without(block), eligibility=dict(NO_RULES))
    with pytest.raises(RoundError) as refused:
        services.update_round(round_, {"eligibility": {**NO_RULES, **raised}}, actor=None)
    assert (refused.value.message, refused.value.field) == (message, field)
    db.session.rollback()
    complete = RoundFactory(status="draft", eligibility=dict(NO_RULES))
    services.update_round(complete, {"eligibility": {**NO_RULES, **raised}}, actor=None)
    assert complete.rule[field] == raised[field]


def test_a_round_without_a_block_keeps_its_other_details_changeable(db):
    """A rule already in place (an old round) does not stand in the way of changing something else."""
    round_ = RoundFactory(status="draft", form=without("commitments"))
    services.update_round(round_, {"title": "Wave 9"}, actor=None)
    assert round_.title == "Wave 9"


def test_the_round_page_shows_the_refusal_next_to_the_rule(db, programme_officer_client):
    from tests.rounds.test_rounds import NEW_ROUND

    round_ = RoundFactory(status="draft", form=without("commitments"), eligibility=dict(NO_RULES), code="LV9")
    data = {**NEW_ROUND, "code": "LV9", "themes": [theme.id for theme in round_.themes]}
    html = programme_officer_client.post(f"/manage/rounds/{round_.id}/edit", data=data).get_data(as_text=True)
    assert (
        field_error(html, "min_learning_commitments") == "Add the learning commitments block to the round's form first"
    )
    db.session.refresh(round_)
    assert round_.rule["min_learning_commitments"] == 0


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ([], "Add a page of questions to the round's application form before publishing the round."),
        (
            [*DEFAULT_FORM, ("extra", "More about you", "", [])],
            "The page ‘More about you’ of the application form has no questions",
        ),
    ],
)
def test_a_round_opens_only_with_pages_that_ask_something(db, programme_officer_client, form, message):
    round_ = RoundFactory(status="draft", form=form)
    response = programme_officer_client.post(f"/manage/rounds/{round_.id}/status", data={"target": "open"})
    assert message in text(programme_officer_client.get(response.headers["Location"]).get_data(as_text=True))
    db.session.refresh(round_)
    assert round_.status == "draft"


def test_the_rounds_page_links_to_changing_its_details_while_they_can_change(app, db):
    """A rule the form's blocks rely on is changed on the round's details: the officer finds them."""
    from grants.core.permissions import Role
    from tests.factories import RoundFactory, UserFactory
    from tests.fixtures.clients import sign_in_client

    officer = sign_in_client(app, UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    for status, linked in (("draft", True), ("open", True), ("archived", False)):
        round_ = RoundFactory(status=status)
        page = officer.get(f"/manage/rounds/{round_.id}").get_data(as_text=True)
        assert (f"/manage/rounds/{round_.id}/edit" in page) is linked, status


def test_a_round_is_not_published_while_its_form_lacks_a_block_its_rules_need(db):
    """Its rules set while the block was there, the block removed since (or copied away): the round's
    rules would silently not apply, so it does not open."""
    from grants.bidforms.default import install

    round_ = RoundFactory(status="draft")
    install(round_, without("commitments"))
    with pytest.raises(RoundError, match="The application form has no ‘Learning commitments’ block"):
        services.move_round(round_, "open", actor=None)
    assert round_.status == "draft"
