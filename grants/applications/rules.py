"""What makes a section (a page of the round's form) complete, the round's eligibility rules included.
Each question shown on the page is checked (required, limits) and each built-in block by its own rules,
which apply only where the round's form has the block. One set of rules serves the section page (marking
it completed), the task list (what it shows) and the final check before submission, so "completed" on
the task list means the bid will not be refused for that section. The only other reason to refuse a bid
is the round's closing time (``round_problems``).

A partnership can be marked completed once its partners have been invited, before they answer: until
enough of them confirm, the task list shows it as waiting for partners, not completed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from grants.applications.models import Application, PartnerStatus
from grants.bidforms.kinds import is_empty, word_count
from grants.bidforms.models import FormPage, FormQuestion
from grants.bidforms.queries import Form
from grants.core.db import utcnow
from grants.core.money import format_pence


@dataclass(frozen=True)
class Problem:
    section: str  # the key of its page of the round's form (``round`` for the round's closing time)
    # The bid's field it is about (``match_amount_pence``), or the question's key, shown beside the form
    # field that carries it.
    field: str
    message: str
    # Put right by partners confirming their part, not by the applicant: the section can be marked
    # completed meanwhile, and the task list shows it as waiting for partners.
    waiting: bool = False


class Waiting(str):
    """A problem's message that only partners' answers can put right."""


def _partnership(app: Application):
    if not app.partners:
        yield "partners", "Add at least one partner organisation"
        return
    rule = app.round.rule
    answering = [partner for partner in app.partners if partner.status != PartnerStatus.DECLINED]
    confirmed = [partner for partner in answering if partner.status == PartnerStatus.CONFIRMED]
    # Only partners who have confirmed their part count towards the partnership's sectors.
    needed = rule["min_partner_sectors"]
    message = f"The lead organisation and its confirmed partners must come from at least {needed} sectors"
    if len(_sectors(app, confirmed)) < needed:
        # Partners still to answer could make up the sectors: wait for them; otherwise add a partner.
        yield "partners", Waiting(message) if len(_sectors(app, answering)) >= needed else message
    needed = rule["min_confirmed_partners"]
    message = f"At least {needed} partner{'s' if needed != 1 else ''} must confirm their part before you submit"
    if len(confirmed) < needed:
        yield "partners", Waiting(message) if len(answering) >= needed else message


def _sectors(app: Application, partners) -> set[str]:
    return {app.lead_organisation.sector} | {partner.organisation.sector for partner in partners}


def _place_themes(app: Application):
    if not app.title.strip():
        yield "title", "Enter a project title"
    if app.place_id is None:
        yield "place_id", "Select the place the project will benefit"
    if not app.themes:
        yield "themes", "Select at least one issue the project will tackle"
    elif any(theme not in app.round.themes for theme in app.themes):
        yield "themes", "Select only issues that this round funds"


def _measures(app: Application):
    if not app.measures:
        yield "measures", "Add at least one measure of success"
    for number, measure in enumerate(app.measures, start=1):
        if measure.target is None:
            yield "measures", f"Enter a target for measure {number}, {measure.name}"


def _match(app: Application):
    if not app.match_funder.strip():
        yield "match_funder", "Enter who has pledged the match funding"
    if app.match_amount_pence is None:
        yield "match_amount_pence", "Enter the amount pledged"
    elif app.round.rule["match_at_least_required"] and app.match_amount_pence < app.round.match_required_pence:
        yield (
            "match_amount_pence",
            f"The match funding pledged must be at least {format_pence(app.round.match_required_pence)}",
        )
    if app.match_evidence is None:
        yield "evidence", "Upload the pledge letter"


def _commitments(app: Application):
    needed = app.round.rule["min_learning_commitments"]
    if not app.commitments:
        yield "commitments", "Add at least one learning commitment"
    elif len(app.commitments) < needed:
        yield "commitments", f"Make at least {needed} learning commitment{'s' if needed != 1 else ''}"
    for number, commitment in enumerate(app.commitments, start=1):
        if commitment.target_date is None:
            yield "commitments", f"Enter a target date for learning commitment {number}"


MIN_REQUEST_PENCE = 100_000  # £1,000: less is not a partnership grant, and tranches must each be whole pence


def _budget(app: Application):
    award = app.round.award_pence
    requested = app.amount_requested_pence
    if requested is None:
        yield "amount_requested_pence", "Enter the amount requested"
    elif requested < MIN_REQUEST_PENCE:
        yield "amount_requested_pence", f"The amount requested must be at least {format_pence(MIN_REQUEST_PENCE)}"
    elif requested > award:
        yield "amount_requested_pence", f"The amount requested must be {format_pence(award)} or less"
    if not app.budget_lines:
        yield "budget_lines", "Add at least one budget line"
    elif requested is not None and app.budget_total_pence != requested:
        yield (
            "budget_lines",
            (
                f"The budget lines add up to {format_pence(app.budget_total_pence)}; they must add up to the "
                f"amount requested, {format_pence(requested)}"
            ),
        )


# Each built-in block's rules, split from the sections they were first written for.
BLOCK_RULES: dict[str, Callable[[Application], Iterator[tuple[str, str]]]] = {
    "partnership": _partnership,
    "place_themes": _place_themes,
    "measures": _measures,
    "match_funding": _match,
    "commitments": _commitments,
    "budget": _budget,
}


def _required(question: FormQuestion) -> str:
    """What to do about a required question left unanswered."""
    name = f"‘{question.title}’"
    if question.kind in ("yes_no", "choice"):
        return f"Select an answer to {name}"
    if question.kind == "choices":
        return f"Select at least one answer to {name}"
    if question.kind == "file":
        return f"Upload a file for {name}"
    return f"Enter an answer to {name}"


def _answer(question: FormQuestion, value: Any):
    """An answer's problems: left empty when required, or (saved before a limit changed) beyond a limit."""
    name = f"‘{question.title}’"
    if is_empty(value):
        if question.required:
            yield question.key, _required(question)
        return
    if isinstance(value, str):
        if question.max_chars and len(value) > question.max_chars:
            yield question.key, f"{name} must be {question.max_chars:,} characters or fewer"
        if question.max_words and word_count(value) > question.max_words:
            yield question.key, f"{name} must be {question.max_words:,} words or fewer"
    if question.kind in ("number", "money") and isinstance(value, int):
        shown = format_pence if question.kind == "money" else (lambda number: f"{number:,}")
        if question.min_value is not None and value < question.min_value:
            yield question.key, f"{name} must be {shown(question.min_value)} or more"
        if question.max_value is not None and value > question.max_value:
            yield (
                question.key,
                f"{name} must be {shown(question.max_value)} or {'less' if question.kind == 'money' else 'fewer'}",
            )
    if question.kind == "date" and not _is_date(value):
        yield question.key, f"{name} must be a real date, like 27 3 2027"


def _is_date(value: Any) -> bool:
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True


def _question_problems(app: Application, question: FormQuestion):
    if question.is_block:
        return BLOCK_RULES[question.kind](app)
    return _answer(question, (app.answers or {}).get(question.key))


def section_problems(app: Application, form: Form, page: FormPage) -> list[Problem]:
    """The problems of a page: of each question shown to this applicant, in the page's order."""
    return [
        Problem(page.key, field, str(message), waiting=isinstance(message, Waiting))
        for question in form.shown_questions(page, app.answers or {})
        for field, message in _question_problems(app, question)
    ]


def section_status(app: Application, form: Form, page: FormPage) -> str:
    """What the task list shows: ``completed`` only when the section was marked completed and passes
    its rules now; ``waiting`` when marked completed and only partners' answers are missing;
    otherwise ``in_progress`` or ``not_started``."""
    state = app.section_state(page.key)
    if state != "completed":
        return state
    problems = section_problems(app, form, page)
    if not problems:
        return "completed"
    return "waiting" if all(problem.waiting for problem in problems) else "in_progress"


def bid_problems(app: Application, form: Form) -> list[Problem]:
    """Every reason the bid cannot be submitted yet, page by page of those shown to this applicant."""
    if not form.pages:  # never published so: a form always has the place and the budget
        return [Problem("round", "form", "The round's application form has no questions yet")]
    problems = []
    for page in form.shown_pages(app.answers or {}):
        found = section_problems(app, form, page)
        if found:
            problems.extend(found)
        elif app.section_state(page.key) != "completed":
            problems.append(Problem(page.key, "section_states", f"Mark the section ‘{page.title}’ as completed"))
    return problems


def round_problems(app: Application, now: datetime | None = None) -> list[Problem]:
    """What refuses a bid besides its sections: the round's closing time."""
    if not app.round.is_accepting(now or utcnow()):
        return [Problem("round", "closes_at", "The round has closed: bids can no longer be submitted")]
    return []
