"""The single application record carries the bid's answers keyed by its round's question keys, with
the questions they answer, as the OpenAPI document describes them."""

from __future__ import annotations

from grants.api import openapi
from grants.core.permissions import Role
from tests.api.conftest import make_token
from tests.factories import DocumentFactory, RoundFactory, UserFactory, under_review_bid
from tests.form_specs import EVERY_KIND, every_kind_answers

OLD_FIELDS = ("issue", "shared_vision", "systems_leadership", "outcomes", "learning_plan")


def test_the_record_carries_the_answers_keyed_by_question(api, db):
    bid = under_review_bid()
    body = api.get(f"/applications/{bid.id}", make_token(_officer()))["data"]
    assert body["answers"] == {
        "issue": "Older people move between hospital and home without a plan.",
        "shared_vision": "Everyone gets home safely, with the right support.",
        "systems_leadership": "No single service owns the journey home.",
        "outcomes": "Fewer delayed discharges.",
    }
    assert [question["key"] for question in body["questions"]] == [
        "issue",
        "shared_vision",
        "systems_leadership",
        "outcomes",
        "learning_plan",
    ]
    assert body["questions"][0] == {
        "key": "issue",
        "page": "The issue and the place",
        "title": "The issue",
        "kind": "long_text",
        "required": True,
        "choices": [],
    }
    assert not set(OLD_FIELDS) & set(body) - {"answers"}


def test_every_kind_of_answer_is_given_as_kept_and_matches_the_document(api, db):
    round_ = RoundFactory(status="assessing", form=EVERY_KIND)
    bid = under_review_bid(round_)
    plan = DocumentFactory(application_id=bid.id, kind="answer", original_filename="our-plan.pdf")
    bid.answers = {**every_kind_answers(plan.id), "which_schools": "Hidden", "unknown": "Not on the form"}
    db.session.commit()
    body = api.get(f"/applications/{bid.id}", make_token(_officer()))["data"]  # checked against the document
    assert body["answers"] == {
        "story": "It began\nwith a walk.",
        "people": 1200,
        "cost": 125_050,
        "start": "2027-03-01",
        "schools": "no",
        "size": "large",
        "ages": ["young", "old"],
        "plan": plan.id,
    }
    questions = {question["key"]: question for question in body["questions"]}
    assert list(questions) == [
        "story",
        "contact",
        "people",
        "cost",
        "start",
        "schools",
        "size",
        "ages",
        "plan",
        "which_schools",
    ]
    assert questions["ages"]["choices"] == [
        {"value": "young", "label": "Under 16s"},
        {"value": "old", "label": "Over 65s"},
    ]
    assert (questions["cost"]["kind"], questions["contact"]["required"]) == ("money", False)


def test_the_document_describes_the_answers_as_an_open_object_of_plain_values():
    detail = openapi.document()["components"]["schemas"]["ApplicationDetail"]["properties"]
    answers = detail["answers"]
    assert answers["type"] == "object"
    assert {kind["type"] for kind in answers["additionalProperties"]["oneOf"]} == {"string", "integer", "array"}
    assert "pence" in answers["description"] and "YYYY-MM-DD" in answers["description"]
    assert detail["questions"]["items"]["additionalProperties"] is False
    assert not set(OLD_FIELDS) & set(detail)


def _officer():
    return UserFactory(roles=[Role.PROGRAMME_OFFICER])
