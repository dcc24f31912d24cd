"""Lists are always ordered: a statement without an outer ORDER BY is refused before it is paginated."""

from __future__ import annotations

import pytest
from sqlalchemy import column, select, table

from grants.core.pagination import _is_ordered, _is_ordered_sql, paginate, paginate_counted

ITEMS = table("items", column("id"), column("rank"))
RANKED = select(ITEMS.c.id).order_by(ITEMS.c.rank).subquery()


@pytest.mark.parametrize(
    ("statement", "ordered"),
    [
        (select(ITEMS.c.id), False),
        (select(ITEMS.c.id).order_by(ITEMS.c.rank), True),
        (select(RANKED.c.id), False),  # only a subquery is ordered
        (select(RANKED.c.id).order_by(RANKED.c.id.desc()), True),
        (select(ITEMS.c.id).order_by(ITEMS.c.rank).order_by(None), False),
    ],
)
def test_only_an_outer_order_by_counts(app, statement, ordered):
    with app.app_context():  # the tests' configuration checks every list
        assert _is_ordered(statement) is ordered
    assert _is_ordered_sql(statement) is ordered


def test_a_production_request_trusts_the_order_the_suite_checked(app):
    app.testing, testing = False, app.testing
    try:
        with app.app_context():
            assert _is_ordered(select(ITEMS.c.id)) is True
    finally:
        app.testing = testing


def test_an_unordered_list_is_refused(app):
    with app.test_request_context("/?page=1"), pytest.raises(ValueError, match="always ordered"):
        paginate(select(ITEMS.c.id))


@pytest.mark.parametrize(("asked", "shown", "offset"), [("2", 2, 10), ("9", 3, 20), ("nonsense", 1, 0), ("0", 1, 0)])
def test_a_counted_list_fetches_only_the_page_asked_for_and_a_page_past_the_end_is_the_last(app, asked, shown, offset):
    fetched = []

    def fetch(start, limit):
        fetched.append((start, limit))
        return list(range(start, min(start + limit, 25)))

    with app.test_request_context(f"/?page={asked}"):
        page = paginate_counted(25, fetch, per_page=10)
    assert fetched == [(offset, 10)]
    assert (page.page, page.pages, page.total, page.items) == (shown, 3, 25, list(range(offset, min(offset + 10, 25))))
