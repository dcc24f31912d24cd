"""The audit trail as people read it: the filters from the query string, and each change in words.

The filters are named for the links other pages make to the trail: ``event`` (an action name, exactly),
``person`` (a user id), ``since`` and ``until`` (London dates, inclusive: ``2027-03-01``, or the
``since-day``, ``since-month``, ``since-year`` fields of the page's own GOV.UK date inputs).
"""

from __future__ import annotations

import json
from typing import Any

from flask import request

from grants.core.date_filters import day_range
from grants.core.money import format_pence
from grants.core.pagination import id_arg

_TEXT_LIMIT = 200  # a long note or reason is cut here: the whole of it is on the object's page


def audit_filters() -> dict[str, Any]:
    """The trail's filters from the query string; a date that could not be read filters nothing."""
    since, until = day_range()
    return {
        "event": (request.args.get("event") or "").strip()[:80] or None,
        "person": id_arg("person"),
        "since": since,
        "until": until,
        # Kept for the links other pages make ("Full audit trail for this bid") and older bookmarks.
        **{key: (request.args.get(key) or "").strip()[:80] or None for key in ("action", "object_type", "object_id")},
    }


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
