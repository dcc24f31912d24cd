"""Every route × every person (and an anonymous visitor), on GET and on POST, against the access matrix
in ``access_matrix.py``. A route without an entry there fails ``test_every_route_has_a_matrix_entry``.

The world is built once for the module; each case runs in a savepoint of its own, rolled back after.
"""

from __future__ import annotations

import pytest

from tests.security.access_matrix import (
    CONFLICTED,
    MATRIX,
    OK,
    REDIRECT,
    SIGN_IN,
    SIGNED_OUT,
    WHO,
    app_rules,
    case_of,
    client_as,
    key_of,
    path_for,
    world_transaction,
    written,
)

SAFE = {"HEAD", "OPTIONS"}
KNOWN_METHODS = {"GET", "POST"}
REFUSED = {401, 403, 404, 405, 410}


@pytest.fixture(scope="module")
def world(app):
    with world_transaction(app) as built:
        yield built


@pytest.fixture
def case(app, world):
    with case_of(app, world):
        yield world


def call(app, world, key: str, method: str, who: str):
    entry = MATRIX[key]
    path = path_for(app, world, key, method)
    if entry.bearer:
        client = app.test_client()
        secret = world.bearer[who]
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        return client.open(path, method=method, headers=headers)
    return client_as(app, world, who).open(path, method=method, data={})


def describe(response) -> str:
    location = response.headers.get("Location", "")
    return f"{response.status_code} {location}".strip()


def is_sign_in(response) -> bool:
    return response.status_code == 302 and response.headers.get("Location", "").startswith("/sign-in")


def assert_answer(response, expected, where: str) -> None:
    if expected == SIGN_IN:
        assert is_sign_in(response), f"{where}: expected a redirect to sign in, got {describe(response)}"
    elif expected == SIGNED_OUT:
        assert is_sign_in(response), f"{where}: expected to be signed out, got {describe(response)}"
    elif expected == REDIRECT:
        assert response.status_code == 302 and not is_sign_in(response), (
            f"{where}: expected a redirect (not to sign in), got {describe(response)}"
        )
    elif expected == OK:
        assert response.status_code not in REFUSED and response.status_code < 500 and not is_sign_in(response), (
            f"{where}: allowed, yet answered {describe(response)}"
        )
    else:
        assert response.status_code == expected, f"{where}: expected {expected}, got {describe(response)}"


# --- Every route has an entry -------------------------------------------------------------------------


def matrix_gaps(rules) -> tuple[list[str], list[str]]:
    """(rules without an entry, entries without a rule), of an iterable of URL rules."""
    keys = {key_of(rule) for rule in rules if rule.endpoint != "static"}
    return sorted(keys - set(MATRIX)), sorted(set(MATRIX) - keys)


def test_every_route_has_a_matrix_entry(app):
    missing, stale = matrix_gaps(app.url_map.iter_rules())
    assert not missing, f"routes without an entry in tests/security/access_matrix.py: {missing}"
    assert not stale, f"matrix entries for routes that no longer exist: {stale}"
    for key, rule in app_rules(app).items():
        methods = rule.methods - SAFE
        assert methods <= KNOWN_METHODS, f"{key} answers {sorted(methods - KNOWN_METHODS)}: add them to the matrix"
        entry = MATRIX[key]
        assert (entry.get is not None) == ("GET" in methods), f"{key}: GET answers given iff it answers GET"
        assert (entry.post is not None) == ("POST" in methods), f"{key}: POST answers given iff it answers POST"


def test_a_route_added_without_an_entry_is_named(app):
    """The acceptance check itself: a rule added to the URL map, and one taken away, are named."""
    from werkzeug.routing import Rule

    rules = [rule for rule in app.url_map.iter_rules()]
    added = Rule("/manage/brand-new", endpoint="brand.new", methods=["GET", "POST"])
    removed = next(rule for rule in rules if rule.endpoint == "admin.users")
    rules = [rule for rule in rules if rule is not removed] + [added]
    assert matrix_gaps(rules) == (["brand.new /manage/brand-new"], ["admin.users /admin/people"])


# --- GET ----------------------------------------------------------------------------------------------

GET_CASES = [(key, who) for key, entry in sorted(MATRIX.items()) if entry.get is not None for who in WHO]
POST_CASES = [(key, who) for key, entry in sorted(MATRIX.items()) if entry.post is not None for who in WHO]


@pytest.mark.parametrize(("key", "who"), GET_CASES, ids=[f"{key}|{who}" for key, who in GET_CASES])
def test_get(app, case, key, who):
    response = call(app, case, key, "GET", who)
    assert_answer(response, MATRIX[key].get[who], f"GET {key} as {who}")


# --- POST ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "who"), POST_CASES, ids=[f"{key}|{who}" for key, who in POST_CASES])
def test_post(app, case, key, who):
    expected = MATRIX[key].post[who]
    refused = expected not in (OK, SIGNED_OUT)
    recorded_before = refusals_recorded()
    response = call(app, case, key, "POST", who)
    assert_answer(response, expected, f"POST {key} as {who}")
    if refused:
        assert written(case) == [], f"POST {key} as {who} was refused yet changed data"
    if response.status_code in (403, 409):
        added = refusals_recorded() - recorded_before
        assert added == 1, f"POST {key} as {who} was refused ({response.status_code}) and recorded {added} times"


# --- A bid they declared a conflict with ------------------------------------------------------------------

CONFLICT_CASES = [
    (key, method, who)
    for key, entry in sorted(CONFLICTED.items())
    for method, answers in (("GET", entry.get), ("POST", entry.post))
    if answers is not None
    for who in WHO
]


def test_the_conflicted_cases_are_rules_the_matrix_has(app):
    assert set(CONFLICTED) <= set(MATRIX) and set(CONFLICTED) <= set(app_rules(app))
    for key, entry in CONFLICTED.items():
        assert (entry.get is None, entry.post is None) == (MATRIX[key].get is None, MATRIX[key].post is None), key


@pytest.mark.parametrize(
    ("key", "method", "who"), CONFLICT_CASES, ids=[f"{key}|{method}|{who}" for key, method, who in CONFLICT_CASES]
)
def test_a_bid_they_declared_a_conflict_with(app, case, key, method, who):
    entry = CONFLICTED[key]
    expected = (entry.get if method == "GET" else entry.post)[who]
    path = path_for(app, case, key, method, entry)
    response = client_as(app, case, who).open(path, method=method, data={})
    assert_answer(response, expected, f"{method} {key} on the conflicted bid as {who}")
    if method == "POST" and expected not in (OK, SIGNED_OUT):
        assert written(case) == [], f"POST {key} as {who} was refused yet changed data"


def refusals_recorded() -> int:
    """Refusals in the audit trail: the error pages' (``access.refused``, ``request.refused``) and each
    area's own (``<area>.<thing>_refused``)."""
    from grants.core.audit import AuditEvent
    from grants.extensions import db

    return db.session.scalar(
        db.select(db.func.count()).select_from(AuditEvent).where(AuditEvent.action.like("%refused"))
    )


# --- The API takes tokens, not sessions ------------------------------------------------------------------

API_KEYS = sorted(key for key, entry in MATRIX.items() if entry.bearer)


@pytest.mark.parametrize("key", API_KEYS)
def test_the_api_answers_a_signed_in_session_without_a_token_with_401(app, case, key):
    response = client_as(app, case, "programme_officer").get(path_for(app, case, key, "GET"))
    assert response.status_code == 401
    assert response.mimetype == "application/json"


def test_the_world_signs_people_in_as_themselves(app, case):
    """The matrix's sessions are real: each one is that person's (so a refusal is not a sign-in failure)."""
    for who in WHO[1:]:
        html = client_as(app, case, who).get("/account").get_data(as_text=True)
        assert "Sign out" in html, who


# --- The check that a refusal changed nothing can see a change --------------------------------------------


def test_a_write_in_a_case_is_named_and_one_undone_or_a_refusal_recorded_is_not(app, case):
    connection = case.connection
    assert written(case) == []
    connection.exec_driver_sql("UPDATE users SET name = name || ' (changed)' WHERE id = %s", (case.user_ids["admin"],))
    assert written(case) == ["users"]
    connection.exec_driver_sql("UPDATE users SET name = left(name, -10) WHERE id = %s", (case.user_ids["admin"],))
    assert written(case) == []  # written to, and back as it was: nothing changed
    connection.exec_driver_sql(
        "INSERT INTO audit_events (occurred_at, action, object_type) VALUES (now(), 'access.refused', 'page')"
    )
    assert written(case) == []  # refusals are recorded on purpose
    connection.exec_driver_sql(
        "INSERT INTO audit_events (occurred_at, action, object_type) VALUES (now(), 'user.updated', 'user')"
    )
    assert written(case) == ["audit_events"]


def test_a_write_rolled_back_by_an_earlier_case_is_not_counted_against_the_next(app, world):
    for round_ in range(2):
        with case_of(app, world):
            assert written(world) == [], f"case {round_}"
            world.connection.exec_driver_sql("DELETE FROM user_roles WHERE user_id = %s", (world.user_ids["admin"],))
            assert written(world) == ["user_roles"]
