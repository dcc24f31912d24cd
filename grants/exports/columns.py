"""A download's columns and how each kind of value is written: in CSV as plain text (money as pounds
with two decimals, dates ISO, times in UK time as ``2026-11-22 09:53:00``), in Excel as numbers, dates
and times a spreadsheet can sort and add up. Every text cell is made safe from formula injection."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

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
