"""Hostile values for form fields: what a careless paste, a broken client or an attacker might send."""

from __future__ import annotations

from functools import lru_cache

from hypothesis import strategies as st

SCRIPT = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(document.cookie)",
    "{{7*7}}{% raw %}",
    '<a href="//evil.example">x</a>',
]
SQL = [
    "' OR 1=1 --",
    "'; DROP TABLE users; --",
    '" OR ""="',
    "1; SELECT pg_sleep(0)",
    "%' AND '1'='1",
    "\\",
]
NUMBERS = [
    "-1",
    "0",
    "-0",
    "1e309",
    "-1e309",
    "NaN",
    "Infinity",
    "99999999999999999999",
    "-99999999999999999999",
    "2147483648",
    "9223372036854775808",
    "0.000001",
    "1.5",
    "1,000,000,000,000",
    "£-27,000.00",
    "£1e6",
    "0x1F",
    "1_000",
    "١٢٣",  # Arabic-Indic digits: str.isdigit() says yes, int() agrees, but is it a sensible date part?
    "²",  # a digit to str.isdigit(), not to int()
    "٣٠",
]
DATES = [
    "2026-02-30",
    "31/13/2026",
    "0000-00-00",
    "30",
    "02",
    "13",
    "0",
    "00",
    "9999",
    "10000",
    "0001",
    "1900",
    "29",
    "2026",
    "31",
]
CONTROL = ["\x00", "a\x00b", "\x1b[31m", "\r\n\r\n", "\x7f", "\u2028", "\ufeff", "\x0b\x0c"]
UNICODE = [
    "\u202etxt.exe",  # right-to-left override
    "e\u0301\u0301\u0301\u0301\u0301",  # combining marks
    "👩🏽‍💻🏳️‍🌈",
    "𝕿𝖊𝖘𝖙",
    "ﷺ",
    "İstanbul ß ﬁ",  # case folding changes length
    "\u200b\u200c\u200d",
    "Zalgo: Z̷̡̢̛a̶l̸g̵o̴",
]
BLANK = ["", " ", "   \t  ", "\n", "\u00a0", "\u3000"]
FORMAT = ["%s%s%n", "{0}", "${jndi:ldap://x}", "../../etc/passwd", "null", "None", "undefined", "true", "[]", "{}"]

CORPUS = SCRIPT + SQL + NUMBERS + DATES + CONTROL + UNICODE + BLANK + FORMAT

# Lengths either side of the columns' limits and far beyond them.
LONG_LENGTHS = [201, 256, 1001, 5001, 10_000, 100_000]
MILLION = 1_000_000


def long_strings() -> st.SearchStrategy[str]:
    """Long runs of one unit; a million characters of plain text now and then (a million emoji, sent
    percent-encoded, would spend the run's time in URL decoding rather than in the app)."""
    unit = st.one_of(st.sampled_from(["A", "é", "💥", "<", "'", "\x00", " ", "9"]), st.text(min_size=1, max_size=3))
    long = st.builds(lambda u, n: (u * n)[:n], unit, st.sampled_from(LONG_LENGTHS))
    million = st.sampled_from(["A", "9", "a b", "x<"]).map(lambda u: (u * MILLION)[:MILLION])
    return st.one_of(long, long, long, million)


def hostile_text() -> st.SearchStrategy[str]:
    """One hostile string."""
    return st.one_of(
        st.sampled_from(CORPUS),
        long_strings(),
        st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
        st.integers(min_value=-(10**25), max_value=10**25).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.builds(lambda a, b: a + b, st.sampled_from(CORPUS), st.sampled_from(CORPUS)),
    )


HOSTILE = hostile_text()
_NOT_OFFERED = [HOSTILE, st.lists(HOSTILE, min_size=2, max_size=3), st.none()]


@lru_cache(maxsize=512)
def field_value(valid: tuple[str, ...]) -> st.SearchStrategy[str | list[str] | None]:
    """What to send for one field: a value the page offered (so the rest of the form gets further), a
    hostile string, several values (a repeated key), or nothing at all (None: the key is left out)."""
    return st.one_of(st.sampled_from(valid), *_NOT_OFFERED) if valid else st.one_of(*_NOT_OFFERED)
