"""The audit trail as people read it: the filters from the query string, and each change in words.

The filters are named for the links other pages make to the trail: ``event`` (an action name, exactly),
``person`` (a user id), ``since`` and ``until`` (London dates, inclusive: ``2027-03-01``, or the
``since-day``, ``since-month``, ``since-year`` fields of the page's own GOV.UK date inputs).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import request

from grants.core.money import format_pence
from grants.core.pagination import id_arg
from grants.core.times import from_london

_TEXT_LIMIT = 200  # a long note or reason is cut here: the whole of it is on the object's page


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


def audit_filters() -> dict[str, Any]:
    """The trail's filters from the query string; a date that could not be read filters nothing."""
    since, until = day_filter("since", "From"), day_filter("until", "To")
    if since.day and until.day and until.day < since.day:
        until.error = "To must be the same as or after From"
        until.day = None
    return {
        "event": (request.args.get("event") or "").strip()[:80] or None,
        "person": id_arg("person"),
        "since": since,
        "until": until,
        # Kept for the links other pages make ("Full audit trail for this bid") and older bookmarks.
        **{key: (request.args.get(key) or "").strip()[:80] or None for key in ("action", "object_type", "object_id")},
    }


def london_bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """The UTC instants from the start of ``since`` to the end of ``until``, both London days."""
    start = from_london(datetime.combine(since, time())) if since else None
    end = from_london(datetime.combine(until + timedelta(days=1), time())) if until else None
    return start, end


def _label(key: str) -> str:
    words = key.removesuffix("_pence").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _value(key: str, value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key.endswith("_pence") and isinstance(value, int):
        return format_pence(value)
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    text = str(value)
    return text if len(text) <= _TEXT_LIMIT else text[: _TEXT_LIMIT - 1] + "…"


def readable_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    """Each field an event records, as ``Field: before → after`` (or only the value it was or became)."""
    before, after = before or {}, after or {}
    lines = []
    for key in [*before, *(key for key in after if key not in before)]:
        if key in before and key in after:
            lines.append(f"{_label(key)}: {_value(key, before[key])} → {_value(key, after[key])}")
        elif key in after:
            lines.append(f"{_label(key)}: {_value(key, after[key])}")
        else:
            lines.append(f"{_label(key)}: was {_value(key, before[key])}")
    return lines
