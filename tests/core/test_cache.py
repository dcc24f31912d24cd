"""Kept pages (grants/core/cache.py): served again only while nothing has been written, each person
their own, never with another response's nonce or CSRF token or a flash message, never a refusal;
shared through Redis by every process, so a write in one moves the version for all."""

from __future__ import annotations

import re
import uuid

import pytest
from flask import Flask
from sqlalchemy import update

from grants.core import cache as page_cache
from grants.core.permissions import Role
from grants.rounds.models import Round
from tests.conftest import make_test_app
from tests.factories import EnablerProfileFactory, RoundFactory, UserFactory, assign, funded_project
from tests.fixtures.clients import sign_in_client
from tests.helpers import QueryCounter

SET_KEYS: list[str] = []


@pytest.fixture(autouse=True)
def keys_set(monkeypatch):
    """Every key the page cache is asked to keep, seen through its public ``set``."""
    SET_KEYS.clear()
    keep = page_cache.cache.set

    def set_and_note(key, *args, **kwargs):
        SET_KEYS.append(key)
        return keep(key, *args, **kwargs)

    monkeypatch.setattr(page_cache.cache, "set", set_and_note)


@pytest.fixture
def keeping(app, db, monkeypatch):
    """Pages kept for a minute, as in production (in this process's memory)."""
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 60)
    page_cache.clear(app)
    return app


def kept_keys(app) -> list[str]:
    """The pages still kept: each key set, read back through the public ``get``."""
    with app.app_context():
        return sorted({key for key in SET_KEYS if key.startswith("page:") and page_cache.cache.get(key) is not None})


def nonce_of(response) -> str:
    return re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)


def test_a_kept_page_is_served_until_something_is_written(keeping, db, client):
    RoundFactory(title="Local Vision wave seven")
    first = client.get("/rounds/")
    with QueryCounter() as counted:
        again = client.get("/rounds/")
    assert again.status_code == 200 and counted.count == 0  # from the cache: no query at all
    assert "Local Vision wave seven" in again.get_data(as_text=True)

    RoundFactory(title="Local Vision wave eight")  # a commit: every kept page is stale from now on
    fresh = client.get("/rounds/").get_data(as_text=True)
    assert "Local Vision wave eight" in fresh and first.status_code == 200


def test_a_bulk_statement_moves_the_version_too(keeping, db, client):
    round_ = RoundFactory(title="Before the change")
    assert "Before the change" in client.get("/rounds/").get_data(as_text=True)
    db.session.execute(update(Round).where(Round.id == round_.id).values(title="After the change"))
    db.session.commit()
    assert "After the change" in client.get("/rounds/").get_data(as_text=True)


def test_a_rollback_moves_nothing(keeping, db, client):
    round_ = RoundFactory(title="Kept as it was")
    client.get("/rounds/")
    with keeping.app_context():
        before = page_cache.data_version()
    round_.title = "Never kept"
    db.session.flush()
    db.session.rollback()
    with keeping.app_context():
        assert page_cache.data_version() == before
    assert "Kept as it was" in client.get("/rounds/").get_data(as_text=True)


def test_each_person_gets_their_own_page(keeping, db):
    project = funded_project()
    enabler = EnablerProfileFactory().user
    assign(project, enabler)
    officer = sign_in_client(keeping, UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    assigned = sign_in_client(keeping, enabler)
    url = f"/projects/{project.id}"
    assert "Add an update" not in officer.get(url).get_data(as_text=True)
    assert "Add an update" in assigned.get(url).get_data(as_text=True)
    assert "Add an update" not in officer.get(url).get_data(as_text=True)
    assert len(kept_keys(keeping)) == 2


def test_a_kept_page_carries_this_responses_nonce_and_this_sessions_csrf_token(keeping, db, monkeypatch):
    monkeypatch.setitem(keeping.config, "WTF_CSRF_ENABLED", True)
    chair = UserFactory(roles=[Role.STEERING_CHAIR, Role.STEERING_MEMBER])
    round_ = RoundFactory(status="assessing")
    first_session, second_session = sign_in_client(keeping, chair), sign_in_client(keeping, chair)
    pages = [client.get(f"/assessment/rounds/{round_.id}") for client in (first_session, first_session, second_session)]
    nonces = [nonce_of(page) for page in pages]
    assert len(set(nonces)) == 3  # a new nonce every time, kept page or not
    for page, nonce in zip(pages, nonces, strict=True):
        body = page.get_data(as_text=True)
        assert f'nonce="{nonce}"' in body and "\x00" not in body
    tokens = [set(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))) for page in pages]
    assert all(len(found) == 1 for found in tokens)
    # The second session's page (served from the cache) holds a token of its own session, which works.
    (token,) = tokens[2]
    response = second_session.post("/sign-out", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert len(kept_keys(keeping)) == 1


def test_a_page_showing_a_flash_message_is_neither_kept_nor_served_from_the_cache(keeping, db, client):
    client.get("/rounds/")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Your bid has been sent.")]
    assert "Your bid has been sent." in client.get("/rounds/").get_data(as_text=True)
    assert "Your bid has been sent." not in client.get("/rounds/").get_data(as_text=True)


def test_refusals_are_not_kept(keeping, db):
    outsider = sign_in_client(keeping, EnablerProfileFactory().user)
    project = funded_project()
    assert outsider.get(f"/projects/{project.id}").status_code == 404
    assert outsider.get(f"/projects/{project.id}").status_code == 404
    assert kept_keys(keeping) == []


def test_a_kept_page_costs_the_officer_at_most_their_own_sign_in(keeping, db):
    officer = sign_in_client(keeping, UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    with QueryCounter() as first:
        officer.get("/manage/applications/")
    with QueryCounter() as again:
        officer.get("/manage/applications/")
    queries = [sql for sql in again.statements if not sql.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO"))]
    # The person (and their roles), the rest from the cache.
    assert len(queries) <= 2 < len(first.statements) - 2, queries


def test_with_page_cache_seconds_0_nothing_is_kept(app, db, client, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 0)
    client.get("/rounds/")
    assert kept_keys(app) == []


def test_where_pages_are_kept_in_each_shape_of_deployment():
    def backend(**config) -> str:
        app = Flask("where")
        app.config.update(config)
        page_cache.init_cache(app)
        return app.config["CACHE_TYPE"]

    assert backend(ENV_NAME="production", REDIS_URL="redis://127.0.0.1:6379/0") == "RedisCache"
    assert backend(ENV_NAME="production", REDIS_URL=None) == "NullCache"  # per-process memory would go stale
    assert backend(ENV_NAME="development", REDIS_URL=None) == "SimpleCache"


def test_a_write_in_one_process_moves_the_version_for_every_process_through_redis(
    app, committed_db, database_url, redis_url
):
    """Two instances of the application share kept pages in Redis: a page kept by one is served by the
    other, and a write committed through either makes it stale for both."""
    url = database_url
    shared = {
        "CACHE_TYPE": "RedisCache",
        "CACHE_REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": f"grants-test-{uuid.uuid4().hex[:8]}:",
        "PAGE_CACHE_SECONDS": 60,
    }
    first, second = make_test_app(url, **shared), make_test_app(url, **shared)
    try:
        with first.app_context():
            RoundFactory(title="Wave in Redis")
        assert "Wave in Redis" in first.test_client().get("/rounds/").get_data(as_text=True)
        with second.app_context(), QueryCounter() as counted:
            served = second.test_client().get("/rounds/").get_data(as_text=True)
        assert "Wave in Redis" in served and counted.count == 0  # kept by the first, served by the second
        with second.app_context():
            RoundFactory(title="Wave written through the second")
        assert "Wave written through the second" in first.test_client().get("/rounds/").get_data(as_text=True)
    finally:
        for each in (first, second):
            with each.app_context():
                page_cache.cache.clear()
                page_cache.cache.cache.delete(page_cache.VERSION_KEY)
                from grants.extensions import db as each_db

                each_db.engine.dispose()


def test_the_version_never_goes_back_when_the_store_forgets(keeping, db):
    with keeping.app_context():
        page_cache.move_version()
        before = page_cache.data_version()
        page_cache.cache.clear()  # flushed, or evicted
        assert page_cache.data_version() > before
