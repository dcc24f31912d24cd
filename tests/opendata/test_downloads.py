"""The 360Giving downloads on PostgreSQL: the demo programme's package is valid against the official
schema and says exactly what was awarded and paid; the spreadsheet; the funder's prefix; a fixed number of
queries however many grants; and a response that streams."""

from __future__ import annotations

import contextvars
import csv
import io
import json
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func

from grants.bidforms.default import EXPRESSION_OF_INTEREST
from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from grants.demo import seed_demo
from grants.funding.models import Tranche
from grants.projects.models import Project
from tests.factories import RoundFactory, UserFactory
from tests.helpers import QueryCounter
from tests.opendata.conftest import parse, release
from tests.opendata.schema import package_errors

SPREADSHEET_COLUMNS = [
    "Identifier",
    "Title",
    "Description",
    "Currency",
    "Amount Applied For",
    "Amount Awarded",
    "Amount Disbursed",
    "Award Date",
    "Planned Dates:Start Date",
    "Planned Dates:End Date",
    "Planned Dates:Duration (months)",
    "Actual Dates:Start Date",
    "Actual Dates:End Date",
    "Actual Dates:Duration (months)",
    "Recipient Org:Identifier",
    "Recipient Org:Name",
    "Recipient Org:Charity Number",
    "Recipient Org:Company Number",
    "Recipient Org:Street Address",
    "Recipient Org:City",
    "Recipient Org:Postal Code",
    "Beneficiary Location:Name",
    "Beneficiary Location:Country Code",
    "Beneficiary Location:Geographic Code",
    "Beneficiary Location:Geographic Code Type",
    "Location Scope",
    "Funding Org:Identifier",
    "Funding Org:Name",
    "Grant Programme:Code",
    "Grant Programme:Title",
    "From An Open Call?",
    "Last modified",
]


@pytest.fixture
def demo_programme(db):
    seed_demo()
    db.session.commit()


def released_pence(db) -> dict[int, int]:
    """Each project's released tranches, added up here rather than by the code under test."""
    rows = db.session.execute(
        db.select(Tranche.project_id, func.sum(Tranche.amount_pence))
        .where(Tranche.status == "released")
        .group_by(Tranche.project_id)
    )
    return {project_id: int(total) for project_id, total in rows}


def test_the_demo_programme_package_is_valid_and_says_what_was_awarded_and_paid(app, db, demo_programme, client_for):
    response = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER])).get("/open-data/360giving.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert 'filename="360giving-all-rounds-' in response.headers["Content-Disposition"]
    assert package_errors(json.loads(response.data)) == []
    package = parse(response.data)

    prefix = app.config["OPEN_DATA_PREFIX"]
    projects = {
        f"{prefix}-{project.reference}": project
        for project in db.session.scalars(db.select(Project).where(Project.status != "withdrawn"))
    }
    released = released_pence(db)
    assert sorted(grant["id"] for grant in package["grants"]) == sorted(projects)
    for grant in package["grants"]:
        project = projects[grant["id"]]
        assert grant["amountAwarded"] == Decimal(project.award_pence) / 100, grant["id"]
        assert grant["amountDisbursed"] == Decimal(released.get(project.id, 0)) / 100, grant["id"]
        assert grant["grantProgramme"] == [{"code": project.round.code, "title": project.round.title}]
        assert grant["recipientOrganization"][0]["id"] == project.lead_organisation.org_id
        assert grant["beneficiaryLocation"][0]["geoCode"] == project.place.ons_code
    # Halfway through its two-year projects, wave 1 has paid part of every grant still running: some one
    # tranche, some two. The pilot's projects have ended, paid in full or in part; a project setting up, or an
    # award given up, has been paid nothing.
    running = {f"{prefix}-{p.reference}" for p in projects.values() if p.round.code == "LV1" and p.status == "active"}
    shares = {
        grant["amountDisbursed"] / grant["amountAwarded"] for grant in package["grants"] if grant["id"] in running
    }
    assert len(shares) > 1 and all(0 < share < 1 for share in shares), "grants paid in part, by different amounts"
    assert all(0 <= grant["amountDisbursed"] <= grant["amountAwarded"] for grant in package["grants"])


def test_a_grant_with_pence_is_written_to_the_penny(db, wave, grants_in, officer, finance, client_for):
    (project,) = grants_in(wave, 1)
    project.award_pence = 2_700_001  # tranches need not match for the export: it reports what is stored
    db.session.commit()
    paid = release(project, {2}, officer, finance)
    text = client_for(officer).get(f"/open-data/360giving.json?round={wave.id}").get_data(as_text=True)
    assert '"amountAwarded": 27000.01' in text
    package = parse(text)
    assert package["grants"][0]["amountDisbursed"] == (Decimal(paid) + 1_350_000) / 100


def test_the_spreadsheet_has_360givings_columns_and_the_same_values(db, wave, grants_in, officer, client_for):
    projects = grants_in(wave, 3)
    response = client_for(officer).get(f"/open-data/360giving.csv?round={wave.id}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="360giving-LV7-' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == SPREADSHEET_COLUMNS
    by_id = {row[0]: dict(zip(SPREADSHEET_COLUMNS, row, strict=True)) for row in rows[1:]}
    released = released_pence(db)
    assert len(by_id) == 3
    for project in projects:
        row = by_id[f"360G-grantsexample-{project.reference}"]
        assert Decimal(row["Amount Awarded"]) == Decimal(project.award_pence) / 100
        assert Decimal(row["Amount Disbursed"]) == Decimal(released.get(project.id, 0)) / 100
        assert row["Title"] == project.title and row["Currency"] == "GBP"
        assert row["Recipient Org:Identifier"] == project.lead_organisation.org_id
        assert row["Recipient Org:Charity Number"] == project.lead_organisation.charity_number
        assert row["Beneficiary Location:Geographic Code"] == project.place.ons_code
        assert (row["Grant Programme:Code"], row["Grant Programme:Title"]) == ("LV7", "Local Vision wave 7")
        assert row["From An Open Call?"] == "Yes"
        assert row["Planned Dates:Start Date"] == project.starts_on.isoformat()
    assert {row["Amount Disbursed"] for row in by_id.values()} == {"13500", "0"}


def test_identifiers_and_the_funder_come_from_the_configuration(
    app, db, wave, grants_in, officer, client_for, monkeypatch
):
    (project,) = grants_in(wave, 1)
    project.lead_organisation.org_id = None
    db.session.commit()
    monkeypatch.setitem(app.config, "OPEN_DATA_PREFIX", "360G-localvision")
    monkeypatch.setitem(app.config, "FUNDER_ORG_ID", "GB-GOR-PB1")
    monkeypatch.setitem(app.config, "FUNDER_NAME", "Local Government Association")
    package = parse(client_for(officer).get("/open-data/360giving.json").data)
    (grant,) = package["grants"]
    assert grant["id"] == f"360G-localvision-{project.reference}"
    assert grant["recipientOrganization"][0]["id"] == f"360G-localvision-ORG-{project.lead_organisation_id}"
    assert grant["fundingOrganization"] == [{"id": "GB-GOR-PB1", "name": "Local Government Association"}]
    assert package["publisher"] == {"name": "Local Government Association", "identifier": "GB-GOR-PB1"}
    assert package_errors(package) == []


def test_a_round_filter_publishes_only_that_round(db, wave, grants_in, officer, client_for):
    other = RoundFactory(code="LV8", title="Local Vision wave 8", status="assessing")
    mine = grants_in(wave, 2)
    grants_in(other, 1)
    client = client_for(officer)
    package = parse(client.get(f"/open-data/360giving.json?round={wave.id}").data)
    expected = sorted(f"360G-grantsexample-{project.reference}" for project in mine)
    assert sorted(grant["id"] for grant in package["grants"]) == expected
    assert package["identifier"] == "360G-grantsexample-LV7" and "LV7" in package["title"]
    assert len(parse(client.get("/open-data/360giving.json").data)["grants"]) == 3


def test_each_grant_is_described_by_its_rounds_public_summary_answers(db, wave, grants_in, officer, client_for):
    """The default form's public summary is the issue and the shared vision; a round with another form
    is described by the questions its officer marked."""
    other = RoundFactory(code="EOI1", title="Expressions of interest", status="assessing", form=EXPRESSION_OF_INTEREST)
    (default,) = grants_in(wave, 1)
    (short,) = grants_in(other, 1)
    short.application.answers = {"idea": "A walking bus to every school.", "partners_agreed": "yes"}
    default.application.answers = {**default.application.answers, "systems_leadership": "Not public."}
    db.session.commit()
    package = parse(client_for(officer).get("/open-data/360giving.json").data)
    described = {grant["id"].removeprefix("360G-grantsexample-"): grant["description"] for grant in package["grants"]}
    assert described == {
        default.reference: "Older people move between hospital and home without a plan.\n\n"
        "Everyone gets home safely, with the right support.",
        short.reference: "A walking bus to every school.",
    }
    assert package_errors(package) == []


@pytest.mark.parametrize("format_", ["json", "csv"])
def test_the_export_runs_the_same_queries_for_2_grants_as_for_8(db, wave, grants_in, officer, client_for, format_):
    client = client_for(officer)
    grants_in(wave, 2)
    client.get(f"/open-data/360giving.{format_}")  # a first request loads what every request caches
    with QueryCounter() as two:
        assert client.get(f"/open-data/360giving.{format_}").status_code == 200
    grants_in(wave, 6)
    with QueryCounter() as eight:
        body = client.get(f"/open-data/360giving.{format_}").get_data(as_text=True)
    assert body.count("360G-grantsexample-LV7-") == 8
    assert eight.count == two.count, "\n".join(eight.statements)


@pytest.mark.parametrize("format_", ["json", "csv"])
def test_the_download_streams(db, wave, grants_in, officer, client_for, format_):
    """Read as a WSGI server would: unbuffered, and in the request's own context from start to end."""
    grants_in(wave, 2)
    client, context = client_for(officer), contextvars.Context()
    url = f"/open-data/360giving.{format_}?round={wave.id}"
    response = context.run(FlaskClient.open, client, url, buffered=False)
    try:
        assert response.is_streamed
        body = context.run(response.get_data, as_text=True)
    finally:
        context.run(response.close)
    assert body.count("360G-grantsexample-LV7-") == 2


def test_a_download_is_audited(db, wave, grants_in, officer, client_for):
    grants_in(wave, 2)
    client_for(officer).get(f"/open-data/360giving.csv?round={wave.id}")
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "opendata.exported")).one()
    assert (event.actor_id, event.object_type, event.object_id) == (officer.id, "round", str(wave.id))
    assert event.after == {"format": "csv", "grants": 2, "round": "LV7"}
