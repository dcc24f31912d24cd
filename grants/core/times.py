"""Times are stored in UTC and shown in Europe/London, written the GOV.UK way."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def to_london(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LONDON)


def london_today() -> date:
    """Today's date in London, where the programme's deadlines fall."""
    return datetime.now(UTC).astimezone(LONDON).date()


def from_london(value: datetime) -> datetime:
    """A wall-clock time typed in London → the UTC instant."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=LONDON)
    return value.astimezone(UTC)


def _clock(value: datetime) -> str:
    if value.hour == 12 and value.minute == 0:
        return "midday"
    if value.hour == 0 and value.minute == 0:
        return "midnight"
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def format_date(value: date | datetime | None) -> str:
    """``22 November 2026``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_london(value)
    return f"{value.day} {value:%B %Y}"


def format_datetime(value: datetime | None) -> str:
    """``22 November 2026 at 9:53am`` in London time."""
    if value is None:
        return ""
    local = to_london(value)
    return f"{format_date(local)} at {_clock(local)}"
