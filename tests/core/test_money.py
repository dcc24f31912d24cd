import pytest

from grants.core.money import MoneyError, format_pence, parse_pounds, split_pence


@pytest.mark.parametrize(
    ("pence", "expected"),
    [(2_700_000, "£27,000.00"), (0, "£0.00"), (5, "£0.05"), (123_456_789, "£1,234,567.89"), (-1050, "-£10.50")],
)
def test_format_pence(pence, expected):
    assert format_pence(pence) == expected


def test_format_whole_pounds_only_when_asked():
    assert format_pence(2_700_000, whole=True) == "£27,000"
    assert format_pence(2_700_050, whole=True) == "£27,000.50"


def test_format_refuses_floats():
    with pytest.raises(TypeError):
        format_pence(27000.0)


@pytest.mark.parametrize(
    ("text", "pence"),
    [("£27,000", 2_700_000), ("27000.00", 2_700_000), (" 27,000.5 ", 2_700_050), ("0.01", 1), ("£1 000", 100_000)],
)
def test_parse_pounds(text, pence):
    assert parse_pounds(text) == pence


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter an amount"),
        ("twenty", "Enter an amount in pounds"),
        ("-5", "£0 or more"),
        ("1.234", "no more than 2 decimal places"),
        ("NaN", "Enter an amount in pounds"),
        ("Infinity", "Enter an amount in pounds"),
        ("1e20", "£1,000,000,000 or less"),
        ("1000000000.01", "£1,000,000,000 or less"),
    ],
)
def test_parse_pounds_refuses_with_a_clear_message(text, message):
    with pytest.raises(MoneyError, match=message):
        parse_pounds(text)


def test_split_gives_the_remainder_to_the_last_part_and_sums_exactly():
    assert split_pence(2_700_000, [50, 30, 20]) == [1_350_000, 810_000, 540_000]
    parts = split_pence(1_000_001, [33, 33, 34])
    assert parts == [330_000, 330_000, 340_001]
    assert sum(parts) == 1_000_001


@pytest.mark.parametrize("percentages", [[], [50, 40], [60, 50, -10], [100, 0]])
def test_split_refuses_plans_that_do_not_make_100(percentages):
    with pytest.raises(MoneyError):
        split_pence(100, percentages)
