"""The officer's list as CSV, with a round chosen: a column for each question of the round's form, in
the form's order, headed by the question's title and holding the answer in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import undefer

from grants.applications import queries
from grants.applications.models import Application
from grants.bidforms.kinds import shown
from grants.bidforms.models import FormQuestion
from grants.bidforms.queries import form_of
from grants.core.spreadsheets import safe_cell, unique_headings


@dataclass(frozen=True)
class AnswerFile:
    original_filename: str


@dataclass
class AnswerColumns:
    """The questions of one round (none across rounds) and the names of the files answering them."""

    questions: list[FormQuestion]
    files: dict[int, AnswerFile]

    @classmethod
    def of_round(cls, round_id: int | None) -> AnswerColumns:
        if round_id is None:
            return cls([], {})
        files = queries.answer_files(round_id)
        return cls(form_of(round_id).answerable, {document_id: AnswerFile(name) for document_id, name in files.items()})

    def header(self, fixed: list[str]) -> list[str]:
        """``fixed`` (the list's own columns), then a heading for each question, each heading once."""
        return unique_headings([(heading, heading) for heading in fixed] + [(q.title, q.key) for q in self.questions])

    def reading(self, statement: Select) -> Select:
        """The list's statement, reading the bids' answers too when they are written."""
        return statement.options(undefer(Application.answers)) if self.questions else statement

    def cells(self, application: Application) -> list[Any]:
        if not self.questions:  # across rounds: the answers are not even read
            return []
        answers = application.answers or {}
        return [safe_cell(shown(question, answers.get(question.key), self.files)) for question in self.questions]
