"""Staff without two-factor sign-in cannot reach staff pages: every rule of the access matrix that a
steering chair, programme officer, finance approver or administrator may use, tried by that person
with two-factor not set up, sends them to set it up (the API refuses their token) and changes nothing.
"""

from __future__ import annotations

import pytest

from grants.accounts.two_factor import OPEN_ENDPOINTS
from tests.security.access_matrix import MATRIX, OK, app_rules, case_of, path_for, rebase, world_transaction, written
from tests.security.test_access_matrix import call

MUST_USE_IT = ("steering_chair", "programme_officer", "finance_approver", "admin")
SETUP = "/account/two-factor/set-up"


# The API's own description is public and read without a session (the API takes tokens, not sessions);
# the health check reads no session either (it says "ok" to everyone, and nothing else).
PUBLIC_WITHOUT_SESSION = {"api.openapi_document /api/v1/openapi.json", "main.healthz /healthz"}


def _open(key: str) -> bool:
    endpoint = key.split(" ", 1)[0]
    static = endpoint.endswith(".static")  # the pages' styles and scripts, which the set-up page needs
    return static or endpoint in OPEN_ENDPOINTS or key in PUBLIC_WITHOUT_SESSION


GET_CASES = [
    (key, who)
    for key, entry in sorted(MATRIX.items())
    if entry.get is not None and not _open(key)
    for who in MUST_USE_IT
    if entry.get[who] == 200
]
POST_CASES = [
    (key, who)
    for key, entry in sorted(MATRIX.items())
    if entry.post is not None and not _open(key)
    for who in MUST_USE_IT
    if entry.post[who] == OK
]


@pytest.fixture(scope="module")
def world(app):
    with world_transaction(app) as built:
        yield built


@pytest.fixture
def case(app, world):
    """The world with two-factor taken away from the people whose roles need it (rolled back after)."""
    with case_of(app, world):
        ids = [world.user_ids[who] for who in MUST_USE_IT]
        world.connection.exec_driver_sql(
            "UPDATE users SET totp_secret = NULL, two_factor_enabled_at = NULL WHERE id = ANY(%s)", (ids,)
        )
        rebase(world)  # taking it away is where each case starts from
        yield world


def test_there_are_staff_pages_to_try(app):
    """The cases below are real: each of the four roles has pages of its own, and a POST to use."""
    assert {who for _, who in GET_CASES} == set(MUST_USE_IT)
    assert len(GET_CASES) > 100 and len(POST_CASES) > 40
    assert set(app_rules(app)) >= {key for key, _ in GET_CASES}


@pytest.mark.parametrize(("key", "who"), GET_CASES, ids=[f"{key}|{who}" for key, who in GET_CASES])
def test_get_sends_them_to_set_up_two_factor(app, case, key, who):
    world = case
    response = call(app, world, key, "GET", who)
    if MATRIX[key].bearer:
        assert response.status_code == 401, f"GET {key} as {who} with a token: {response.status_code}"
        assert "two-factor" in response.get_json()["error"]["message"]
    else:
        assert (response.status_code, response.headers.get("Location")) == (302, SETUP), f"GET {key} as {who}"


@pytest.mark.parametrize(("key", "who"), POST_CASES, ids=[f"{key}|{who}" for key, who in POST_CASES])
def test_post_is_refused_and_changes_nothing(app, case, key, who):
    world = case
    path = path_for(app, world, key, "POST")
    response = call(app, world, key, "POST", who)
    assert (response.status_code, response.headers.get("Location")) == (302, SETUP), f"POST {path} as {who}"
    assert written(world) == [], f"POST {key} as {who} was refused yet changed data"


def test_with_two_factor_set_up_the_same_person_gets_in(app, world):
    """The other side: the same sessions, two-factor kept, reach the pages (so the guard is the cause)."""
    with case_of(app, world):
        for who in MUST_USE_IT:
            key = next(key for key, person in GET_CASES if person == who and not MATRIX[key].bearer)
            assert call(app, world, key, "GET", who).status_code == 200, (key, who)
