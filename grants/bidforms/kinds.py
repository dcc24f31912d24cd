"""What a question can be: the kinds an officer chooses from, the built-in blocks the rest of the service
runs on, and how an answer is judged empty, shown and kept. Plain data: the applicant's form fields for
each kind are built in ``grants.applications.page_forms``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from grants.core.money import format_pence


@dataclass(frozen=True)
class Kind:
    label: str
    description: str
    limits: tuple[str, ...] = ()  # which limits the officer may set: max_words, max_chars, min_value, max_value
    has_choices: bool = False
    # An answer to a question of this kind can decide whether a later question is shown.
    can_control: bool = False


KINDS: dict[str, Kind] = {
    "short_text": Kind("Short text", "A line of text, such as a name.", limits=("max_chars",)),
    "long_text": Kind(
        "Long text", "Paragraphs, with a limit in words or characters.", limits=("max_words", "max_chars")
    ),
    "number": Kind("Whole number", "A count, such as people reached.", limits=("min_value", "max_value")),
    "money": Kind("Money", "An amount in pounds and pence.", limits=("min_value", "max_value")),
    "date": Kind("Date", "A day, month and year."),
    "yes_no": Kind("Yes or no", "One of yes and no.", can_control=True),
    "choice": Kind("One choice", "One answer from a list.", has_choices=True, can_control=True),
    "choices": Kind("Several choices", "Any number of answers from a list.", has_choices=True, can_control=True),
    "file": Kind("A file", "A PDF, DOCX or ODT document, checked by its content."),
}


@dataclass(frozen=True)
class Block:
    """A part of the bid kept as structured data, with its own fields and rules."""

    label: str
    title: str  # its default wording
    hint: str
    fields: tuple[str, ...]  # the bid's data it carries, for the officer's information


BLOCKS: dict[str, Block] = {
    "place_themes": Block(
        "Place and issues",
        "About the project",
        "",
        ("title", "place", "themes"),
    ),
    "partnership": Block(
        "Partnership",
        "The partnership",
        "The organisations working with you, and whether each has confirmed its part.",
        ("partners",),
    ),
    "match_funding": Block("Match funding", "Match funding", "", ("match_funder", "match_amount", "pledge letter")),
    "measures": Block("Outcome measures", "Measures of success", "", ("measures",)),
    "commitments": Block("Learning commitments", "Your commitments", "", ("commitments",)),
    "budget": Block("Budget", "Budget", "", ("amount_requested", "budget_lines")),
}

# A block that must stay on the page it is on, alone: the partnership has its own page of invitations.
ALONE = frozenset({"partnership"})

# The names the applicant's form fields already use: a question's key may not take one.
RESERVED_KEYS = frozenset(
    {
        "title",
        "place_id",
        "themes",
        "measures",
        "match_funder",
        "match_amount",
        "evidence",
        "commitments",
        "amount_requested",
        "budget_lines",
        "completed",
        "submit",
        "csrf_token",
        "once",
        "next",
        "partners",
        "section_states",
        # The bid's fields that its forms carry under another name (``applications.routes.FORM_FIELDS``).
        "organisation",
        "match_amount_pence",
        "amount_requested_pence",
        # What the applicant's page form already is (``grants.applications.page_forms.PageForm``): a
        # question's field takes its key as its name, and would hide these.
        "asked",
        "blocks",
        "data",
        "errors",
        "form_errors",
        "has_upload",
        "hidden_tag",
        "is_complete",
        "is_submitted",
        "meta",
        "page",
        "populate_obj",
        "post_process",
        "process",
        "questions",
        "validate",
        "validate_on_submit",
        "values",
    }
    | set(BLOCKS)
)
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


# A page's key is its address: "round" names the round's own problems on the check page.
RESERVED_PAGE_KEYS = frozenset({"round"})


def is_reserved(key: str) -> bool:
    """A key a question may not take: a name the page form uses, or one WTForms would read as a check
    of another field (``validate_<name>``)."""
    return key in RESERVED_KEYS or key.startswith("validate_")


def block_required_by(block: str, round_: Any) -> str | None:
    """Why a round cannot do without ``block`` (the message an officer sees), or None if it can."""
    rule = round_.rule
    if block == "place_themes":
        return "Every bid needs its place and the issues it tackles: the portfolio, map and open data use them."
    if block == "budget":
        return "Every bid needs the amount it asks for: the award and its tranches are paid from it."
    if block == "partnership" and (rule["min_partner_sectors"] > 1 or rule["min_confirmed_partners"] > 0):
        return "The round's rules ask for partners: set them to none on the round's details first."
    if block == "match_funding" and rule["match_at_least_required"] and round_.match_required_pence > 0:
        return "The round asks for match funding: set the match funding required to £0 first."
    if block == "commitments" and rule["min_learning_commitments"] > 0:
        return "The round's rules ask for learning commitments: set them to none on the round's details first."
    return None


def blocks_missing(round_: Any, present: set[str]) -> list[tuple[str, str]]:
    """The blocks ``round_`` cannot do without that are not among ``present``, each with why."""
    return [
        (block, reason)
        for block in BLOCKS
        if block not in present and (reason := block_required_by(block, round_)) is not None
    ]


def missing_block_message(round_: Any, present: set[str], whose: str) -> str | None:
    """What refuses a form (``whose``: "The application form", "That round's form") lacking a block the
    round needs, or None."""
    missing = blocks_missing(round_, present)
    if not missing:
        return None
    block, reason = missing[0]
    return f"{whose} has no ‘{BLOCKS[block].label}’ block, which this round needs. {reason}"


# --- Answers ----------------------------------------------------------------------------------------
# Kept on the bid as JSON: text as str, whole numbers and money (pence) as int, a date as "YYYY-MM-DD",
# yes/no as "yes"/"no", one choice as its value, several as a list of values, a file as its document id.


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list):
        return not value
    return False


def word_count(text: str) -> int:
    return len(text.split())


def controls(question: Any, value: Any) -> bool:
    """Whether ``value`` (the answer to ``question``'s condition) shows the question."""
    if question.condition_key is None:
        return True
    if isinstance(value, list):
        return question.condition_value in value
    return value == question.condition_value


def visible(question: Any, answers: dict[str, Any]) -> bool:
    """A question with a condition is shown only when the earlier answer it names matches."""
    return question.condition_key is None or controls(question, (answers or {}).get(question.condition_key))


def shown(question: Any, value: Any, documents: dict[int, Any] | None = None) -> str:
    """An answer in words, as the check page, the reviewer and the exports show it; "" if unanswered."""
    if is_empty(value):
        return ""
    kind = question.kind
    if kind == "money":
        return format_pence(int(value))
    if kind == "number":
        return f"{int(value):,}"
    if kind == "date":
        return f"{date.fromisoformat(value):%-d %B %Y}"
    if kind == "yes_no":
        return "Yes" if value == "yes" else "No"
    if kind == "choice":
        return question.choice_labels.get(value, value)
    if kind == "choices":
        labels = question.choice_labels
        return "; ".join(labels.get(item, item) for item in value)
    if kind == "file":
        document = (documents or {}).get(int(value))
        return document.original_filename if document is not None else "Uploaded file"
    return str(value)


def condition_words(question: Any, controlling: Any) -> str:
    """``Only if ‘Do you work with schools?’ is Yes``, for the officer's and the preview's eyes."""
    if question.condition_key is None or controlling is None:
        return ""
    value = shown(
        controlling, [question.condition_value] if controlling.kind == "choices" else question.condition_value
    )
    return f"Only if ‘{controlling.title}’ is {value}"
