"""The form builder's services on their own: what each refuses, and why."""

from __future__ import annotations

import pytest

from grants.bidforms import services
from grants.bidforms.default import EXPRESSION_OF_INTEREST
from grants.bidforms.queries import form_of
from grants.core.audit import AuditEvent
from tests.factories import RoundFactory

FROZEN = "This round is open: its questions cannot change. You can still change the guidance."


def refused(call) -> str:
    with pytest.raises(services.FormError) as error:
        call()
    return error.value.message


def test_an_open_rounds_questions_and_pages_refuse_every_change_but_guidance(db):
    round_ = RoundFactory(status="open")
    form = form_of(round_.id)
    issue, vision = form.by_key["issue"], form.page("vision")
    assert refused(lambda: services.change_question(round_, issue.id, {"title": "New"}, actor=None)) == FROZEN
    assert refused(lambda: services.change_page(round_, vision.id, {"title": "New"}, actor=None)) == FROZEN
    assert refused(lambda: services.remove_question(round_, issue.id, actor=None)) == FROZEN
    assert refused(lambda: services.move_page(round_, vision.id, "up", vision.position, actor=None)) == FROZEN
    assert refused(lambda: services.add_block(round_, vision.id, "measures", actor=None)) == FROZEN
    services.change_page(round_, vision.id, {"description": "Plain words, please."}, actor=None)
    assert form_of(round_.id).page("vision").description == "Plain words, please."
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "form.guidance_changed")).one()
    assert event.after == {"page": "vision", "description": "Plain words, please."}


def test_a_page_others_depend_on_or_with_a_needed_block_stays(db):
    round_ = RoundFactory(status="draft", form=EXPRESSION_OF_INTEREST)
    form = form_of(round_.id)
    message = refused(lambda: services.remove_page(round_, form.page("partners").id, actor=None))
    assert message.startswith("‘Which organisations have agreed?’ is shown depending on the answer")
    message = refused(lambda: services.remove_page(round_, form.page("budget").id, actor=None))
    assert message.startswith("The budget block cannot be removed.")
    services.remove_page(round_, form.page("partner_names").id, actor=None)
    services.remove_page(round_, form_of(round_.id).page("partners").id, actor=None)
    form = form_of(round_.id)
    assert [(page.key, page.position) for page in form.pages] == [("idea", 1), ("budget", 2)]


def test_a_question_moves_to_another_page_only_where_its_condition_still_holds(db):
    round_ = RoundFactory(status="draft", form=EXPRESSION_OF_INTEREST)
    form = form_of(round_.id)
    names = form.by_key["partner_names"]
    message = refused(
        lambda: services.change_question(
            round_,
            names.id,
            {
                "title": names.title,
                "page_id": form.page("idea").id,
                "condition_key": "partners_agreed",
                "condition_value": "yes",
            },
            actor=None,
        )
    )
    assert "which must come on an earlier page" in message
    db.session.rollback()
    services.change_question(
        round_,
        names.id,
        {
            "title": names.title,
            "page_id": form.page("budget").id,
            "condition_key": "partners_agreed",
            "condition_value": "yes",
        },
        actor=None,
    )
    form = form_of(round_.id)
    assert [q.key for q in form.page("budget").questions] == ["budget", "partner_names"]
    assert form.page("partner_names").questions == []


def test_the_partnership_keeps_its_page_to_itself(db):
    round_ = RoundFactory(status="draft")
    partnership = form_of(round_.id).page("partnership")
    message = refused(lambda: services.add_question(round_, partnership.id, "short_text", {"title": "X"}, actor=None))
    assert message == "The partnership block has its page to itself."


def test_a_choice_a_later_question_depends_on_stays(db):
    spec = [
        (
            "one",
            "One",
            "",
            [
                {
                    "key": "sector",
                    "kind": "choice",
                    "title": "Sector",
                    "choices": [{"value": "public", "label": "Public"}, {"value": "private", "label": "Private"}],
                }
            ],
        ),
        (
            "two",
            "Two",
            "",
            [
                {
                    "key": "which",
                    "kind": "short_text",
                    "title": "Which?",
                    "condition_key": "sector",
                    "condition_value": "public",
                }
            ],
        ),
    ]
    round_ = RoundFactory(status="draft", form=spec)
    sector = form_of(round_.id).by_key["sector"]
    message = refused(
        lambda: services.change_question(
            round_, sector.id, {"title": "Sector", "choices": ["State", "Private"]}, actor=None
        )
    )
    assert message.startswith("‘Which?’ is shown only when the answer is ‘public’")


def test_a_key_is_found_or_refused_never_searched_for_ever():
    from grants.bidforms.services import FormError, new_key

    assert new_key("Validate the plan", set(), fallback="question") == "question_validate_the_plan"
    assert new_key("Title", set(), fallback="question") == "title_2"
    with pytest.raises(FormError, match="less like the others"):
        new_key("Budget", set(), fallback="question", reserved=lambda key: True)
