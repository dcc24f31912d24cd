"""The test harness's own promises, where a broken one would let tests pass on another test's data."""

from __future__ import annotations

from grants.directory.models import Place, Theme
from tests.conftest import empty_every_table


def _rows(db) -> dict[str, int]:
    return {
        table.name: count
        for table in db.metadata.sorted_tables
        if (count := db.session.scalar(db.select(db.func.count()).select_from(table)))
    }


def test_emptying_the_committed_database_leaves_no_row_and_starts_every_id_again(committed_db):
    db = committed_db
    db.session.add(Place(name="Wigan", ons_code="E08000010", region="North West"))
    theme = Theme(slug="loneliness", name="Loneliness")
    db.session.add(theme)
    db.session.commit()
    db.session.delete(theme)  # a table written to, then emptied again: its ids have moved on all the same
    db.session.commit()
    assert _rows(db) == {"places": 1}
    db.session.remove()  # as the fixture does: no transaction of the test's left open

    empty_every_table()

    assert _rows(db) == {}
    place, theme = Place(name="Leeds", ons_code="E08000035", region="Yorkshire"), Theme(slug="homes", name="Homes")
    db.session.add_all([place, theme])
    db.session.commit()
    assert (place.id, theme.id) == (1, 1)
