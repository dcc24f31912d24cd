"""The programme officer's list of every bid: filters, search, pages, CSV."""

import csv
import io

import pytest

from tests.factories import ApplicationFactory, OrganisationFactory, PlaceFactory, RoundFactory, ThemeFactory
from tests.helpers import QueryCounter, text


@pytest.fixture
def bids(db):
    wave1, wave2 = RoundFactory(code="LV1"), RoundFactory(code="LV2")
    wigan, leeds = PlaceFactory(name="Wigan"), PlaceFactory(name="Leeds")
    falls = ThemeFactory(name="Falls prevention")
    a = ApplicationFactory(
        round=wave2,
        title="Safe at home",
        status="submitted",
        reference="LV2-0001",
        place=wigan,
        lead_organisation=OrganisationFactory(sector="local_government"),
    )
    a.themes = [falls]
    b = ApplicationFactory(
        round=wave2,
        title="Active Leeds",
        status="draft",
        place=leeds,
        lead_organisation=OrganisationFactory(sector="voluntary_community"),
    )
    c = ApplicationFactory(
        round=wave1,
        title="Food for all",
        status="approved",
        reference="LV1-0004",
        place=wigan,
        lead_organisation=OrganisationFactory(sector="nhs"),
    )
    return {"a": a, "b": b, "c": c, "wave2": wave2, "wigan": wigan, "falls": falls}


def titles(client, query=""):
    return text(client.get("/manage/applications/" + query).get_data(as_text=True))


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("", ["Safe at home", "Active Leeds", "Food for all"], []),
        ("?status=draft", ["Active Leeds"], ["Safe at home", "Food for all"]),
        ("?sector=nhs", ["Food for all"], ["Safe at home", "Active Leeds"]),
        ("?q=lv2-0001", ["Safe at home"], ["Active Leeds", "Food for all"]),
        ("?q=FOOD", ["Food for all"], ["Safe at home", "Active Leeds"]),
        ("?status=nonsense&round=x", ["Safe at home", "Active Leeds", "Food for all"], []),
    ],
)
def test_filters_and_search(db, bids, programme_officer_client, query, shown, hidden):
    page = titles(programme_officer_client, query)
    for title in shown:
        assert title in page, title
    for title in hidden:
        assert title not in page, title


def test_filters_by_round_place_and_theme(db, bids, programme_officer_client):
    page = titles(programme_officer_client, f"?round={bids['wave2'].id}&place={bids['wigan'].id}")
    assert "Safe at home" in page and "Active Leeds" not in page and "Food for all" not in page
    page = titles(programme_officer_client, f"?theme={bids['falls'].id}")
    assert "Safe at home" in page and "Food for all" not in page


def test_the_list_is_paginated(app, db, bids, programme_officer_client, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    first, second = titles(programme_officer_client), titles(programme_officer_client, "?page=2")
    assert "3 applications" in first
    shown = [t for t in ("Safe at home", "Active Leeds", "Food for all") if t in first]
    assert len(shown) == 2 and all(t not in second for t in shown)


def test_the_csv_export_has_every_matching_bid(db, bids, programme_officer_client):
    response = programme_officer_client.get("/manage/applications/export.csv?status=submitted")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="applications.csv"'
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(row["Reference"], row["Title"], row["Place"], row["Themes"]) for row in rows] == [
        ("LV2-0001", "Safe at home", "Wigan", "Falls prevention")
    ]


def test_the_csv_cannot_carry_a_spreadsheet_formula(db, bids, programme_officer_client):
    bids["a"].title = '=HYPERLINK("http://evil.example")'
    db.session.commit()
    response = programme_officer_client.get("/manage/applications/export.csv")
    assert "'=HYPERLINK" in response.get_data(as_text=True)


def test_the_list_runs_a_fixed_number_of_queries(db, programme_officer_client):
    round_ = RoundFactory()

    def queries_for(bids: int) -> int:
        for _ in range(bids):
            application = ApplicationFactory(round=round_, place=PlaceFactory())
            application.themes = [ThemeFactory()]
        with QueryCounter() as counter:
            assert programme_officer_client.get("/manage/applications/").status_code == 200
        return counter.count

    assert queries_for(3) == queries_for(20)


def test_the_applicants_own_list_runs_a_fixed_number_of_queries(app, db):
    from tests.fixtures.clients import sign_in_client

    first = ApplicationFactory()
    client = sign_in_client(app, first.lead_applicant)

    def count() -> int:
        with QueryCounter() as counter:
            assert client.get("/applications").status_code == 200
        return counter.count

    few = count()
    for _ in range(5):
        ApplicationFactory(lead_organisation=first.lead_organisation, lead_applicant=first.lead_applicant)
    assert count() == few
