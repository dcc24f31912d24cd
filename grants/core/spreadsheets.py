"""Cells for CSV and spreadsheet downloads: text a spreadsheet will never run, money as plain pounds."""

from __future__ import annotations

from grants.core.money import format_pence


def safe_cell(value) -> str:
    """Text that a spreadsheet will not run as a formula: text that starts like one is quoted."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def plain_pounds(pence: int | None) -> str:
    """``2700000`` → ``27000.00``: pounds with two decimals, no sign or separators, for a spreadsheet."""
    return "" if pence is None else format_pence(pence).replace("£", "").replace(",", "")
