"""Projects that have ended, through the API: their statuses (described in the OpenAPI document), when
they finished, what was released to them, and their cancelled tranches; every answer matches the
document."""

from __future__ import annotations

import pytest

from grants.api.openapi import FILTERS, document
from grants.api.schema import utc
from grants.projects.models import STATUSES
from tests.api.conftest import make_token
from tests.endings import Ended, ended_projects

FIRST = 1_350_000


@pytest.fixture
def ended(db, officer, finance) -> Ended:
    return ended_projects(officer, finance)


@pytest.fixture
def officer_token(db, officer):
    return make_token(officer)


def test_each_project_has_its_status_its_finish_and_its_money(api, ended, officer_token):
    body = api.get("/projects", officer_token, per_page=100)
    projects = {record["id"]: record for record in body["data"]}
    assert body["meta"]["total"] == 5
    expected = {
        ended.active: ("active", None, FIRST),
        ended.setup: ("setup", None, 0),
        ended.closed: ("closed", utc(ended.closed.finished_at), FIRST),
        ended.withdrawn: ("withdrawn", utc(ended.withdrawn.finished_at), 0),
        ended.ended_early: ("ended_early", utc(ended.ended_early.finished_at), FIRST),
    }
    for project, (status, finished_at, released) in expected.items():
        record = projects[project.id]
        assert (record["status"], record["finished_at"], record["released_pence"]) == (status, finished_at, released)
    assert all(projects[p.id]["finished_at"].endswith("Z") for p in (ended.closed, ended.withdrawn, ended.ended_early))
    one = api.get(f"/projects/{ended.ended_early.id}", officer_token)["data"]
    assert (one["status"], one["released_pence"], one["award_pence"]) == ("ended_early", FIRST, 2_700_000)


def test_the_lists_filter_by_the_new_statuses(api, ended, officer_token):
    assert api.ids("/projects", officer_token, status="withdrawn") == {ended.withdrawn.id}
    assert api.ids("/projects", officer_token, status="ended_early") == {ended.ended_early.id}
    assert api.ids("/projects", officer_token, status="closed") == {ended.closed.id}
    cancelled = api.get("/tranches", officer_token, status="cancelled", per_page=100)["data"]
    by_project: dict[str, list[int]] = {}
    for tranche in cancelled:
        by_project.setdefault(tranche["project"]["reference"], []).append(tranche["sequence"])
        assert tranche["cancelled_at"].endswith("Z") and tranche["released_at"] is None
    assert by_project == {
        ended.closed.reference: [2, 3],
        ended.withdrawn.reference: [1, 2, 3],
        ended.ended_early.reference: [2, 3],
    }
    released = api.get("/tranches", officer_token, status="released", per_page=100)["data"]
    assert all(tranche["cancelled_at"] is None for tranche in released) and len(released) == 3


def test_the_document_names_and_explains_every_status():
    schemas = document()["components"]["schemas"]
    project_status = schemas["Project"]["properties"]["status"]
    assert project_status["enum"] == list(STATUSES)
    for status in ("withdrawn", "ended_early", "closed"):
        assert f"`{status}`" in project_status["description"]
    assert "Award given up" in project_status["description"]
    assert schemas["Project"]["properties"]["finished_at"]["type"] == ["string", "null"]
    assert "finished_at" in schemas["Project"]["required"]
    tranche_status = schemas["Tranche"]["properties"]["status"]
    assert "cancelled" in tranche_status["enum"] and "`cancelled`" in tranche_status["description"]
    assert "cancelled_at" in schemas["Tranche"]["required"]
    status_filter = next(parameter for parameter in FILTERS["/projects"] if parameter["name"] == "status")
    assert status_filter["schema"]["enum"] == list(STATUSES) and "ended_early" in status_filter["description"]
