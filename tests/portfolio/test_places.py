"""Projects by place: a page of its own, a page of places at a time, each figure equal to the records
added up here; the dashboard shows the places by region and links to it."""

from __future__ import annotations

from collections import Counter

from grants.core.money import format_pence
from grants.core.permissions import Role
from grants.extensions import db as _db
from grants.projects.models import Project
from tests.factories import PlaceFactory, RoundFactory, UserFactory, funded_project
from tests.helpers import h1, text
from tests.portfolio.conftest import table


def expected(round_id: int | None) -> dict[str, list[str]]:
    """Place name → [ONS code, region, projects, awarded], from every funded project (never the page's query)."""
    projects = [
        p
        for p in _db.session.scalars(_db.select(Project)).all()
        if p.status != "withdrawn" and p.place and round_id in (None, p.round_id)
    ]
    counts, awards = Counter(p.place_id for p in projects), Counter()
    for p in projects:
        awards[p.place_id] += p.award_pence
    places = {p.place_id: p.place for p in projects}
    return {
        place.name: [place.ons_code, place.region, str(counts[id_]), format_pence(awards[id_])]
        for id_, place in places.items()
    }


def rows_of(html: str) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in table(html, "Projects by place")}


def test_each_place_has_its_projects_and_money(db, programme, client_for):
    client = client_for(UserFactory(roles=[Role.STEERING_MEMBER]))
    html = client.get("/portfolio/places").get_data(as_text=True)
    assert h1(html) == "Projects by place"
    assert rows_of(html) == expected(None)
    assert rows_of(html)["Wigan"][2] == "2" and list(rows_of(html)) == ["Bolton", "Wigan"]  # in name order

    elsewhere = RoundFactory(code="LV7")
    funded_project(elsewhere).place = PlaceFactory(name="Ashfield", region="East Midlands")
    _db.session.commit()
    html = client.get(f"/portfolio/places?round={programme.funded_round.id}").get_data(as_text=True)
    assert rows_of(html) == expected(programme.funded_round.id) and "Ashfield" not in rows_of(html)
    assert "Ashfield" in rows_of(client.get("/portfolio/places").get_data(as_text=True))


def test_places_come_a_page_at_a_time(app, db, programme, client_for, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    client = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    first = client.get(f"/portfolio/places?round={programme.funded_round.id}").get_data(as_text=True)
    second = client.get(f"/portfolio/places?round={programme.funded_round.id}&page=2").get_data(as_text=True)
    assert list(rows_of(first)) == ["Bolton"] and list(rows_of(second)) == ["Wigan"]
    assert "2 places with a funded project: 1 to 1 on this page" in text(first)
    assert f"round={programme.funded_round.id}" in first.split('class="govuk-pagination"', 1)[1]


def test_no_funded_project_no_places(db, client_for):
    round_ = RoundFactory(status="open")
    html = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER])).get(f"/portfolio/places?round={round_.id}")
    assert "No funded project yet" in text(html.get_data(as_text=True))


def test_a_round_that_is_not_there_is_a_404(db, client_for):
    response = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER])).get("/portfolio/places?round=999999")
    assert response.status_code == 404


def test_the_dashboard_shows_regions_and_links_to_the_places(db, programme, client_for):
    html = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER])).get(f"/portfolio/?round={programme.funded_round.id}")
    html = html.get_data(as_text=True)
    assert table(html, "Projects by region") == [["North West", "2", "3", format_pence(3 * 2_700_000)]]
    assert f'href="/portfolio/places?round={programme.funded_round.id}"' in html
