"""A compiled report as CSV (one row per project, then the portfolio's totals; money in pounds with two
decimals) and as an Excel workbook (the same table, the portfolio's figures, and every outcome measure)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from grants.core.spreadsheets import plain_pounds, safe_cell
from grants.core.times import format_datetime
from grants.monitoring.queries import AGAINST_TARGET
from grants.progress.models import ProgressCompilation
from grants.progress.report import COLUMNS, flat_row, flat_totals, is_given_up, portfolio_leadership
from grants.projects.models import STATUS_LABELS

MONEY_FORMAT = '"£"#,##0.00'
SCORE_FORMAT = "0.00"


def shown_rows(compilation: ProgressCompilation, hidden) -> list[dict]:
    """The compiled project rows this person may see: a steering-group member's report leaves out the
    projects of bids they declared a conflict with (``hidden`` application ids), as the project pages,
    the dashboard's lists and the exports do. The portfolio's totals stay whole, as on the dashboard."""
    return [row for row in compilation.rows if row["application_id"] not in hidden]


def table(compilation: ProgressCompilation, *, staff: bool, hidden=frozenset()) -> list[dict]:
    """The flat rows: every funded project shown in reference order, then the awards given up (listed
    apart, with their status and nothing awarded), then the portfolio."""
    shown = shown_rows(compilation, hidden)
    funded = [flat_row(row, staff=staff) for row in shown if not is_given_up(row)]
    given_up = [flat_row(row, staff=staff) for row in shown if is_given_up(row)]
    return [*funded, *given_up, flat_totals(compilation.figures, staff=staff)]


def _csv_value(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == "money":
        return plain_pounds(value)
    if kind == "score":
        return f"{value:.2f}"
    if kind == "date":
        return value.isoformat()
    return safe_cell(value) if kind == "text" else str(value)


def csv_text(compilation: ProgressCompilation, *, staff: bool, hidden=frozenset()) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([heading for heading, _, _ in COLUMNS])
    for row in table(compilation, staff=staff, hidden=hidden):
        writer.writerow([_csv_value(row[key], kind) for _, key, kind in COLUMNS])
    return buffer.getvalue()


def _xlsx_value(value, kind: str):
    if value is None:
        return None
    if kind == "money":
        return Decimal(value) / 100
    return safe_cell(value) if kind == "text" else value


def _sheet_of_table(sheet, compilation: ProgressCompilation, *, staff: bool, hidden) -> None:
    sheet.append([heading for heading, _, _ in COLUMNS])
    for row in table(compilation, staff=staff, hidden=hidden):
        sheet.append([_xlsx_value(row[key], kind) for _, key, kind in COLUMNS])
    formats = {"money": MONEY_FORMAT, "score": SCORE_FORMAT, "date": "yyyy-mm-dd"}
    for index, (_, _, kind) in enumerate(COLUMNS, start=1):
        if kind in formats:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = formats[kind]
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[sheet.max_row]:  # the portfolio's totals
        cell.font = Font(bold=True)
    sheet.freeze_panes = "C2"


def _sheet_of_portfolio(sheet, compilation: ProgressCompilation, *, staff: bool) -> None:
    figures = compilation.figures
    totals = table(compilation, staff=staff)[-1]
    sheet.append(["Compiled", format_datetime(compilation.finished_at)])
    sheet.append(["Projects", figures["projects"]])
    for status, count in figures["by_status"].items():
        sheet.append([f"Projects: {STATUS_LABELS[status].lower()}", count])
    if "live" in figures:  # a report compiled before projects could end rated every project
        sheet.append(["Projects still running (the RAG below is theirs)", figures["live"]])
    for rag, count in figures["by_rag"].items():
        sheet.append([f"RAG: {'not yet rated' if rag == 'none' else rag}", count])
    for heading, key, kind in COLUMNS:
        if kind not in ("text", "date"):
            sheet.append([heading, _xlsx_value(totals[key], kind)])
            if kind == "money":
                sheet.cell(sheet.max_row, 2).number_format = MONEY_FORMAT
    shift = portfolio_leadership(compilation.figures, staff=staff)
    if shift["shown"]:
        for change in shift["changes"]:
            sheet.append([f"Leadership change: {safe_cell(change.domain)}", round(change.change, 2), change.pairs])
    sheet.column_dimensions["A"].width = 48


def _sheet_of_measures(sheet, compilation: ProgressCompilation, hidden) -> None:
    sheet.append(["Reference", "Measure", "Unit", "Baseline", "Target", "Latest", "Reported on", "Against target"])
    for row in shown_rows(compilation, hidden):
        for measure in row["measures"]:
            sheet.append(
                [
                    row["reference"],
                    safe_cell(measure["name"]),
                    safe_cell(measure["unit"]),
                    measure["baseline"],
                    measure["target"],
                    measure["latest"],
                    measure["latest_on"],
                    AGAINST_TARGET[measure["state"]],
                ]
            )


def xlsx_bytes(compilation: ProgressCompilation, *, staff: bool, hidden=frozenset()) -> bytes:
    workbook = Workbook()
    _sheet_of_table(workbook.active, compilation, staff=staff, hidden=hidden)
    workbook.active.title = "Projects"
    _sheet_of_portfolio(workbook.create_sheet("Portfolio"), compilation, staff=staff)
    _sheet_of_measures(workbook.create_sheet("Outcome measures"), compilation, hidden)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
