"""The programme officer building a round's application form: pages, questions, built-in blocks, and a
copy of another round's form. Each function takes the round's row lock, checks, changes, flushes and
audits; none commits.

Once the round is published (``round_.form_frozen``) its questions are fixed: only guidance (a
question's or block's hint, a page's description) may change, and each such change is audited with
what it said before."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from grants.bidforms import default
from grants.bidforms.kinds import (
    ALONE,
    BLOCKS,
    KEY_PATTERN,
    KINDS,
    RESERVED_PAGE_KEYS,
    block_required_by,
    is_reserved,
    missing_block_message,
)
from grants.bidforms.models import FormPage, FormQuestion
from grants.bidforms.queries import Form
from grants.core import audit
from grants.core.db import lock_and_refresh
from grants.core.errors import AlreadyDone, GrantsError
from grants.extensions import db

FROZEN = "This round is {status}: its questions cannot change. You can still change the guidance."
# Whole numbers and money (pence) are kept in 32-bit columns: £20 million is far beyond any grant.
VALUE_LIMIT = 2_000_000_000
MAX_CHOICES = 50
# A question's wording the officer sets, and which of it is guidance (may change after publishing).
WORDING = ("title", "hint", "required", "max_words", "max_chars", "min_value", "max_value", "choices")
GUIDANCE = frozenset({"hint", "description"})
TEXT_KINDS = frozenset({"short_text", "long_text"})


class FormError(GrantsError):
    """A change to a round's form refused; ``field`` names the question's or page's field it is about."""


class FormGone(FormError, AlreadyDone):
    """The page or question was removed or moved a moment ago, by another press of the button."""


# --- Loading under the lock ---------------------------------------------------------------------------


def _locked(round_: Any) -> Form:
    """The round's row lock (its form changes one request at a time), then its form as committed."""
    lock_and_refresh(db.session, round_)
    pages = db.session.scalars(
        db.select(FormPage)
        .where(FormPage.round_id == round_.id)
        .order_by(FormPage.position)
        .execution_options(populate_existing=True)
    ).all()
    return Form(list(pages))


def _frozen(round_: Any) -> FormError:
    return FormError(FROZEN.format(status=str(round_.status_label).lower()))


def _check_open_to_change(round_: Any) -> None:
    if round_.form_frozen:
        raise _frozen(round_)


def _page_in(form: Form, page_id: int) -> FormPage:
    page = next((page for page in form.pages if page.id == page_id), None)
    if page is None:
        raise FormGone("That page is no longer on the form.")
    return page


def _question_in(form: Form, question_id: int) -> FormQuestion:
    question = next((question for question in form.questions if question.id == question_id), None)
    if question is None:
        raise FormGone("That question is no longer on the form.")
    return question


def _renumber(items: list[Any]) -> None:
    """Positions 1, 2, 3 … in the list's order. Written in two steps, so no two ever share a position
    in the middle of a flush (positions are not unique today, but they read as an order)."""
    for position, item in enumerate(items, start=1):
        item.position = position


# --- Keys ---------------------------------------------------------------------------------------------


def slug(text: str, *, separator: str = "_", length: int = 40) -> str:
    """``"Have partners agreed?"`` → ``have_partners_agreed``: ASCII letters and digits only."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return separator.join(words)[:length].strip(separator)


MOST_ALIKE = 1000  # questions (or pages) of one form whose titles make the same key


def new_key(title: str, taken: set[str], *, fallback: str, reserved: Callable[[str], bool] = is_reserved) -> str:
    """A stable key from ``title``: a slug (``KEY_PATTERN``), not ``reserved``, unique among ``taken``."""
    base = slug(title, length=34) or fallback
    # A title that starts badly, or whose every numbered key is reserved too ("Validate …"), gets a prefix.
    if not base[0].isalpha() or reserved(f"{base}_2"):
        base = f"{fallback}_{base}"[:34]
    key, number = base, 1
    while key in taken or reserved(key) or not KEY_PATTERN.fullmatch(key):
        number += 1
        if number > MOST_ALIKE:  # never searched for ever: a form has far fewer questions than this
            raise FormError("Give it a title less like the others on the form", field="title")
        key = f"{base}_{number}"
    return key


# --- Pages --------------------------------------------------------------------------------------------


def _page_values(values: dict[str, Any]) -> dict[str, str]:
    title = (values.get("title") or "").strip()
    if not title:
        raise FormError("Enter the page's title", field="title")
    return {"title": title[:200], "description": (values.get("description") or "").strip()}


def add_page(round_: Any, values: dict[str, Any], *, actor: Any) -> FormPage:
    form = _locked(round_)
    _check_open_to_change(round_)
    cleaned = _page_values(values)
    # A page's key is its address, not a field's name: only other pages' keys are taken.
    key = new_key(
        cleaned["title"], {page.key for page in form.pages}, fallback="page", reserved=RESERVED_PAGE_KEYS.__contains__
    )
    page = FormPage(round_id=round_.id, position=len(form.pages) + 1, key=key, **cleaned)
    db.session.add(page)
    db.session.flush()
    audit.record("form.page_added", round_, actor=actor, after={"page": key, **cleaned})
    return page


def change_page(round_: Any, page_id: int, values: dict[str, Any], *, actor: Any) -> FormPage:
    """A page's title and description; once published, its description only."""
    form = _locked(round_)
    page = _page_in(form, page_id)
    if round_.form_frozen:
        if set(values) - GUIDANCE:
            raise _frozen(round_)
        changes = {"description": (values.get("description") or "").strip()}
    else:
        changes = _page_values(values)
    before = {name: getattr(page, name) for name in changes}
    for name, value in changes.items():
        setattr(page, name, value)
    db.session.flush()
    _record_change(round_, "page", page.key, before, changes, actor=actor)
    return page


def move_page(round_: Any, page_id: int, direction: str, position: int, *, actor: Any) -> None:
    """One place up or down; ``position`` is where the officer saw it (a second press finds it moved)."""
    form = _locked(round_)
    _check_open_to_change(round_)
    page = _page_in(form, page_id)
    if page.position != position:
        raise FormGone("That page has already moved.")
    pages = list(form.pages)
    index = pages.index(page)
    target = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= target < len(pages):
        raise FormError("That page cannot move further.")
    pages[index], pages[target] = pages[target], pages[index]
    _check_conditions(Form(pages))
    _renumber(pages)
    db.session.flush()
    audit.record("form.page_moved", round_, actor=actor, after={"page": page.key, "position": page.position})


def remove_page(round_: Any, page_id: int, *, actor: Any) -> None:
    """A page and its questions, unless a block on it is needed or a later question looks to one of them."""
    form = _locked(round_)
    _check_open_to_change(round_)
    page = _page_in(form, page_id)
    for question in page.questions:
        _check_removable(round_, form, question, leaving={q.key for q in page.questions})
    keys = [question.key for question in page.questions]
    db.session.delete(page)
    db.session.flush()
    _renumber([other for other in form.pages if other is not page])
    _forget_in_rubric(round_, set(keys))
    db.session.flush()
    audit.record("form.page_removed", round_, actor=actor, before={"page": page.key, "questions": keys})


# --- Questions ----------------------------------------------------------------------------------------


def add_question(round_: Any, page_id: int, kind: str, values: dict[str, Any], *, actor: Any) -> FormQuestion:
    """A question of ``kind`` (one of ``KINDS``) at the end of the page, its key made from its title."""
    form = _locked(round_)
    _check_open_to_change(round_)
    if kind not in KINDS:
        raise FormError("Choose the kind of question", field="kind")
    page = _page_in(form, page_id)
    _check_not_alone(page)
    cleaned = _question_values(kind, values)
    key = new_key(cleaned["title"], set(form.by_key), fallback="question")
    question = FormQuestion(
        round_id=round_.id, page=page, position=len(page.questions) + 1, key=key, kind=kind, **cleaned
    )
    db.session.add(question)
    _check_condition(Form(form.pages), question, values)
    db.session.flush()
    audit.record("form.question_added", round_, actor=actor, after=_summary(question))
    return question


def add_block(round_: Any, page_id: int, block: str, *, actor: Any) -> FormQuestion:
    """A built-in block not yet on the form, with its default wording; the partnership on a page alone."""
    form = _locked(round_)
    _check_open_to_change(round_)
    if block not in BLOCKS:
        raise FormError("Choose the kind of question", field="kind")
    if form.has_block(block):
        raise FormError(f"The form already has the {BLOCKS[block].label.lower()} block.", field="kind")
    page = _page_in(form, page_id)
    _check_not_alone(page)
    if block in ALONE and page.questions:
        raise FormError(
            f"The {BLOCKS[block].label.lower()} block needs a page of its own: add a new page for it first.",
            field="kind",
        )
    if block in form.by_key:  # an older question took the block's key
        raise FormError(f"A question already uses the key ‘{block}’.", field="kind")
    wording = BLOCKS[block]
    question = FormQuestion(
        round_id=round_.id,
        page=page,
        position=len(page.questions) + 1,
        key=block,
        kind=block,
        title=wording.title,
        hint=wording.hint,
    )
    db.session.add(question)
    db.session.flush()
    audit.record("form.block_added", round_, actor=actor, after=_summary(question))
    return question


def change_question(round_: Any, question_id: int, values: dict[str, Any], *, actor: Any) -> FormQuestion:
    """A question's wording, limits, choices, condition and page; a block's wording and page. Once the
    round is published, the hint only."""
    form = _locked(round_)
    question = _question_in(form, question_id)
    if round_.form_frozen:
        changes = _guidance_only(round_, question, values)
    else:
        changes = _block_values(values) if question.is_block else _question_values(question.kind, values)
    before = {name: getattr(question, name) for name in changes}
    for name, value in changes.items():
        setattr(question, name, value)
    if not round_.form_frozen:
        if not question.is_block:
            before |= {"condition_key": question.condition_key, "condition_value": question.condition_value}
            _check_condition(form, question, values)
            _check_choices_still_answer(form, question)
        if values.get("page_id") not in (None, question.page_id):
            before["page"] = question.page.key
            _to_page(form, question, _page_in(form, values["page_id"]))
    db.session.flush()
    after = {name: getattr(question, name) for name in before if name != "page"}
    if "page" in before:
        after["page"] = question.page.key
    _record_change(round_, "question", question.key, before, after, actor=actor)
    return question


def _guidance_only(round_: Any, question: FormQuestion, values: dict[str, Any]) -> dict[str, Any]:
    unchanged = all(
        name in GUIDANCE or name == "page_id" and value in (None, question.page_id) for name, value in values.items()
    )
    if not unchanged:
        raise _frozen(round_)
    return {"hint": (values.get("hint") or "").strip()}


def move_question(round_: Any, question_id: int, direction: str, position: int, *, actor: Any) -> None:
    """One place up or down on its page; ``position`` is where the officer saw it."""
    form = _locked(round_)
    _check_open_to_change(round_)
    question = _question_in(form, question_id)
    if question.position != position:
        raise FormGone("That question has already moved.")
    questions = list(question.page.questions)
    index = questions.index(question)
    target = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= target < len(questions):
        raise FormError("That question cannot move further on its page. Change its page to move it to another.")
    questions[index], questions[target] = questions[target], questions[index]
    _renumber(questions)
    db.session.flush()
    audit.record(
        "form.question_moved", round_, actor=actor, after={"question": question.key, "position": question.position}
    )


def remove_question(round_: Any, question_id: int, *, actor: Any) -> None:
    form = _locked(round_)
    _check_open_to_change(round_)
    question = _question_in(form, question_id)
    _check_removable(round_, form, question, leaving={question.key})
    summary = _summary(question)
    page = question.page
    page.questions.remove(question)
    db.session.flush()
    _renumber(page.questions)
    _forget_in_rubric(round_, {question.key})
    db.session.flush()
    audit.record("form.question_removed", round_, actor=actor, before=summary)


# --- Copying another round's form ----------------------------------------------------------------------


def copy_form(round_: Any, source: Any, *, actor: Any) -> None:
    """Replace the draft round's form with a copy of ``source``'s (any other round, of any programme).
    Rubric criteria keep the questions they assess that the new form still has."""
    form = _locked(round_)
    _check_open_to_change(round_)
    if source.id == round_.id:
        raise FormError("Choose another round to copy its form.", field="source")
    pages = db.session.scalars(
        db.select(FormPage).where(FormPage.round_id == source.id).order_by(FormPage.position)
    ).all()
    if not pages:
        raise FormError("That round's form has no pages to copy.", field="source")
    present = {question.kind for page in pages for question in page.questions if question.kind in BLOCKS}
    if (missing := missing_block_message(round_, present, "That round's form")) is not None:
        raise FormError(missing, field="source")
    before = [page.key for page in form.pages]
    default.install(round_, default.spec_of(list(pages)))
    kept = {question.key for page in pages for question in page.questions}
    for criterion in round_.criteria:
        criterion.question_keys = [key for key in criterion.question_keys or [] if key in kept]
    db.session.flush()
    audit.record(
        "form.copied",
        round_,
        actor=actor,
        before={"pages": before},
        after={"from_round": source.code, "pages": [page.key for page in pages]},
    )


# --- Checks ---------------------------------------------------------------------------------------------


def _words_of(kind: str, name: str) -> str:
    return {
        "max_words": "The most words",
        "max_chars": "The most characters",
        "min_value": "The smallest amount" if kind == "money" else "The smallest number",
        "max_value": "The largest amount" if kind == "money" else "The largest number",
    }[name]


def _question_values(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """What the officer set, checked for the kind: its title, hint, limits and choices."""
    spec = KINDS[kind]
    title = (values.get("title") or "").strip()
    if not title:
        raise FormError("Enter the question", field="title")
    cleaned: dict[str, Any] = {
        "title": title[:300],
        "hint": (values.get("hint") or "").strip(),
        "required": bool(values.get("required", True)),
        "public_summary": bool(values.get("public_summary")) and kind in TEXT_KINDS,
    }
    if values.get("public_summary") and kind not in TEXT_KINDS:
        raise FormError("Only a text answer can be part of the public description.", field="public_summary")
    for name in ("max_words", "max_chars", "min_value", "max_value"):
        value = values.get(name) if name in spec.limits else None
        if value is not None and not -VALUE_LIMIT <= value <= VALUE_LIMIT:
            raise FormError(f"{_words_of(kind, name)} is too large", field=name)
        if value is not None and name.startswith("max_") and name != "max_value" and value < 1:
            raise FormError(f"{_words_of(kind, name)} must be 1 or more", field=name)
        cleaned[name] = value
    if (
        cleaned["min_value"] is not None
        and cleaned["max_value"] is not None
        and cleaned["max_value"] < cleaned["min_value"]
    ):
        raise FormError(
            f"{_words_of(kind, 'max_value')} must be the same as or more than the smallest", field="max_value"
        )
    cleaned["choices"] = _choices(values.get("choices") or []) if spec.has_choices else []
    return cleaned


def _choices(labels: list[str]) -> list[dict[str, str]]:
    labels = [label.strip() for label in labels if label and label.strip()]
    if len(labels) < 2:
        raise FormError("Enter at least 2 choices, one on each line", field="choices")
    if len(labels) > MAX_CHOICES:
        raise FormError(f"Enter no more than {MAX_CHOICES} choices", field="choices")
    choices, seen = [], set()
    for label in labels:
        if len(label) > 200:
            raise FormError("Each choice must be 200 characters or fewer", field="choices")
        value = slug(label, separator="-", length=60)
        if not value:
            raise FormError(f"The choice ‘{label}’ needs a letter or a digit", field="choices")
        if value in seen:
            raise FormError(f"The choice ‘{label}’ is the same as another: make each one different", field="choices")
        seen.add(value)
        choices.append({"value": value, "label": label})
    return choices


def _block_values(values: dict[str, Any]) -> dict[str, Any]:
    title = (values.get("title") or "").strip()
    if not title:
        raise FormError("Enter the block's title", field="title")
    return {"title": title[:300], "hint": (values.get("hint") or "").strip()}


def _check_not_alone(page: FormPage) -> None:
    alone = next((question for question in page.questions if question.kind in ALONE), None)
    if alone is not None:
        raise FormError(f"The {BLOCKS[alone.kind].label.lower()} block has its page to itself.", field="page")


def _check_condition(form: Form, question: FormQuestion, values: dict[str, Any]) -> None:
    """``condition_key``/``condition_value``: a yes/no or choice question on an earlier page, and one
    of its answers; or none."""
    key, value = values.get("condition_key") or None, values.get("condition_value") or None
    if key is None:
        question.condition_key = question.condition_value = None
        return
    controlling = form.by_key.get(key)
    if controlling is None or controlling.is_block or not KINDS[controlling.kind].can_control:
        raise FormError("Choose a yes or no, or a choice, question for the condition", field="condition_key")
    if controlling.page.position >= question.page.position:
        raise FormError(
            "A question can depend only on a question on an earlier page: choose another, or move it",
            field="condition_key",
        )
    answers = ["yes", "no"] if controlling.kind == "yes_no" else list(controlling.choice_labels)
    if value not in answers:
        raise FormError(f"Choose one of the answers to ‘{controlling.title}’", field="condition_key")
    question.condition_key, question.condition_value = key, value


def _dependents(form: Form, keys: set[str]) -> list[FormQuestion]:
    return [q for q in form.questions if q.condition_key in keys and q.key not in keys]


def _check_removable(round_: Any, form: Form, question: FormQuestion, *, leaving: set[str]) -> None:
    if question.is_block and (reason := block_required_by(question.kind, round_)):
        raise FormError(f"The {BLOCKS[question.kind].label.lower()} block cannot be removed. {reason}")
    for dependent in _dependents(form, leaving):
        controlling = form.controlling(dependent)
        raise FormError(
            f"‘{dependent.title}’ is shown depending on the answer to ‘{controlling.title if controlling else ''}’: "
            "change or remove its condition first."
        )


def _check_choices_still_answer(form: Form, question: FormQuestion) -> None:
    """Editing a question's choices may not take away an answer a later question depends on."""
    if not KINDS[question.kind].can_control:
        return
    answers = {"yes", "no"} if question.kind == "yes_no" else set(question.choice_labels)
    for dependent in _dependents(form, {question.key}):
        if dependent.condition_value not in answers:
            raise FormError(
                f"‘{dependent.title}’ is shown only when the answer is ‘{dependent.condition_value}’: "
                "keep that choice, or change its condition first.",
                field="choices",
            )


def _check_conditions(form: Form) -> None:
    """After a move: every condition still looks to an earlier page."""
    position = {page.key: index for index, page in enumerate(form.pages)}
    page_of = {question.key: page.key for page in form.pages for question in page.questions}
    for question in form.questions:
        controlling = form.controlling(question)
        if controlling is not None and position[page_of[controlling.key]] >= position[page_of[question.key]]:
            raise FormError(
                f"‘{question.title}’ depends on the answer to ‘{controlling.title}’, which must come on an "
                "earlier page: change its condition first."
            )


def _to_page(form: Form, question: FormQuestion, page: FormPage) -> None:
    """To the end of another page, where its conditions and those on it still hold."""
    if question.kind in ALONE and page.questions:
        raise FormError(f"The {BLOCKS[question.kind].label.lower()} block needs a page of its own.", field="page_id")
    _check_not_alone_field(page)
    old = question.page
    question.page = page  # off the old page's list, onto the end of the new one's
    _renumber(old.questions)
    _renumber(page.questions)
    _check_conditions(form)


def _check_not_alone_field(page: FormPage) -> None:
    try:
        _check_not_alone(page)
    except FormError as error:
        raise FormError(error.message, field="page_id") from None


def _forget_in_rubric(round_: Any, keys: set[str]) -> None:
    for criterion in getattr(round_, "criteria", []):
        if set(criterion.question_keys or []) & keys:
            criterion.question_keys = [key for key in criterion.question_keys if key not in keys]


def _summary(question: FormQuestion) -> dict[str, Any]:
    return {
        "question": question.key,
        "page": question.page.key,
        "kind": question.kind,
        **{name: getattr(question, name) for name in WORDING},
        "condition": [question.condition_key, question.condition_value] if question.condition_key else None,
        "public_summary": question.public_summary,
    }


def _record_change(
    round_: Any, what: str, key: str, before: dict[str, Any], after: dict[str, Any], *, actor: Any
) -> None:
    changed = sorted(name for name in after if after[name] != before.get(name))
    if not changed:
        return
    action = "form.guidance_changed" if round_.form_frozen else f"form.{what}_changed"
    audit.record(
        action,
        round_,
        actor=actor,
        before={what: key, **{name: before.get(name) for name in changed}},
        after={what: key, **{name: after[name] for name in changed}},
    )
