"""How the API behaves as an API: pagination and its links, filters and the 400s that name the
parameter, JSON errors everywhere under /api/ (unknown paths and other methods included), no session
cookie, security headers, and lists that take the same number of queries for 2 rows or 10."""

from __future__ import annotations

import pytest

from grants.learning.models import LearningItem
from tests.api.conftest import make_token
from tests.factories import ApplicationFactory, OrganisationFactory, RoundFactory, ThemeFactory, funded_project
from tests.helpers import QueryCounter


@pytest.fixture
def officer_token(db, officer):
    return make_token(officer)


def test_lists_are_paginated_with_links(api, db, officer_token):
    rounds = [RoundFactory(themes=[]) for _ in range(5)]
    first = api.get("/rounds", officer_token, per_page=2)
    assert first["meta"] == {"page": 1, "per_page": 2, "total": 5, "pages": 3}
    assert [r["id"] for r in first["data"]] == [r.id for r in rounds[:2]]
    assert first["links"]["prev"] is None
    assert first["links"]["next"].endswith("/api/v1/rounds?page=2&per_page=2")
    last = api.get("/rounds", officer_token, per_page=2, page=3)
    assert [r["id"] for r in last["data"]] == [rounds[4].id]
    assert last["links"]["next"] is None and "page=2" in last["links"]["prev"]
    beyond = api.get("/rounds", officer_token, per_page=2, page=9)
    assert beyond["data"] == [] and beyond["meta"]["total"] == 5
    assert api.get("/rounds", officer_token)["meta"]["per_page"] == 25


def test_filters_keep_their_values_in_the_links(api, db, officer_token):
    for _ in range(3):
        RoundFactory(status="closed", themes=[])
    body = api.get("/rounds", officer_token, status="closed", per_page=1)
    assert "status=closed" in body["links"]["next"]
    assert body["meta"]["total"] == 3


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"page": "1", "per_page": "0"}, "per_page"),
        ({"per_page": "101"}, "per_page"),
        ({"per_page": "-5"}, "per_page"),
        ({"status": "opened"}, "status"),
        ({"stauts": "open"}, "'stauts'"),
    ],
)
def test_unreadable_parameters_are_400_naming_them(api, officer_token, params, named):
    body = api.get("/rounds", officer_token, expect=400, **params)
    assert body["error"]["code"] == "bad_request"
    assert named in body["error"]["message"]


def test_a_parameter_given_twice_is_400(client, officer_token):
    response = client.get(
        "/api/v1/rounds?status=open&status=closed", headers={"Authorization": f"Bearer {officer_token}"}
    )
    assert response.status_code == 400
    assert "status" in response.get_json()["error"]["message"]


def test_application_filters(api, db, officer_token):
    round_ = RoundFactory(code="LV9")
    wigan = OrganisationFactory(org_id="GB-LAE-WGN")
    mine = ApplicationFactory(round=round_, lead_organisation=wigan)
    ApplicationFactory(round=round_)
    other = ApplicationFactory()
    assert api.ids("/applications", officer_token, round="lv9") == {mine.id, mine.id + 1}
    assert api.ids("/applications", officer_token, round=str(round_.id)) == {mine.id, mine.id + 1}
    assert api.ids("/applications", officer_token, organisation="GB-LAE-WGN") == {mine.id}
    assert api.ids("/applications", officer_token, organisation=str(wigan.id)) == {mine.id}
    assert api.ids("/applications", officer_token, status="draft", round="LV404") == set()
    assert other.id in api.ids("/applications", officer_token, status="draft")
    api.get("/applications", officer_token, expect=400, round="not a code!")
    api.get("/applications", officer_token, expect=400, status="won")


def test_project_tranche_and_learning_filters(api, db, officer_token):
    project = funded_project()
    other = funded_project()
    project.rag = "amber"
    db.session.commit()
    ons = project.place.ons_code
    assert api.ids("/projects", officer_token, rag="amber") == {project.id}
    assert api.ids("/projects", officer_token, rag="none") == {other.id}
    assert api.ids("/projects", officer_token, place=ons) == {project.id}
    assert api.ids("/projects", officer_token, round=project.round.code, status="setup") == {project.id}
    tranches = api.get("/tranches", officer_token, project=project.reference.lower())["data"]
    assert [t["sequence"] for t in tranches] == [1, 2, 3]
    assert sum(t["amount_pence"] for t in tranches) == project.award_pence
    assert {t["currency"] for t in tranches} == {"GBP"}
    assert api.get("/tranches", officer_token, status="released")["data"] == []
    item = LearningItem(project_id=project.id, title="Lessons", status="draft", place_id=project.place_id)
    item.themes = [project.round.themes[0]]
    db.session.add(item)
    db.session.commit()
    assert api.ids("/learning-items", officer_token, theme=project.round.themes[0].slug) == {item.id}
    assert api.ids("/learning-items", officer_token, place=ons) == {item.id}
    assert api.ids("/learning-items", officer_token, place="E99999999") == set()
    api.get("/projects", officer_token, expect=400, rag="purple")
    api.get("/projects", officer_token, expect=400, place="Wigan")


def test_money_and_times_are_written_one_way(api, db, officer_token):
    round_ = RoundFactory()
    body = api.get(f"/rounds/{round_.id}", officer_token)["data"]
    assert body["award_pence"] == 2_700_000 and body["currency"] == "GBP"
    assert body["opens_at"].endswith("Z") and "+" not in body["opens_at"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_other_methods_are_405_json(csrf_app_client, officer_token, method):
    response = getattr(csrf_app_client, method)("/api/v1/rounds", headers={"Authorization": f"Bearer {officer_token}"})
    assert response.status_code == 405
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"]["code"] == "method_not_allowed" and "read-only" in body["error"]["message"]
    assert "GET" in response.headers["Allow"]


@pytest.fixture
def csrf_app_client(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    return app.test_client()


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v2/rounds", "/api/", "/api/v1/rounds/abc"])
def test_unknown_api_paths_are_404_json(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.get_json()["error"] == {
        "status": 404,
        "code": "not_found",
        "message": "There is nothing at this address, or this API token may not see it.",
    }
    assert "<html" not in response.get_data(as_text=True)


def test_a_nul_character_is_a_json_400(client, officer_token):
    response = client.get("/api/v1/rounds?status=%00", headers={"Authorization": f"Bearer {officer_token}"})
    assert response.status_code == 400 and response.mimetype == "application/json"


def test_pages_outside_the_api_still_answer_html(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_api_responses_never_set_a_session_cookie(world, client_for):
    browser = client_for(world.officer)  # a signed-in browser, sending its (permanent) session cookie
    token = make_token(world.officer)
    headers = {"Authorization": f"Bearer {token}"}
    assert "Set-Cookie" in browser.get("/projects/").headers  # the web app refreshes it
    for path in ("/api/v1/rounds", "/api/v1/projects", "/api/v1/nothing", "/api/v1/openapi.json"):
        response = browser.get(path, headers=headers)
        assert "Set-Cookie" not in response.headers, path
    assert "Set-Cookie" not in browser.post("/api/v1/rounds", headers=headers).headers
    assert "Set-Cookie" not in browser.get("/api/v1/rounds").headers


def test_security_headers_stay(client, officer_token):
    response = client.get("/api/v1/rounds", headers={"Authorization": f"Bearer {officer_token}"})
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def _queries(client, path, token) -> int:
    client.get(path, headers={"Authorization": f"Bearer {token}"})  # the token's last use is written once
    with QueryCounter() as counter:
        response = client.get(path, headers={"Authorization": f"Bearer {token}"}, query_string={"per_page": 100})
    assert response.status_code == 200
    return counter.count, len(response.get_json()["data"])


@pytest.mark.parametrize("path", ["/rounds", "/applications", "/projects", "/tranches", "/learning-items"])
def test_lists_take_the_same_number_of_queries_for_2_rows_or_10(client, db, officer, path):
    token = make_token(officer)
    made = 0

    def grow_to(rows: int):
        nonlocal made
        while made < rows:
            if path == "/rounds":
                RoundFactory()
            elif path == "/applications":
                ApplicationFactory().themes = [ThemeFactory()]
            else:
                project = funded_project()
                if path == "/learning-items":
                    item = LearningItem(project_id=project.id, title="Lessons", place_id=project.place_id)
                    item.themes = [project.round.themes[0]]
                    db.session.add(item)
            db.session.commit()
            made += 1

    grow_to(2)
    small, small_rows = _queries(client, f"/api/v1{path}", token)
    grow_to(10)
    large, large_rows = _queries(client, f"/api/v1{path}", token)
    assert large_rows > small_rows >= 2
    assert small == large, f"{path}: {small} queries for {small_rows} rows, {large} for {large_rows}"


def test_the_browser_session_is_not_even_read_under_the_api(app, world, client_for):
    """Defence in depth: on an API path the session cookie is not opened at all, so nothing there
    (sign-in state, CSRF tokens, refreshes) can come from or go to the browser's session."""
    browser = client_for(world.officer)
    browser.get("/projects/")
    cookie = browser.get_cookie(app.config["SESSION_COOKIE_NAME"])
    headers = {"Cookie": f"{cookie.key}={cookie.value}"}
    interface = app.session_interface
    with app.test_request_context("/projects/", headers=headers) as context:
        web = interface.open_session(app, context.request)
        assert web.get("_user_id") == world.officer.get_id()
    for path in ("/api/v1/projects", "/api/v1/nothing", "/api"):
        with app.test_request_context(path, headers=headers) as context:
            assert interface.is_null_session(interface.open_session(app, context.request)), path
    with app.test_request_context("/api/docs", headers=headers) as context:  # a page of the service
        assert not interface.is_null_session(interface.open_session(app, context.request))
