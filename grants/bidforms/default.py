"""The forms a round starts from: the programme's own questions (every round's default, and what every
bid made before forms could be built was answered against), and a short expression of interest. A form
is written here as plain data, installed on a round as rows, and copied from one round to another."""

from __future__ import annotations

from typing import Any

from grants.bidforms.models import FormPage, FormQuestion
from grants.extensions import db

# Each page: (key, title, description, [question, ...]); each question a dict of FormQuestion's columns.
Spec = list[tuple[str, str, str, list[dict[str, Any]]]]

DEFAULT_FORM: Spec = [
    ("partnership", "The partnership", "", [{"key": "partnership", "kind": "partnership"}]),
    (
        "issue",
        "The issue and the place",
        "",
        [
            {"key": "place_themes", "kind": "place_themes"},
            {
                "key": "issue",
                "kind": "long_text",
                "title": "The issue",
                "hint": "What is the issue in your place, who does it affect, and why has it been hard to solve?",
                "max_chars": 3000,
                "public_summary": True,
            },
        ],
    ),
    (
        "vision",
        "Shared vision",
        "A vision every partner holds, in words residents would recognise. Wigan's Deal showed the value of "
        "describing the vision in plain language.",
        [
            {
                "key": "shared_vision",
                "kind": "long_text",
                "title": "Your shared vision",
                "hint": "Describe, in plain language, what the partners want to be different and why.",
                "max_chars": 2000,
                "public_summary": True,
            }
        ],
    ),
    (
        "approach",
        "Why a systems-leadership approach",
        "Systems leadership means leaders from different organisations and sectors working together, with shared "
        "ownership and distributed leadership, on an issue no single agency can solve.",
        [
            {
                "key": "systems_leadership",
                "kind": "long_text",
                "title": "Why a systems-leadership approach",
                "hint": "Why does this issue need leaders from across the system working together, rather than "
                "one service's fix?",
                "max_chars": 2000,
            }
        ],
    ),
    (
        "outcomes",
        "Outcomes and how they will be measured",
        "",
        [
            {
                "key": "outcomes",
                "kind": "long_text",
                "title": "Intended outcomes",
                "hint": "What will be better for people in your place, and by when?",
                "max_chars": 2000,
            },
            {"key": "measures", "kind": "measures"},
        ],
    ),
    ("match", "Match funding", "", [{"key": "match_funding", "kind": "match_funding"}]),
    (
        "learning",
        "Learning commitments",
        "",
        [
            {
                "key": "learning_plan",
                "kind": "long_text",
                "title": "How you will share what you learn",
                "hint": "Who will you share with, and how will what you learn change other work?",
                "max_chars": 1500,
                "required": False,
            },
            {"key": "commitments", "kind": "commitments"},
        ],
    ),
    ("budget", "Budget", "", [{"key": "budget", "kind": "budget"}]),
]

# A first, short stage: the place and the idea, whether partners are on board (and, only if so, who),
# and the money. A condition may look back only to an earlier page, so the names have a page of their own.
EXPRESSION_OF_INTEREST: Spec = [
    (
        "idea",
        "Your idea",
        "Tell us briefly what you would like to do. If we invite a full bid, we will ask for more.",
        [
            {"key": "place_themes", "kind": "place_themes"},
            {
                "key": "idea",
                "kind": "long_text",
                "title": "What would you like to change?",
                "hint": "In no more than 250 words: the issue, who it affects, and what you would try.",
                "max_words": 250,
                "public_summary": True,
            },
        ],
    ),
    (
        "partners",
        "Partners",
        "",
        [{"key": "partners_agreed", "kind": "yes_no", "title": "Have other organisations agreed to work with you?"}],
    ),
    (
        "partner_names",
        "Your partners",
        "",
        [
            {
                "key": "partner_names",
                "kind": "short_text",
                "title": "Which organisations have agreed?",
                "hint": "Their names, separated by commas.",
                "max_chars": 500,
                "condition_key": "partners_agreed",
                "condition_value": "yes",
            }
        ],
    ),
    ("budget", "Budget", "", [{"key": "budget", "kind": "budget", "title": "Roughly how much you would ask for"}]),
]


def _question(round_id: int, page: FormPage, position: int, values: dict[str, Any]) -> FormQuestion:
    from grants.bidforms.kinds import BLOCKS

    values = dict(values)
    kind = values["kind"]
    if kind in BLOCKS:
        values.setdefault("title", BLOCKS[kind].title)
        values.setdefault("hint", BLOCKS[kind].hint)
    return FormQuestion(round_id=round_id, page=page, position=position, **values)


def install(round_: Any, spec: Spec = DEFAULT_FORM) -> list[FormPage]:
    """Give ``round_`` (flushed, with an id) the form ``spec``, replacing any form it had."""
    remove(round_)
    pages = []
    for position, (key, title, description, questions) in enumerate(spec, start=1):
        page = FormPage(round_id=round_.id, position=position, key=key, title=title, description=description)
        db.session.add(page)
        for number, values in enumerate(questions, start=1):
            db.session.add(_question(round_.id, page, number, values))
        pages.append(page)
    db.session.flush()
    db.session.expire(round_, ["pages"])
    return pages


def spec_of(pages: list[FormPage]) -> Spec:
    """A round's form as plain data, to install on another round."""
    columns = (
        "key",
        "kind",
        "title",
        "hint",
        "required",
        "max_words",
        "max_chars",
        "min_value",
        "max_value",
        "choices",
        "condition_key",
        "condition_value",
        "public_summary",
    )
    return [
        (
            page.key,
            page.title,
            page.description,
            [{column: getattr(question, column) for column in columns} for question in page.questions],
        )
        for page in pages
    ]


def remove(round_: Any) -> None:
    db.session.execute(db.delete(FormQuestion).where(FormQuestion.round_id == round_.id))
    db.session.execute(db.delete(FormPage).where(FormPage.round_id == round_.id))
    db.session.flush()
