"""Filtering a list by dates typed into the page's GOV.UK date inputs or given in its address.

``?since=2027-03-01`` (a London date, as another page links to it) or the ``since-day``,
``since-month`` and ``since-year`` fields the page's own date input sends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import request

from grants.core.times import from_london


@dataclass
class DayFilter:
    """One of the date inputs: the day it asks for, what was typed (to show again), and what is wrong."""

    name: str
    day: date | None = None
    parts: dict[str, str] = field(default_factory=dict)
    error: str | None = None


def day_filter(name: str, label: str) -> DayFilter:
    """The date in ``?name=2027-03-01`` or in ``?name-day=1&name-month=3&name-year=2027``."""
    iso = (request.args.get(name) or "").strip()[:10]
    if iso:
        try:
            day = date.fromisoformat(iso)
        except ValueError:
            return DayFilter(name, error=f"{label} must be a real date, like 27 3 2027")
        return DayFilter(name, day, {"day": str(day.day), "month": str(day.month), "year": str(day.year)})
    parts = {part: (request.args.get(f"{name}-{part}") or "").strip()[:4] for part in ("day", "month", "year")}
    if not any(parts.values()):
        return DayFilter(name, parts=parts)
    missing = [part for part, value in parts.items() if not value]
    if missing:
        return DayFilter(name, parts=parts, error=f"{label} must include a {' and '.join(missing)}")
    try:
        if not all(value.isdecimal() for value in parts.values()) or len(parts["year"]) != 4:
            raise ValueError
        day = date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        return DayFilter(name, parts=parts, error=f"{label} must be a real date, like 27 3 2027")
    return DayFilter(name, day, parts)


def day_range(since_label: str = "From", until_label: str = "To") -> tuple[DayFilter, DayFilter]:
    """``since`` and ``until`` from the query string; a ``until`` before ``since`` is said and not used."""
    since, until = day_filter("since", since_label), day_filter("until", until_label)
    if since.day and until.day and until.day < since.day:
        until.error = f"{until_label} must be the same as or after {since_label}"
        until.day = None
    return since, until


def london_bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """The UTC instants from the start of ``since`` to the end of ``until``, both London days."""
    start = from_london(datetime.combine(since, time())) if since else None
    end = from_london(datetime.combine(until + timedelta(days=1), time())) if until else None
    return start, end
