"""A download's columns and how each kind of value is written: in CSV as plain text (money as pounds
with two decimals, dates ISO, times in UK time as ``2026-11-22 09:53:00``), in Excel as numbers, dates
and times a spreadsheet can sort and add up. Every text cell is made safe from formula injection."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from grants.applications.answer_columns import AnswerFile
from grants.bidforms.kinds import is_empty, shown
from grants.core.spreadsheets import plain_pounds, safe_cell
from grants.core.times import to_london

# Joins a list aggregated in SQL (a bid's themes): a character no name contains.
SEPARATOR = "\x1f"
PENNY = Decimal("0.01")


def london_iso(value) -> str:
    return to_london(value).strftime("%Y-%m-%d %H:%M:%S")


def csv_cell(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == "money":
        return plain_pounds(value)
    if kind == "date":
        return value.isoformat()
    if kind == "datetime":
        return london_iso(value)
    if kind == "number":
        return str(value)
    return safe_cell(value)


def xlsx_cell(value, kind: str):
    if value is None:
        return None
    if kind == "money":
        return (Decimal(value) / 100).quantize(PENNY)
    if kind in ("date", "number"):
        return value
    if kind == "datetime":
        return to_london(value).replace(tzinfo=None)  # Excel has no time zones: the UK wall-clock time
    return safe_cell(value)


@dataclass(frozen=True)
class Column:
    """``kind`` is ``text``, ``money`` (pence), ``date``, ``datetime`` (UTC), ``number`` or ``list``
    (joined by ``SEPARATOR``, written sorted and joined by "; "). ``labels`` turns a stored value into
    the words the service shows for it."""

    heading: str
    key: str
    kind: str = "text"
    labels: Mapping | None = None

    def value(self, row: Mapping):
        value = row[self.key]
        if self.labels is not None:
            value = self.labels.get(value, value)
        if self.kind == "list" and value is not None:
            value = "; ".join(sorted(value.split(SEPARATOR)))
        return value

    def csv(self, row: Mapping) -> str:
        return csv_cell(self.value(row), self.kind)

    def xlsx(self, row: Mapping):
        return xlsx_cell(self.value(row), "text" if self.kind == "list" else self.kind)


# How an answer of each kind is written: money, whole numbers and dates as such, the rest in words.
ANSWER_KINDS = {"money": "money", "number": "number", "date": "date"}


@dataclass(frozen=True)
class Answered:
    """What an answer's words are made from, kept as plain values: a download streams after the request
    has committed its record of it, so it holds no row of the database."""

    kind: str
    choice_labels: Mapping[str, str]


@dataclass(frozen=True)
class AnswerColumn(Column):
    """The answers to one question of a round's form (``key`` is the question's), read from the row's
    ``answers``. ``files``: the names of the round's answer files, by document id."""

    question: Answered | None = None
    files: dict[int, AnswerFile] = field(default_factory=dict)

    @classmethod
    def of(cls, question: Any, files: Mapping[int, str]) -> AnswerColumn:
        return cls(
            question.title,
            question.key,
            ANSWER_KINDS.get(question.kind, "text"),
            question=Answered(question.kind, dict(question.choice_labels)),
            files={document_id: AnswerFile(name) for document_id, name in files.items()},
        )

    def value(self, row: Mapping):
        answers: Mapping[str, Any] = row["answers"] or {}
        answer: Any = answers.get(self.key)
        if is_empty(answer):
            return None
        if self.kind in ("money", "number"):
            return int(answer)
        if self.kind == "date":
            return date.fromisoformat(answer)
        return shown(self.question, answer, self.files)
