"""Cells for CSV and spreadsheet downloads: text a spreadsheet will never run, money as plain pounds,
and tables written a chunk at a time so a large download never sits whole in memory."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from grants.core.money import format_pence

CHUNK_BYTES = 64 * 1024
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def unique_headings(columns: Iterable[tuple[str, str]]) -> list[str]:
    """Column headings from (heading, key) pairs, each once: a heading already used (a question titled
    "Title", say, beside the bid's own Title) is told apart by its key, so a reader keyed by heading
    loses no column."""
    seen: set[str] = set()
    headings = []
    for heading, key in columns:
        if heading.casefold() in seen:
            heading = f"{heading} ({key})"
        seen.add(heading.casefold())
        headings.append(heading)
    return headings


def safe_cell(value: object) -> str:
    """Text that a spreadsheet will not run as a formula: text that starts like one is quoted."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def plain_pounds(pence: int | None) -> str:
    """``2700000`` → ``27000.00``: pounds with two decimals, no sign or separators, for a spreadsheet."""
    return "" if pence is None else format_pence(pence).replace("£", "").replace(",", "")


def csv_chunks(header: list[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """A CSV table (header, then the rows) as text chunks of about 64 KB, for a streamed response.
    The cells must already be safe (``safe_cell``) and formatted: this only writes them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_chunks(
    sheet_title: str, header: list[str], rows: Iterable[Iterable[object]], number_formats: dict[int, str] | None = None
) -> Iterator[bytes]:
    """An Excel workbook of one sheet, written row by row to a temporary file by openpyxl's write-only
    mode (which keeps no rows in memory), then sent in 64 KB chunks. ``number_formats`` maps a column's
    position to the Excel format of its cells (money as pounds, dates as dates)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    heading = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = Font(bold=True)
        heading.append(cell)
    sheet.append(heading)
    formats = number_formats or {}
    for row in rows:
        sheet.append([_formatted(sheet, value, formats.get(index)) for index, value in enumerate(row)])
    with tempfile.TemporaryFile() as file:
        workbook.save(file)
        file.seek(0)
        while chunk := file.read(CHUNK_BYTES):
            yield chunk


def _formatted(sheet: Any, value: object, number_format: str | None) -> object:
    if number_format is None or value is None:
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell
