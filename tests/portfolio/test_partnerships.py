"""The partnership map: organisations by sector with the projects they lead or partner in (confirmed
partners only), which sectors share projects, where a sector is missing, filters, the steering group's
conflicts, and a fixed number of queries."""

from __future__ import annotations

import re

from grants.core.permissions import Role
from grants.directory.models import SECTORS
from tests.factories import OrganisationFactory, PartnerFactory, UserFactory, funded_project
from tests.helpers import QueryCounter, text
from tests.portfolio.conftest import table

SECTOR_TABLE = "Each sector, the sectors it shares most projects with, and the places it is missing from"


def sectors(html: str) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in table(html, SECTOR_TABLE)}


def place_rows(html: str) -> dict[str, list[str]]:
    return {row[0].split(" E")[0]: row[1:] for row in table(html, "Organisations by sector and place")}


def test_sectors_their_partners_and_where_they_are_missing(db, programme, client_for):
    """Projects: a (Wigan: council lead, NHS and police partners, a charity that declined), b (Wigan:
    council lead, NHS partner), c (Bolton: council lead, NHS and police partners)."""
    html = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER])).get("/portfolio/partnerships").get_data(as_text=True)
    found = sectors(html)
    assert list(found) == list(SECTORS.values())
    assert found["Local government"] == ["3", "3", "NHS: 3; Police: 2", "None"]
    assert found["NHS"] == ["3", "3", "Local government: 3; Police: 2", "None"]
    assert found["Police"] == ["1", "2", "Local government: 2; NHS: 2", "None"]
    assert found["Voluntary and community"] == ["0", "0", "None yet", "2 of 2"]  # the charity declined

    places = place_rows(html)
    assert list(places) == ["Bolton", "Wigan"]
    column = list(SECTORS).index
    assert places["Wigan"][0] == "2"  # projects
    assert places["Wigan"][1 + column("local_government")] == "2"
    assert places["Wigan"][1 + column("police")] == "1"
    assert places["Bolton"][1 + column("housing")] == "– missing"
    assert "Wigan Food Bank" not in html
    page = text(html)
    assert "7 organisations in 3 projects across 2 places" in page  # 3 councils, 3 NHS bodies, 1 police force


def test_organisations_are_grouped_by_sector_with_their_projects(db, programme, client_for):
    a, _, c = programme.portfolio.projects
    html = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER])).get("/portfolio/partnerships").get_data(as_text=True)
    page = text(html)
    police = page.index("Greater Manchester Police")
    assert page.index("Local government") < page.index("Police", police - 40) <= police
    entry = page[police : police + 400]
    assert f"{a.reference} {a.title}" in entry and "(partner)" in entry and c.reference in entry
    assert f'href="/projects/{a.id}"' in html


def test_the_sector_filter_and_the_round_filter(db, programme, client_for):
    client = client_for(UserFactory(roles=[Role.STEERING_CHAIR]))
    police = text(client.get("/portfolio/partnerships?sector=police").get_data(as_text=True))
    organisations = police.split("Organisations Sector", 1)[1]
    assert "Greater Manchester Police" in organisations
    assert "Local government" not in organisations.split("Show", 1)[1]

    bidding = client.get(f"/portfolio/partnerships?round={programme.bidding_round.id}")
    assert bidding.status_code == 200
    assert "No project has been funded in this round yet" in text(bidding.get_data(as_text=True))
    assert client.get("/portfolio/partnerships?round=424242").status_code == 404


def test_a_conflicted_steering_member_does_not_see_the_project(db, programme, client_for):
    from grants.reviews.models import ConflictDeclaration

    a = programme.portfolio.projects[0]
    member = UserFactory(roles=[Role.STEERING_MEMBER])
    db.session.add(
        ConflictDeclaration(
            application_id=a.application_id,
            reviewer_id=member.id,
            has_conflict=True,
            nature="Chairs the lead organisation.",
        )
    )
    db.session.commit()
    html = client_for(member).get("/portfolio/partnerships").get_data(as_text=True)
    assert a.reference not in html and f'href="/projects/{a.id}"' not in html
    other = client_for(UserFactory(roles=[Role.STEERING_MEMBER])).get("/portfolio/partnerships").get_data(as_text=True)
    assert f'href="/projects/{a.id}"' in other


def test_the_map_runs_the_same_number_of_queries_whatever_the_size(db, programme, client_for):
    client = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    client.get("/portfolio/partnerships")
    with QueryCounter() as small:
        assert client.get("/portfolio/partnerships").status_code == 200
    for _ in range(6):
        project = funded_project(programme.funded_round)
        PartnerFactory(application=project.application, organisation=OrganisationFactory(sector="housing"))
    with QueryCounter() as large:
        html = client.get("/portfolio/partnerships").get_data(as_text=True)
    assert re.search(r"in 9 projects", text(html))
    assert large.count == small.count, (small.count, large.count)


def test_a_project_is_linked_only_for_those_who_may_open_it(db, programme, client_for):
    """An administrator reads the map but may not open projects: their references are shown, not linked
    (a link would lead to a page not found)."""
    a = programme.portfolio.projects[0]
    html = client_for(UserFactory(roles=[Role.ADMIN])).get("/portfolio/partnerships").get_data(as_text=True)
    assert f'<span class="grants-reference">{a.reference}</span>' in html
    assert f'href="/projects/{a.id}"' not in html
    assert client_for(UserFactory(roles=[Role.ADMIN])).get(f"/projects/{a.id}").status_code == 404
    officer = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER])).get("/portfolio/partnerships")
    assert f'href="/projects/{a.id}"' in officer.get_data(as_text=True)
