"""Grants that have ended, in the 360Giving data: an award given up is not published as awarded (it is
left out of the files and the counts), a grant ended early shows what was paid and when it stopped, a
closed grant when it ran; and the package is still valid against the official schema."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest

from grants.core.times import to_london
from tests.endings import Ended, ended_projects
from tests.helpers import text
from tests.opendata.conftest import parse
from tests.opendata.schema import package_errors

PREFIX = "360G-grantsexample"


@pytest.fixture
def ended(db, wave, officer, finance) -> Ended:
    return ended_projects(officer, finance, wave)


def test_the_package_leaves_out_the_award_given_up_and_dates_the_ended_grants(db, wave, ended, officer, client_for):
    response = client_for(officer).get(f"/open-data/360giving.json?round={wave.id}")
    assert response.status_code == 200
    assert package_errors(json.loads(response.data)) == []
    grants = {grant["id"]: grant for grant in parse(response.data)["grants"]}

    published = [ended.active, ended.setup, ended.closed, ended.ended_early]
    assert sorted(grants) == sorted(f"{PREFIX}-{project.reference}" for project in published)
    assert f"{PREFIX}-{ended.withdrawn.reference}" not in grants
    for project in published:
        grant = grants[f"{PREFIX}-{project.reference}"]
        assert grant["amountAwarded"] == Decimal(project.award_pence) / 100
        assert grant["amountDisbursed"] == Decimal(ended.paid[project.id]) / 100
        assert grant["plannedDates"][0]["startDate"] == project.starts_on.isoformat()
        assert grant["plannedDates"][0]["endDate"] == project.ends_on.isoformat()

    early = grants[f"{PREFIX}-{ended.ended_early.reference}"]
    stopped = to_london(ended.ended_early.finished_at).date().isoformat()
    assert early["amountDisbursed"] == Decimal("13500")
    assert early["actualDates"][0]["title"] == "Ended early"
    assert early["actualDates"][0]["endDate"] == stopped
    assert f"ended early, on {stopped}, after £13,500.00 was paid" in early["actualDates"][0]["description"]
    closed = grants[f"{PREFIX}-{ended.closed.reference}"]
    closed_on = min(ended.closed.ends_on, to_london(ended.closed.finished_at).date())
    assert closed["actualDates"][0]["title"] == "Closed"
    assert closed["actualDates"][0]["endDate"] == closed_on.isoformat()
    for project in (ended.active, ended.setup):
        assert "actualDates" not in grants[f"{PREFIX}-{project.reference}"]


def test_the_spreadsheet_and_the_counts_leave_out_the_award_given_up(db, wave, ended, officer, client_for):
    client = client_for(officer)
    rows = list(csv.DictReader(io.StringIO(client.get(f"/open-data/360giving.csv?round={wave.id}").text)))
    by_id = {row["Identifier"]: row for row in rows}
    assert len(rows) == 4 and f"{PREFIX}-{ended.withdrawn.reference}" not in by_id
    early = by_id[f"{PREFIX}-{ended.ended_early.reference}"]
    assert (early["Amount Awarded"], early["Amount Disbursed"]) == ("27000", "13500")
    assert early["Actual Dates:End Date"] == to_london(ended.ended_early.finished_at).date().isoformat()
    assert by_id[f"{PREFIX}-{ended.active.reference}"]["Actual Dates:End Date"] == ""

    page = text(client.get("/open-data/").get_data(as_text=True))
    assert "4 awarded grants in every round" in page and "LV7: Local Vision wave 7 (4 grants)" in page
    assert "4 awarded grants in LV7" in text(client.get(f"/open-data/?round={wave.id}").get_data(as_text=True))


def test_a_round_whose_only_award_was_given_up_has_nothing_to_publish(db, officer, client_for):
    from tests.endings import give_up
    from tests.factories import funded_project

    project = funded_project()
    give_up(project, officer)
    response = client_for(officer).get(f"/open-data/360giving.json?round={project.round_id}")
    assert response.status_code == 404
    assert "There are no awarded grants in " in text(response.get_data(as_text=True))
