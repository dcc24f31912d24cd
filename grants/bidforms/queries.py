"""A round's form, loaded whole (its pages, then their questions: two queries whatever its size)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grants.bidforms.kinds import visible
from grants.bidforms.models import FormPage, FormQuestion
from grants.extensions import db


@dataclass
class Form:
    """The pages of a round's form in order, with what every part of the service asks of them."""

    pages: list[FormPage]
    by_key: dict[str, FormQuestion] = field(init=False)
    page_of: dict[str, FormPage] = field(init=False)

    def __post_init__(self) -> None:
        self.by_key = {question.key: question for page in self.pages for question in page.questions}
        self.page_of = {page.key: page for page in self.pages}

    @property
    def questions(self) -> list[FormQuestion]:
        return [question for page in self.pages for question in page.questions]

    @property
    def answerable(self) -> list[FormQuestion]:
        """The questions whose answers the bid keeps in ``answers`` (not the built-in blocks)."""
        return [question for question in self.questions if not question.is_block]

    @property
    def public_summary(self) -> list[FormQuestion]:
        return [question for question in self.answerable if question.public_summary]

    def has_block(self, kind: str) -> bool:
        return kind in self.by_key and self.by_key[kind].is_block

    def page(self, key: str) -> FormPage | None:
        return self.page_of.get(key)

    def controlling(self, question: FormQuestion) -> FormQuestion | None:
        return self.by_key.get(question.condition_key) if question.condition_key else None

    def shown_questions(self, page: FormPage, answers: dict[str, Any]) -> list[FormQuestion]:
        """The questions of ``page`` an applicant with ``answers`` is asked."""
        return [question for question in page.questions if self.is_shown(question, answers)]

    def is_shown(self, question: FormQuestion, answers: dict[str, Any]) -> bool:
        """Shown when its condition holds and the question it looks to is itself shown."""
        seen: set[str] = set()
        while question.condition_key is not None and question.key not in seen:
            seen.add(question.key)
            if not visible(question, answers):
                return False
            controlling = self.controlling(question)
            if controlling is None:
                return True
            question = controlling
        return True

    def shown_pages(self, answers: dict[str, Any]) -> list[FormPage]:
        """The task list's sections: a page all of whose questions are hidden is not asked."""
        return [page for page in self.pages if self.shown_questions(page, answers)]

    def kept(self, answers: dict[str, Any]) -> dict[str, Any]:
        """``answers`` without those to questions the form does not have or that are hidden."""
        return {
            key: value
            for key, value in (answers or {}).items()
            if key in self.by_key and not self.by_key[key].is_block and self.is_shown(self.by_key[key], answers)
        }


def form_of(round_id: int) -> Form:
    pages = db.session.scalars(
        db.select(FormPage).where(FormPage.round_id == round_id).order_by(FormPage.position)
    ).all()
    return Form(list(pages))


def forms_of(round_ids: set[int]) -> dict[int, Form]:
    """The forms of several rounds at once (an export across rounds): two queries in all."""
    pages = db.session.scalars(
        db.select(FormPage).where(FormPage.round_id.in_(round_ids)).order_by(FormPage.round_id, FormPage.position)
    ).all()
    grouped: dict[int, list[FormPage]] = {round_id: [] for round_id in round_ids}
    for page in pages:
        grouped[page.round_id].append(page)
    return {round_id: Form(found) for round_id, found in grouped.items()}
