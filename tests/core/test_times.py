from datetime import UTC, date, datetime

import pytest

from grants.core.db import UTCDateTime
from grants.core.times import format_date, format_datetime, from_london, to_london


def test_summer_time_is_shown_in_london():
    assert format_datetime(datetime(2026, 7, 1, 11, 30, tzinfo=UTC)) == "1 July 2026 at 12:30pm"


def test_winter_time_is_utc():
    assert format_datetime(datetime(2026, 11, 22, 9, 0, tzinfo=UTC)) == "22 November 2026 at 9am"


def test_midday_and_midnight_are_words():
    assert format_datetime(datetime(2026, 1, 5, 12, 0, tzinfo=UTC)).endswith("at midday")
    assert format_datetime(datetime(2026, 1, 5, 0, 0, tzinfo=UTC)).endswith("at midnight")


def test_a_late_utc_time_is_the_next_day_in_london_summer():
    assert format_date(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == "1 July 2026"
    assert format_date(date(2026, 6, 30)) == "30 June 2026"


def test_london_round_trip():
    typed = datetime(2026, 3, 29, 12, 0)  # the day the clocks go forward
    instant = from_london(typed)
    assert instant == datetime(2026, 3, 29, 11, 0, tzinfo=UTC)
    assert to_london(instant).replace(tzinfo=None) == typed


def test_naive_datetimes_are_never_stored():
    with pytest.raises(ValueError, match="naive datetime"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), dialect=type("D", (), {"name": "postgresql"}))
