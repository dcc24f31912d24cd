"""The API's OpenAPI document is valid, served, rendered as a page, and true: every response the API
gives (lists, records, 400, 401, 403, 404) matches the schema it describes for that response."""

from __future__ import annotations

import copy

import pytest
from openapi_spec_validator import validate

from grants.api import openapi
from grants.api import representations as show
from grants.api.schema import ID, Field, Resource
from grants.extensions import db
from grants.funding.models import Tranche
from tests.api.conftest import make_token
from tests.helpers import h1, text


def test_the_served_document_is_a_valid_openapi_3_1_document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    served = response.get_json()
    assert served["openapi"] == "3.1.0"
    validate(served)
    assert served == openapi.document()


def test_every_schema_is_strict(checker):
    schemas = checker.document["components"]["schemas"]
    for name, schema in schemas.items():
        assert schema["additionalProperties"] is False, name
        assert set(schema["required"]) == set(schema["properties"]), name


def test_the_document_describes_every_api_route(app, checker):
    described = {"/api/v1" + path for path in checker.document["paths"]} | {"/api/v1/openapi.json"}
    routes = {
        rule.rule.replace("<int:round_id>", "{id}")
        .replace("<int:application_id>", "{id}")
        .replace("<int:project_id>", "{id}")
        .replace("<int:item_id>", "{id}")
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
    }
    assert routes == described


def test_lists_and_records_match_the_document(api, world):
    token = make_token(world.officer)
    for path in ("/rounds", "/applications", "/projects", "/tranches", "/learning-items"):
        body = api.get(path, token)
        assert body["data"], f"{path} returned no records to check"
    api.get(f"/rounds/{world.open_round.id}", token)
    api.get(f"/applications/{world.bid_b.id}", token)
    api.get(f"/projects/{world.project_a.id}", token)
    api.get(f"/learning-items/{world.draft_item.id}", token)


def _component_held(schema: dict) -> str | None:
    """The component a property holds, alone, in a list or possibly null."""
    for candidate in (schema, schema.get("items", {}), *schema.get("oneOf", [])):
        if "$ref" in candidate:
            return candidate["$ref"].rsplit("/", 1)[-1]
    return None


def _shown_as_described(name: str, record: dict, checked: set[str]) -> None:
    """The record's keys are its component's properties, in order, and so are those of each record it
    holds."""
    properties = openapi.document()["components"]["schemas"][name]["properties"]
    assert list(record) == list(properties), name
    checked.add(name)
    for key, schema in properties.items():
        held = _component_held(schema)
        values = record[key] if isinstance(record[key], list) else [record[key]]
        for value in values:
            if held is not None and value is not None:
                _shown_as_described(held, value, checked)


def _a_tranche(project) -> Tranche:
    return db.session.scalars(db.select(Tranche).filter_by(project_id=project.id).order_by(Tranche.sequence)).first()


def test_each_resource_shows_the_properties_its_component_describes(world):
    records = [
        (show.round_, show.round_(world.open_round)),
        (show.application, show.application(world.draft_a)),
        (show.application_detail, show.application_detail(world.bid_b, answers={}, questions=[])),
        (show.project, show.project(world.project_a, released_pence=2_700_000)),
        (show.tranche, show.tranche(_a_tranche(world.project_a), payment_reference="BACS-0042")),
        (show.learning_item, show.learning_item(world.published_item)),
    ]
    checked: set[str] = set()
    for resource, record in records:
        _shown_as_described(resource.name, record, checked)
    assert checked == {resource.name for resource in show.RESOURCES}
    assert {resource.name for resource in show.RESOURCES} < set(openapi.document()["components"]["schemas"])


def test_a_value_given_by_the_view_is_shown_and_no_other_is_taken(world):
    assert show.project(world.project_a)["released_pence"] == 0
    assert show.project(world.project_a, released_pence=1_350_000)["released_pence"] == 1_350_000
    assert show.tranche(_a_tranche(world.project_a))["payment_reference"] is None
    with pytest.raises(TypeError):
        show.tranche(_a_tranche(world.project_a), released_pence=1)
    with pytest.raises(ValueError):
        Resource("Twice", None, [Field("id", ID), Field("id", ID)])


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/rounds", {"status": "sideways"}, 400),
        ("/applications", {"page": "0"}, 400),
        ("/projects", {"per_page": "101"}, 400),
        ("/tranches", {"project": "not a reference"}, 400),
        ("/learning-items", {"place": "Wigan"}, 400),
        ("/rounds", {"colour": "blue"}, 400),
        ("/rounds/999999", {}, 404),
        ("/applications/999999", {}, 404),
        ("/projects/999999", {}, 404),
        ("/learning-items/999999", {}, 404),
    ],
)
def test_errors_match_the_document(api, world, path, params, status):
    body = api.get(path, make_token(world.officer), expect=status, **params)
    assert body["error"]["status"] == status


@pytest.mark.parametrize(
    "path",
    [
        "/rounds",
        "/rounds/1",
        "/applications",
        "/applications/1",
        "/projects",
        "/projects/1",
        "/tranches",
        "/learning-items",
        "/learning-items/1",
    ],
)
def test_unauthorised_answers_match_the_document(api, path):
    body = api.get(path, None, expect=401)
    assert body["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("path", ["/applications", "/applications/1", "/projects", "/projects/1", "/tranches"])
def test_refusals_match_the_document(api, world, path):
    body = api.get(path, make_token(world.admin), expect=403)
    assert body["error"]["code"] == "forbidden"


class FakeRequest:
    def __init__(self, path):
        self.path, self.method = path, "GET"


def _errors(checker, path, body, status=200):
    return checker.errors(path, "GET", status, "application/json", body)


def test_the_checker_catches_a_response_that_does_not_match(api, checker, world):
    token = make_token(world.officer)
    body = api.get("/rounds", token)
    assert _errors(checker, "/api/v1/rounds", body) == []

    extra = copy.deepcopy(body)
    extra["data"][0]["secret"] = "leaked"
    assert _errors(checker, "/api/v1/rounds", extra)

    wrong_type = copy.deepcopy(body)
    wrong_type["data"][0]["award_pence"] = "£27,000"
    assert _errors(checker, "/api/v1/rounds", wrong_type)

    missing = copy.deepcopy(body)
    del missing["meta"]["total"]
    assert _errors(checker, "/api/v1/rounds", missing)

    local_time = copy.deepcopy(body)
    local_time["data"][0]["opens_at"] = "2026-11-22T09:53:00+01:00"
    assert _errors(checker, "/api/v1/rounds", local_time)

    nested = copy.deepcopy(body)
    nested["data"][0]["themes"][0]["colour"] = "red"
    assert _errors(checker, "/api/v1/rounds", nested)

    assert _errors(checker, "/api/v1/rounds", body, status=418), "an undescribed status"
    assert _errors(checker, "/api/v1/rounds", {"data": body["data"][0]}, status=200)
    with pytest.raises(AssertionError):
        checker.template_for("/api/v1/grants")


def test_the_docs_page_describes_authentication_pagination_and_every_endpoint(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = text(response.get_data(as_text=True))
    assert h1(response.get_data(as_text=True)) == "Grants API"
    for words in (
        "Authorization: Bearer",
        "per_page",
        "GET /rounds",
        "GET /applications/{id}",
        "GET /tranches",
        "GET /learning-items/{id}",
        "not_found",
        "OpenAPI 3.1.0 document",
    ):
        assert words in page, words
