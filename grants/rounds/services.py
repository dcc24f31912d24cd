"""Changing rounds and their rubrics. Each function checks, changes, flushes and audits; never commits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from typing import Any

from grants.bidforms import default as bidforms
from grants.bidforms.kinds import missing_block_message
from grants.bidforms.queries import form_of
from grants.core import audit
from grants.core.db import lock_and_refresh, utcnow
from grants.core.errors import AlreadyDone, GrantsError
from grants.core.money import format_pence
from grants.directory.models import Theme
from grants.extensions import db
from grants.rounds.models import SUGGESTED_QUESTION_KEYS, SUGGESTED_RUBRIC, Round, RoundStatus, RubricCriterion
from grants.rounds.workflow import ROUND_WORKFLOW


def as_changes(details: RoundDetails) -> dict[str, Any]:
    return asdict(details)


# Which details can still change in each state. Money, rules and themes are fixed once applicants
# can see them; dates and wording can be corrected (a closing time extended) while the round is open.
EDITABLE = {
    RoundStatus.DRAFT: None,  # everything
    RoundStatus.OPEN: {"title", "summary", "guidance", "closes_at", "assessment_deadline"},
    RoundStatus.CLOSED: {"assessment_deadline"},
    RoundStatus.ASSESSING: {"assessment_deadline"},
}
CRITERIA_EDITABLE = {RoundStatus.DRAFT, RoundStatus.OPEN}  # fixed once the round closes and scoring can begin


class RoundError(GrantsError):
    """A change to a round refused; ``field`` names the round's field it is about (``closes_at``)."""


class CriterionGone(RoundError, AlreadyDone):
    """The criterion was removed a moment ago, by another press of the button."""


@dataclass
class RoundDetails:
    code: str
    title: str
    summary: str
    guidance: str
    opens_at: datetime
    closes_at: datetime
    assessment_deadline: date | None
    award_pence: int
    match_required_pence: int
    match_funder_label: str
    places: int | None
    budget_pence: int
    tranche_plan: list[int]
    project_months: int
    report_every_months: int
    eligibility: dict[str, Any]
    theme_ids: list[int]


def editable_fields(round_: Round) -> set[str] | None:
    """None means every field; an empty set means nothing can change."""
    return EDITABLE.get(round_.status, set())


def _values(details: RoundDetails) -> dict[str, Any]:
    values = {key: getattr(details, key) for key in details.__dataclass_fields__ if key != "theme_ids"}
    values["code"] = details.code.strip().upper()
    return values


def _check(details: RoundDetails, round_id: int | None = None) -> None:
    if details.closes_at <= details.opens_at:
        raise RoundError("The closing time must be after the opening time", field="closes_at")
    if details.budget_pence < details.award_pence:
        raise RoundError(
            f"The budget must allow at least one award of {format_pence(details.award_pence)}", field="budget_pence"
        )
    taken = db.session.scalar(db.select(Round.id).where(Round.code == details.code.strip().upper()))
    if taken and taken != round_id:
        raise RoundError("Another round already uses this code", field="code")


def _themes(theme_ids: list[int]) -> list[Theme]:
    themes = db.session.scalars(db.select(Theme).where(Theme.id.in_(theme_ids))).all()
    return sorted(themes, key=lambda theme: theme.name)


def _summary(round_: Round) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for key in RoundDetails.__dataclass_fields__:
        if key == "theme_ids":
            summary[key] = sorted(theme.id for theme in round_.themes)
            continue
        value = getattr(round_, key)
        summary[key] = value.isoformat() if isinstance(value, date | datetime) else value
    return summary


def create_round(details: RoundDetails, *, actor: Any) -> Round:
    _check(details)
    round_ = Round(**_values(details), status=RoundStatus.DRAFT)
    round_.themes = _themes(details.theme_ids)
    round_.criteria = [
        RubricCriterion(
            position=index,
            title=title,
            weight=weight,
            guidance=guidance,
            scale_min=0,
            scale_max=5,
            question_keys=list(SUGGESTED_QUESTION_KEYS.get(title, [])),
        )
        for index, (title, weight, guidance) in enumerate(SUGGESTED_RUBRIC, start=1)
    ]
    db.session.add(round_)
    db.session.flush()
    bidforms.install(round_)  # the programme's own questions, for the officer to change before opening
    audit.record("round.created", round_, actor=actor, after=_summary(round_))
    return round_


# A round's rule that only a block of its form can meet: the block, the fields that raise the rule, and
# whether it applies (the other way round from ``grants.bidforms.kinds.block_required_by``).
RULE_BLOCKS: list[tuple[str, str, tuple[str, ...], Callable[[dict[str, Any], int], bool]]] = [
    (
        "partnership",
        "the partnership",
        ("min_partner_sectors", "min_confirmed_partners"),
        lambda rule, _match: rule["min_partner_sectors"] > 1 or rule["min_confirmed_partners"] > 0,
    ),
    (
        "match_funding",
        "the match funding",
        ("match_at_least_required", "match_required_pence"),
        lambda rule, match: bool(rule["match_at_least_required"]) and match > 0,
    ),
    (
        "commitments",
        "the learning commitments",
        ("min_learning_commitments",),
        lambda rule, _match: rule["min_learning_commitments"] > 0,
    ),
]


def _check_rules_have_blocks(round_: Round, details: RoundDetails) -> None:
    """A rule raised (or a match required) that asks for a block the round's form does not have."""
    before = {**round_.rule, "match_required_pence": round_.match_required_pence}
    after = {**round_.rule, **details.eligibility, "match_required_pence": details.match_required_pence}
    raised = [
        (block, words, fields)
        for block, words, fields, applies in RULE_BLOCKS
        if applies(after, details.match_required_pence) and any(after[f] > before[f] for f in fields)
    ]
    if not raised:
        return
    form = form_of(round_.id)
    for block, words, fields in raised:
        if not form.has_block(block):
            field = next(f for f in fields if after[f] > before[f])
            raise RoundError(f"Add {words} block to the round's form first", field=field)


def _current_details(round_: Round) -> RoundDetails:
    values = {key: getattr(round_, key) for key in RoundDetails.__dataclass_fields__ if key != "theme_ids"}
    return RoundDetails(**values, theme_ids=[theme.id for theme in round_.themes])


def update_round(round_: Round, changes: dict[str, Any], *, actor: Any) -> None:
    """Change the round's details; only those its state allows (see EDITABLE)."""
    allowed = editable_fields(round_)
    if allowed == set():
        raise RoundError(f"A round that is {round_.status} can no longer be changed.")
    if allowed is not None and set(changes) - allowed:
        locked = ", ".join(sorted(set(changes) - allowed))
        raise RoundError(f"These details cannot change once the round is {round_.status}: {locked}.")
    details = replace(_current_details(round_), **changes)
    _check(details, round_.id)
    _check_rules_have_blocks(round_, details)
    before = _summary(round_)
    values = _values(details)
    for key in changes:
        if key == "theme_ids":
            round_.themes = _themes(details.theme_ids)
        else:
            setattr(round_, key, values[key])
    db.session.flush()
    after = _summary(round_)
    changed = sorted(key for key in after if after[key] != before[key])
    if changed:
        audit.record(
            "round.updated",
            round_,
            actor=actor,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )


# A round starts its assessment with its bids, which go under review: bids and their review are areas
# above rounds, and the steering group's (reviews) says how it is done when it is set up.
_ASSESSMENT_START: list[Callable[..., int]] = []


def start_assessment_with(start: Callable[..., int]) -> None:
    """``start(round_, actor=...)``: move the round to assessing, its submitted bids under review."""
    _ASSESSMENT_START[:] = [start]


def move_round(round_: Round, target: str, *, actor: Any, now: datetime | None = None) -> None:
    """Publish, close, start assessing, mark decided or archive a round, under its row lock: of two
    presses at once, the second finds the round moved on."""
    if target == RoundStatus.ASSESSING:  # every submitted bid goes under review with it
        if not _ASSESSMENT_START:  # never a round under assessment with its bids left out
            raise RuntimeError("the reviews area has not said how a round's assessment starts")
        _ASSESSMENT_START[0](round_, actor=actor)
        return
    now = now or utcnow()
    lock_and_refresh(db.session, round_)
    if target not in ROUND_WORKFLOW.states:
        raise ValueError(f"{target!r} is not a state of a round")
    state = RoundStatus(target)
    ROUND_WORKFLOW.check(round_, state)
    if state == RoundStatus.OPEN:
        if not round_.themes:
            raise RoundError("Choose at least one theme in scope before publishing the round.")
        if not round_.criteria:
            raise RoundError("Add at least one rubric criterion before publishing the round.")
        if round_.closes_at <= now:
            raise RoundError("The closing time has passed. Change it before publishing the round.")
        _check_form_complete(round_)
    ROUND_WORKFLOW.move(round_, state, actor=actor)


def _check_form_complete(round_: Round) -> None:
    form = form_of(round_.id)
    if not form.pages:
        raise RoundError("Add a page of questions to the round's application form before publishing the round.")
    empty = next((page for page in form.pages if not page.questions), None)
    if empty is not None:
        raise RoundError(
            f"The page ‘{empty.title}’ of the application form has no questions: add one or remove the page "
            "before publishing the round."
        )
    # Under the round's lock, as every change to its form is: a block removed a moment ago is seen here.
    present = {question.kind for question in form.questions if question.is_block}
    if (missing := missing_block_message(round_, present, "The application form")) is not None:
        raise RoundError(missing)


def close_due_rounds(now: datetime | None = None) -> list[int]:
    """Close every open round whose closing time has passed. Returns their ids."""
    now = now or utcnow()
    due = db.session.scalars(
        db.select(Round)
        .where(Round.status == RoundStatus.OPEN, Round.closes_at <= now)
        .order_by(Round.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for round_ in due:
        ROUND_WORKFLOW.move(round_, RoundStatus.CLOSED, reason="closing time reached")
    return [round_.id for round_ in due]


def next_reference(round_id: int) -> str:
    """``LV2-0007``: the next number in the round, taken under a row lock so no two bids share one."""
    round_ = db.session.scalars(
        db.select(Round).where(Round.id == round_id).with_for_update().execution_options(populate_existing=True)
    ).one()
    round_.last_reference_number += 1
    db.session.flush()
    return f"{round_.code}-{round_.last_reference_number:04d}"


# --- Rubric -----------------------------------------------------------------------------------------


def _check_criteria_editable(round_: Round) -> None:
    if round_.status not in CRITERIA_EDITABLE:
        raise RoundError("The rubric cannot change once the round has closed.")


def save_criterion(
    round_: Round, criterion: RubricCriterion | None, values: dict[str, Any], *, actor: Any
) -> RubricCriterion:
    lock_and_refresh(db.session, round_)  # the round's rubric changes one request at a time
    _check_criteria_editable(round_)
    if values["scale_max"] <= values["scale_min"]:
        raise RoundError("The highest score must be more than the lowest score", field="scale_max")
    if "question_keys" in values:
        values = {**values, "question_keys": _assessed_questions(round_, values["question_keys"])}
    before = None
    if criterion is None:
        criterion = RubricCriterion(round=round_, position=max((c.position for c in round_.criteria), default=0) + 1)
        db.session.add(criterion)
    else:
        before = {key: getattr(criterion, key) for key in values}
    for key, value in values.items():
        setattr(criterion, key, value)
    db.session.flush()
    audit.record(
        "round.criterion_saved", round_, actor=actor, before=before, after={"criterion_id": criterion.id, **values}
    )
    return criterion


def _assessed_questions(round_: Round, keys: list[str]) -> list[str]:
    """The keys of the questions a criterion assesses, in the form's order: only the round's own."""
    form = form_of(round_.id)
    if set(keys) - set(form.by_key):
        raise RoundError("Choose only questions on the round's application form", field="question_keys")
    return [question.key for question in form.questions if question.key in set(keys)]


def remove_criterion(round_: Round, criterion_id: int, *, actor: Any) -> None:
    lock_and_refresh(db.session, round_)  # the round's rubric changes one request at a time
    _check_criteria_editable(round_)
    criterion = next((criterion for criterion in round_.criteria if criterion.id == criterion_id), None)
    if criterion is None:  # removed a moment ago, by another press of the button
        raise CriterionGone("That criterion is no longer in the rubric.")
    if len(round_.criteria) == 1 and round_.status != RoundStatus.DRAFT:
        raise RoundError("A published round needs at least one criterion.")
    round_.criteria.remove(criterion)
    db.session.flush()
    audit.record(
        "round.criterion_removed",
        round_,
        actor=actor,
        before={"criterion_id": criterion.id, "title": criterion.title, "weight": criterion.weight},
    )
