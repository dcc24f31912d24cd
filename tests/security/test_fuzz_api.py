"""Fuzzing the JSON API with schemathesis, from the OpenAPI document the app serves at
``/api/v1/openapi.json``: for every operation, cases that fit the document (positive), cases that do
not (negative: wrong types, out-of-range pages, unknown filters) and cases aimed at real records,
sent with a programme officer's token. No server error, and every answer conforms to the document:
its status code, content type and body schema.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from grants.api.openapi import document
from tests.api.conftest import make_token, world  # noqa: F401 (the API tests' programme, a fixture)

SERVED = "/api/v1/openapi.json"
# Fixed, so CI is deterministic (with derandomize); FUZZ_EXAMPLES=500 for a deeper run by hand.
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "40"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
OPERATIONS = sorted(f"{method.upper()} {path}" for path, item in document()["paths"].items() for method in item)

API_SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    phases=(Phase.explicit, Phase.generate, Phase.shrink),
    report_multiple_bugs=False,
    print_blob=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.fixture(scope="module")
def served_schema(app):
    """The document as the app serves it, loaded by schemathesis through the WSGI app."""
    return schemathesis.openapi.from_wsgi(SERVED, app)


def _real_ids(world) -> dict[str, list[int]]:  # noqa: F811
    return {
        "/rounds/{id}": [world.open_round.id, world.draft_round.id],
        "/applications/{id}": [world.draft_a.id, world.bid_b.id],
        "/projects/{id}": [world.project_a.id, world.project_b.id],
        "/learning-items/{id}": [world.published_item.id, world.draft_item.id],
    }


def cases(operation, real_ids: list[int]):
    """Positive and negative cases, and positive ones for the records that exist."""
    strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    strategies += [operation.as_strategy(GenerationMode.POSITIVE, path_parameters={"id": id_}) for id_ in real_ids]
    return st.one_of(strategies)


def fuzz_operation(app, operation, headers: dict, real_ids: list[int], max_examples: int) -> list[int]:
    """Run the cases against the app; a failing check raises (schemathesis' FailureGroup, or the
    application's own exception, which ``TESTING`` propagates). Returns the status codes seen."""
    statuses: list[int] = []

    @settings(API_SETTINGS, max_examples=max_examples)
    @given(case=cases(operation, real_ids))
    def run(case):
        response = case.call(app=app, headers=headers)
        statuses.append(response.status_code)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()
    return statuses


def test_the_served_document_is_the_one_fuzzed(served_schema):
    served = sorted(f"{operation.method.upper()} {operation.path}" for operation in _operations(served_schema))
    assert served == OPERATIONS


def _operations(schema):
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("label", OPERATIONS)
def test_api_fuzz_no_server_errors_and_responses_conform(app, served_schema, world, label):  # noqa: F811
    operation = served_schema.find_operation_by_label(label)
    assert operation is not None, label
    headers = {"Authorization": f"Bearer {make_token(world.officer)}"}
    real_ids = _real_ids(world).get(operation.path, [])
    statuses = fuzz_operation(app, operation, headers, real_ids, EXAMPLES_PER_OPERATION)
    assert any(status == 200 for status in statuses), f"{label}: no case was answered with data ({set(statuses)})"


def test_the_api_fuzzer_finds_a_server_error(app, served_schema, world, monkeypatch):  # noqa: F811
    """The rounds list made to fail on a status filter it does not know: the fuzzer finds it."""
    from grants.rounds.models import STATUSES

    original = app.view_functions["api.rounds"]

    def crashing(*args, **kwargs):
        from flask import request

        if request.args.get("status") not in (None, *STATUSES):
            raise RuntimeError("the planted bug: an unknown status")
        return original(*args, **kwargs)

    monkeypatch.setitem(app.view_functions, "api.rounds", crashing)
    operation = served_schema.find_operation_by_label("GET /rounds")
    headers = {"Authorization": f"Bearer {make_token(world.officer)}"}
    with pytest.raises(RuntimeError, match="the planted bug"):
        fuzz_operation(app, operation, headers, [], EXAMPLES_PER_OPERATION)
