"""With CSRF on, as in production: every unsafe route of the URL map, posted by someone allowed to use
it (from the access matrix) without a token, with a wrong token, or with another session's valid
token, is refused with the service's 400 page, and nothing changes. The same post with the person's
own token is not refused as forged: the token, not something else, is what the refusals turn on.

No route is exempt from CSRF: the API is read-only (GET), and every form, the emailed links' pages
included, carries a token.
"""

from __future__ import annotations

import ast
import time
from pathlib import Path

import pytest

import grants
from grants.accounts.two_factor import PENDING
from tests.helpers import csrf_token
from tests.security.access_matrix import (
    MATRIX,
    OK,
    SIGNED_OUT,
    WHO,
    app_rules,
    case_of,
    client_as,
    path_for,
    world_transaction,
    written,
)

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Views or blueprints that take no CSRF token on purpose, each with its reason. None today.
EXEMPT: dict[str, str] = {}
FORGED_PAGE = "did not come from this service"
TOKEN_PAGE = "/password/forgot"  # a form anyone (signed in or not) can open, to read a session's token


# Routes only a visitor half-way through signing in may post to (password right, code owed): whose.
HALF_SIGNED_IN = {"accounts.two_factor_challenge /sign-in/two-factor": "programme_officer"}


def client_for(app, world, key: str, who: str):
    client = client_as(app, world, who)
    if key in HALF_SIGNED_IN:
        owes = HALF_SIGNED_IN[key]
        with client.session_transaction() as session:
            session[PENDING] = {
                "id": world.user_ids[owes],
                "token": world.users[owes],
                "at": int(time.time()),
                "next": "/",
            }
    return client


def poster(key: str) -> str:
    """Someone allowed to post to the route: a signed-in person where one may, else a visitor."""
    if key in HALF_SIGNED_IN:
        return "anonymous"
    allowed = [who for who in WHO if MATRIX[key].post[who] in (OK, SIGNED_OUT)]
    assert allowed, f"{key}: no one may post to it, so there is no form to forge"
    signed_in = [who for who in allowed if who != "anonymous"]
    return (signed_in or allowed)[0]


UNSAFE_KEYS = sorted(key for key, entry in MATRIX.items() if entry.post is not None)
CASES = [(key, poster(key)) for key in UNSAFE_KEYS]
IDS = [f"{key}|{who}" for key, who in CASES]


@pytest.fixture(scope="module")
def world(app):
    with world_transaction(app) as built:
        yield built


@pytest.fixture
def case(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    with case_of(app, world):
        yield world


def token_of(client) -> str:
    response = client.get(TOKEN_PAGE)
    assert response.status_code == 200, response.status_code
    return csrf_token(response.get_data(as_text=True))


def csrf_refusals(world) -> int:
    return world.connection.exec_driver_sql(
        "SELECT count(*) FROM audit_events WHERE action = 'access.csrf_refused'"
    ).scalar()


def forged_token(app, world, who: str, kind: str) -> str | None:
    if kind == "none":
        return None
    other_session = token_of(client_as(app, world, who))  # the same person, signed in elsewhere
    if kind == "another session's":
        return other_session
    return other_session[:-4] + ("AAAA" if not other_session.endswith("AAAA") else "BBBB")


def test_every_unsafe_route_is_in_the_suite(app):
    unsafe = sorted(key for key, rule in app_rules(app).items() if rule.methods & UNSAFE)
    assert unsafe == UNSAFE_KEYS, "every unsafe route needs a POST row in the access matrix"
    assert all(not rule.methods & UNSAFE for key, rule in app_rules(app).items() if rule.rule.startswith("/api/v1"))


def csrf_exemptions(root: Path) -> set[str]:
    """What the service's code exempts from CSRF (``csrf.exempt(x)`` or ``@csrf.exempt``), by its source:
    Flask-WTF lists exemptions in no public attribute."""
    found = set()
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "exempt" and ast.unparse(node.value) == "csrf":
                found.add(f"{path.relative_to(root.parent)}:{node.lineno}")
    return found


def test_no_view_is_exempt_from_csrf_unless_listed_with_its_reason(tmp_path):
    exempt = csrf_exemptions(Path(grants.__file__).parent)
    assert exempt == set(EXEMPT), f"CSRF exemptions without a reason here: {exempt - set(EXEMPT)}"
    # The scan itself finds an exemption where there is one.
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "views.py").write_text("@csrf.exempt\ndef hook():\n    pass\n")
    assert csrf_exemptions(tmp_path / "pkg") == {"pkg/views.py:1"}


@pytest.mark.parametrize("kind", ["none", "wrong", "another session's"])
@pytest.mark.parametrize(("key", "who"), CASES, ids=IDS)
def test_a_post_without_its_own_token_is_refused_and_changes_nothing(app, case, key, who, kind):
    path = path_for(app, case, key, "POST")
    token = forged_token(app, case, who, kind)
    client = client_for(app, case, key, who)
    token_of(client)  # the victim's session has a token of its own
    refusals = csrf_refusals(case)

    response = client.post(path, data={} if token is None else {"csrf_token": token})

    assert response.status_code == 400, f"POST {key} as {who} with {kind} token: {response.status_code}"
    assert FORGED_PAGE in response.get_data(as_text=True)
    assert written(case) == [], f"POST {key} with {kind} token changed data"
    assert csrf_refusals(case) == refusals + 1


@pytest.mark.parametrize(("key", "who"), CASES, ids=IDS)
def test_the_same_post_with_its_own_token_is_not_refused_as_forged(app, case, key, who):
    client = client_for(app, case, key, who)
    token = token_of(client)
    refusals = csrf_refusals(case)

    response = client.post(path_for(app, case, key, "POST"), data={"csrf_token": token})

    assert FORGED_PAGE not in response.get_data(as_text=True), f"POST {key} as {who}: {response.status_code}"
    assert response.status_code not in (401, 403, 404, 405) and response.status_code < 500, response.status_code
    assert csrf_refusals(case) == refusals
