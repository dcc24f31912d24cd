"""What a rubric criterion assesses, read from the bid: the answers to the questions the officer linked
to it (``RubricCriterion.question_keys``), for the reviewer and the chair to read beside its scores."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from grants.applications.models import Application
from grants.bidforms.kinds import BLOCKS, shown
from grants.bidforms.models import FormQuestion
from grants.bidforms.queries import Form, form_of
from grants.core.money import format_pence
from grants.core.templating import format_number
from grants.core.times import format_date
from grants.documents.models import Document
from grants.rounds.models import RubricCriterion


@dataclass(frozen=True)
class CriterionAnswer:
    """One question's answer in words: ``text`` for a question, ``lines`` for a built-in block's parts,
    ``document`` for a file (to link to). All empty when the bid has not answered it."""

    question: FormQuestion
    text: str = ""
    lines: tuple[str, ...] = ()
    document: Document | None = None

    @property
    def answered(self) -> bool:
        return bool(self.text or self.lines or self.document)

    @property
    def pre_wrapped(self) -> Markup:
        """Long text with its line breaks kept. Each break is written as a character reference, so that
        the summary list, which indents the lines of a value's HTML, cannot add spaces to the text."""
        text = str(escape(self.text.replace("\r\n", "\n"))).replace("\n", "&#10;")
        return Markup(f'<span class="grants-pre-wrap">{text}</span>')  # noqa: S704  # nosec B704  # escaped above


def answers_by_criterion(
    criteria: Iterable[RubricCriterion], application: Application, form: Form | None = None
) -> dict[int, list[CriterionAnswer]]:
    """Each criterion's questions, in the form's order, with the bid's answers. A question no longer on
    the form, or one the bid was not asked (its condition not met), is left out. ``form``: the bid's
    round's, loaded here if not given."""
    form = form if form is not None else form_of(application.round_id)
    documents = {document.id: document for document in application.documents}
    answers = application.answers or {}
    found = {}
    for criterion in criteria:
        keys = set(criterion.question_keys or [])
        found[criterion.id] = [
            _answer(question, application, answers.get(question.key), documents)
            for question in form.questions
            if question.key in keys and form.is_shown(question, answers)
        ]
    return found


def _answer(
    question: FormQuestion, application: Application, value: Any, documents: dict[int, Document]
) -> CriterionAnswer:
    if question.is_block:
        return CriterionAnswer(question, lines=tuple(BLOCK_LINES[question.kind](application)))
    if question.kind == "file" and value is not None:
        document = documents.get(int(value))
        if document is not None:
            return CriterionAnswer(question, text=document.original_filename, document=document)
    return CriterionAnswer(question, text=shown(question, value, documents))


def _place_themes(bid: Application) -> list[str]:
    lines = [f"Project title: {bid.title}"] if bid.title else []
    if bid.place is not None:
        lines.append(f"Place: {bid.place.name} ({bid.place.ons_code})")
    if bid.themes:
        lines.append("Issues: " + ", ".join(theme.name for theme in bid.themes))
    return lines


def _partnership(bid: Application) -> list[str]:
    lead = bid.lead_organisation
    lines = [f"Lead organisation: {lead.name} ({lead.sector_label})"]
    for partner in bid.partners:
        organisation, status = partner.organisation, partner.status_label.lower()
        lines.append(f"{organisation.name} ({organisation.sector_label}), {status}: {partner.role}")
    return lines


def _match_funding(bid: Application) -> list[str]:
    lines = []
    if bid.match_funder or bid.match_amount_pence is not None:
        amount = format_pence(bid.match_amount_pence) if bid.match_amount_pence is not None else "no amount"
        lines.append(f"{amount} pledged by {bid.match_funder or 'no one named'}")
    if bid.match_evidence is not None:
        lines.append(f"Pledge letter: {bid.match_evidence.original_filename}")
    return lines


def _measures(bid: Application) -> list[str]:
    def number(value: float | None, missing: str) -> str:
        return format_number(value) if value is not None else missing

    return [
        f"{measure.name}{f' ({measure.unit})' if measure.unit else ''}: from {number(measure.baseline, 'unknown')} "
        f"to {number(measure.target, 'no target')}, {'higher' if measure.direction == 'up' else 'lower'} is better"
        for measure in bid.measures
    ]


def _commitments(bid: Application) -> list[str]:
    return [
        f"{commitment.kind_label}: {commitment.description}"
        + (f" By {format_date(commitment.target_date)}." if commitment.target_date else "")
        for commitment in bid.commitments
    ]


def _budget(bid: Application) -> list[str]:
    if bid.amount_requested_pence is None and not bid.budget_lines:
        return []
    requested = format_pence(bid.amount_requested_pence) if bid.amount_requested_pence is not None else "not given"
    lines = [f"Amount requested: {requested}"]
    lines += [f"{line.description}: {format_pence(line.amount_pence)}" for line in bid.budget_lines]
    return lines


BLOCK_LINES: dict[str, Callable[[Application], list[str]]] = {
    "place_themes": _place_themes,
    "partnership": _partnership,
    "match_funding": _match_funding,
    "measures": _measures,
    "commitments": _commitments,
    "budget": _budget,
}
assert BLOCK_LINES.keys() == BLOCKS.keys(), "every built-in block can be shown beside a criterion"
