"""Rate limits on sign-in, password reset, registration, the emailed links and the API, on the real
stack (PostgreSQL, and Redis for the shared storage). Time is moved with a clock laid over the
limiter's memory storage, never by sleeping."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
import redis as redis_lib
from limits.storage import memory as memory_storage

from grants.accounts.models import User
from grants.core import limits
from grants.core.audit import AuditEvent
from grants.extensions import db as _db
from grants.notifications.models import Notification
from tests.conftest import make_test_app
from tests.factories import PASSWORD, PartnerFactory, UserFactory
from tests.helpers import field_error, h1, text


class Clock:
    """``time.time`` for the limiter's memory storage (and Retry-After), moved on by the test."""

    def __init__(self):
        self.offset = 0.0

    def time(self):
        return time.time() + self.offset

    def advance(self, seconds: float):
        self.offset += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(memory_storage, "time", fake)
    monkeypatch.setattr(limits, "time", fake)
    return fake


@pytest.fixture(autouse=True)
def fresh_limits(app):
    """The run's application (and its limiter's memory storage) is shared: start from no counts."""
    limits.reset(app)
    yield
    limits.reset(app)


def from_ip(client, address):
    client.environ_base["REMOTE_ADDR"] = address
    return client


def rate_limited_events(db):
    return db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "access.rate_limited").order_by(AuditEvent.id)
    ).all()


def sign_in(client, email, password):
    return client.post("/sign-in", data={"email": email, "password": password})


def assert_too_many(response, wait="a minute"):
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert h1(html) == "Too many attempts"
    assert f"Wait {wait} and try again." in text(html)
    retry = int(response.headers["Retry-After"])
    assert 0 < retry
    return retry


# --- Sign-in -----------------------------------------------------------------------------------


def test_the_sixth_failed_sign_in_in_a_minute_is_refused_with_429_and_nothing_else_changes(db, client):
    user = UserFactory(email="lead@example.org")
    for _ in range(5):
        response = sign_in(client, "lead@example.org", "wrong password here")
        assert response.status_code == 200
        assert field_error(response.get_data(as_text=True), "email") == "Enter a correct email address and password"
    sixth = sign_in(client, "lead@example.org", "wrong password here")
    retry = assert_too_many(sixth)
    assert retry <= 60
    assert "reset your password" in text(sixth.get_data(as_text=True))
    # The refused attempt did not reach the password check: five failures audited, no sixth.
    failed = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "auth.sign_in_failed")).all()
    assert len(failed) == 5
    db.session.refresh(user)
    assert user.last_signed_in_at is None and user.is_active
    assert client.get("/account").status_code == 302  # not signed in
    # Reading the sign-in page is not limited.
    assert client.get("/sign-in").status_code == 200


def test_the_refusal_is_audited_with_the_limit_and_key_kind_never_the_password_or_email(db, client):
    UserFactory(email="lead@example.org")
    for _ in range(6):
        sign_in(client, "Lead@Example.org ", "hunter2-secret-attempt")
    (event,) = rate_limited_events(db)
    assert event.after == {
        "method": "POST",
        "status": 429,
        "endpoint": "accounts.sign_in",
        "limit": "5 per 1 minute",
        "key": "email",
        "retry_after": event.after["retry_after"],
    }
    assert 0 < event.after["retry_after"] <= 60
    assert event.request_path == "/sign-in" and event.ip_address == "127.0.0.1"
    assert "hunter2" not in str(event.after) and "lead@" not in str(event.after).lower()


def test_another_account_from_the_same_address_still_signs_in(db, client):
    UserFactory(email="lead@example.org")
    other = UserFactory(email="other@example.org")
    for _ in range(6):
        sign_in(client, "lead@example.org", "wrong password here")
    assert sign_in(client, "lead@example.org", "wrong password here").status_code == 429
    response = sign_in(client, "other@example.org", PASSWORD)
    assert response.status_code == 302
    db.session.refresh(other)
    assert other.last_signed_in_at is not None


def test_the_right_password_is_refused_until_the_window_passes(db, client, clock):
    user = UserFactory(email="lead@example.org")
    for _ in range(5):
        assert sign_in(client, "lead@example.org", "wrong password here").status_code == 200
    retry = assert_too_many(sign_in(client, "lead@example.org", PASSWORD))
    db.session.refresh(user)
    assert user.last_signed_in_at is None
    clock.advance(30)
    assert sign_in(client, "lead@example.org", PASSWORD).status_code == 429  # still within the minute
    clock.advance(retry - 30 + 1)
    assert sign_in(client, "lead@example.org", PASSWORD).status_code == 302
    db.session.refresh(user)
    assert user.last_signed_in_at is not None


def test_refused_attempts_do_not_extend_the_lockout(db, client, clock):
    UserFactory(email="lead@example.org")
    for _ in range(5):
        sign_in(client, "lead@example.org", "wrong password here")
    for _ in range(10):  # an attacker keeps trying through the minute
        clock.advance(5)
        assert sign_in(client, "lead@example.org", "wrong password here").status_code == 429
    clock.advance(11)
    assert sign_in(client, "lead@example.org", PASSWORD).status_code == 302


def test_successful_sign_ins_are_not_counted(db, app):
    UserFactory(email="lead@example.org")
    for _ in range(12):
        client = app.test_client()
        assert sign_in(client, "lead@example.org", PASSWORD).status_code == 302


def test_one_address_trying_many_accounts_is_limited_per_address(db, app):
    attacker = from_ip(app.test_client(), "203.0.113.9")
    for n in range(30):
        assert sign_in(attacker, f"person{n}@example.org", "guess").status_code == 200
    refused = sign_in(attacker, "person99@example.org", "guess")
    assert_too_many(refused)
    assert rate_limited_events(db)[-1].after["key"] == "ip"
    someone_else = from_ip(app.test_client(), "198.51.100.7")
    assert sign_in(someone_else, "person99@example.org", "guess").status_code == 200


# --- Password reset and registration --------------------------------------------------------------


def test_password_reset_requests_are_limited_per_email_the_same_whether_or_not_it_exists(db, app):
    UserFactory(email="lead@example.org")
    for email in ("lead@example.org", "nobody@example.org"):
        client = from_ip(app.test_client(), f"192.0.2.{len(email)}")
        for _ in range(3):
            response = client.post("/password/forgot", data={"email": email})
            assert h1(response.get_data(as_text=True)) == "Check your email"
        refused = client.post("/password/forgot", data={"email": email})
        assert_too_many(refused, wait="15 minutes")
    assert [event.after["key"] for event in rate_limited_events(db)] == ["email", "email"]
    # One email was sent (the reset emails are once a quarter hour anyway), none for the unknown address.
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification)) == 1
    # Another person's reset is not affected.
    UserFactory(email="other@example.org")
    other = app.test_client().post("/password/forgot", data={"email": "other@example.org"})
    assert h1(other.get_data(as_text=True)) == "Check your email"


def test_password_reset_requests_are_limited_per_address(db, app):
    client = from_ip(app.test_client(), "203.0.113.20")
    for n in range(20):
        assert client.post("/password/forgot", data={"email": f"p{n}@example.org"}).status_code == 200
    refused = client.post("/password/forgot", data={"email": "p99@example.org"})
    retry = assert_too_many(refused, wait="an hour")
    assert 3500 < retry <= 3600
    assert rate_limited_events(db)[-1].after == {
        "method": "POST",
        "status": 429,
        "endpoint": "accounts.forgot_password",
        "limit": "20 per 1 hour",
        "key": "ip",
        "retry_after": retry,
    }


def test_registration_is_limited_per_address(db, app):
    client = from_ip(app.test_client(), "203.0.113.30")
    for n in range(10):
        data = {"name": "Someone", "email": f"new{n}@example.org", "password": "short"}
        assert client.post("/register", data=data).status_code == 200  # refused for the short password
    good = {
        "name": "Aisha Khan",
        "email": "aisha@example.org",
        "password": "a long enough secret",
        "confirm_password": "a long enough secret",
    }
    assert_too_many(client.post("/register", data=good), wait="an hour")
    assert db.session.scalars(db.select(User).where(User.email == "aisha@example.org")).all() == []
    assert client.get("/register").status_code == 200
    elsewhere = from_ip(app.test_client(), "198.51.100.30")
    assert elsewhere.post("/register", data=good).status_code == 302


# --- Emailed links ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/partner/{}", "/self-assessment/{}"])
def test_guessing_links_is_limited_per_address(db, app, path):
    guesser = from_ip(app.test_client(), "203.0.113.40")
    for n in range(60):
        assert guesser.get(path.format(f"guess-{n}")).status_code in {400, 404}
    assert_too_many(guesser.get(path.format("guess-x")))
    assert rate_limited_events(db)[-1].after["key"] == "ip"
    assert from_ip(app.test_client(), "198.51.100.40").get(path.format("guess-x")).status_code in {400, 404}


@pytest.mark.parametrize("path", ["/partner/{}", "/self-assessment/{}"])
def test_one_link_is_limited_per_token_from_any_address(db, app, path):
    for n in range(20):
        client = from_ip(app.test_client(), f"192.0.2.{n + 1}")
        assert client.get(path.format("the-same-token")).status_code in {400, 404}
    response = from_ip(app.test_client(), "192.0.2.200").get(path.format("the-same-token"))
    assert_too_many(response)
    assert rate_limited_events(db)[-1].after["key"] == "token"
    assert from_ip(app.test_client(), "192.0.2.200").get(path.format("another-token")).status_code in {400, 404}


def test_a_real_partner_link_works_while_someone_else_is_guessing(db, app):
    from grants.applications.tokens import make_partner_token

    partner = PartnerFactory(status="invited", responded_at=None)
    token = make_partner_token(partner)
    guesser = from_ip(app.test_client(), "203.0.113.50")
    for n in range(61):
        guesser.get(f"/partner/guess-{n}")
    assert guesser.get(f"/partner/{token}").status_code == 429
    page = from_ip(app.test_client(), "198.51.100.50").get(f"/partner/{token}")
    assert page.status_code == 200 and partner.organisation.name in text(page.get_data(as_text=True))


# --- API ------------------------------------------------------------------------------------------


def test_refused_api_tokens_are_limited_per_address_with_a_json_answer(db, app):
    client = from_ip(app.test_client(), "203.0.113.60")
    headers = {"Authorization": "Bearer not-a-real-token"}
    for _ in range(30):
        assert client.get("/api/v1/rounds", headers=headers).status_code == 401
    response = client.get("/api/v1/rounds", headers=headers)
    assert response.status_code == 429 and response.mimetype == "application/json"
    body = response.get_json()["error"]
    assert body["status"] == 429 and body["code"] == "too_many_requests"
    assert "Wait a minute and try again." in body["message"]
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert rate_limited_events(db)[-1].after["key"] == "ip"


# --- Switching off, storage -------------------------------------------------------------------------


def test_limits_can_be_switched_off_for_one_application_only(committed_db, app, database_url):
    off = make_test_app(database_url, RATELIMIT_ENABLED=False)
    try:
        assert _fail_sign_ins(off, "x@example.org", 7) == [200] * 7
        assert _fail_sign_ins(app, "x@example.org", 6) == [200] * 5 + [429]  # the run's application keeps them
    finally:
        with off.app_context():
            _db.engine.dispose()


def test_when_redis_is_unreachable_each_process_counts_in_memory(committed_db, database_url):
    unreachable = make_test_app(database_url, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    try:
        assert _fail_sign_ins(unreachable, "lead@example.org", 6) == [200] * 5 + [429]
    finally:
        with unreachable.app_context():
            _db.engine.dispose()


def test_production_without_redis_warns_that_counts_are_per_process(caplog):
    from flask import Flask

    bare = Flask("limits-check")
    bare.config.update(ENV_NAME="production", SECRET_KEY="s" * 40)
    with caplog.at_level("WARNING", logger="grants.core.limits"):
        limits.init_limits(bare)
    assert "set REDIS_URL" in caplog.text
    shared = Flask("limits-check-redis")
    shared.config.update(ENV_NAME="production", SECRET_KEY="s" * 40, RATELIMIT_STORAGE_URI="redis://r.example:6379/2")
    caplog.clear()
    with caplog.at_level("WARNING", logger="grants.core.limits"):
        limits.init_limits(shared)
    assert "set REDIS_URL" not in caplog.text
    assert shared.config["RATELIMIT_STORAGE_OPTIONS"]["key_prefix"] == "grants-limits"
    assert shared.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] is True
    assert type(limits.limiter_for(shared).storage).__name__ == "RedisStorage"


def test_production_counts_in_redis_from_redis_url():
    from config import config_for

    production = {
        "GRANTS_ENV": "production",
        "SECRET_KEY": "s" * 40,
        "DATABASE_URL": "postgresql://db.example/grants",
        "BASE_URL": "https://grants.example.org",
        "MAIL_SERVER": "smtp.example.org",
    }
    config = config_for(environ={**production, "REDIS_URL": "redis://r.example:6379/2"})
    assert config.RATELIMIT_STORAGE_URI == "redis://r.example:6379/2" and config.RATELIMIT_ENABLED
    own = config_for(environ={**production, "REDIS_URL": "redis://r:6379/2", "RATELIMIT_STORAGE_URI": "redis://l/5"})
    assert own.RATELIMIT_STORAGE_URI == "redis://l/5"
    assert config_for(environ=production).RATELIMIT_STORAGE_URI == "memory://"
    testing = config_for("testing", environ={})
    assert testing.RATELIMIT_ENABLED and testing.RATELIMIT_STORAGE_URI == "memory://"
    assert testing.RATELIMIT_SIGN_IN_PER_ACCOUNT == "5 per minute"


def _fail_sign_ins(application, email, count, address="203.0.113.70"):
    client = from_ip(application.test_client(), address)
    return [sign_in(client, email, "wrong password here").status_code for _ in range(count)]


@pytest.mark.parametrize("shared", [True, False])
def test_two_application_instances_share_counts_through_redis(committed_db, database_url, redis_url, shared):
    """Two web processes on one Redis share the counts; on memory storage (the control) they do not."""
    prefix = f"grants-limits-test-{uuid.uuid4().hex[:8]}"
    storage = redis_url if shared else "memory://"
    settings = {"RATELIMIT_STORAGE_URI": storage, "RATELIMIT_KEY_PREFIX": prefix}
    first, second = make_test_app(database_url, **settings), make_test_app(database_url, **settings)
    redis = redis_lib.Redis.from_url(redis_url)
    try:
        assert _fail_sign_ins(first, "lead@example.org", 3) == [200, 200, 200]
        assert _fail_sign_ins(second, "lead@example.org", 2) == [200, 200]
        sixth = [_fail_sign_ins(app_, "lead@example.org", 1)[0] for app_ in (first, second)]
        if shared:
            assert sixth == [429, 429]
            keys = [key.decode() for key in redis.scan_iter(f"{prefix}:*")]
            assert keys and all("lead@example.org" not in key for key in keys)
            assert any("email:" in key for key in keys) and any("ip:" in key for key in keys)
        else:
            assert sixth == [200, 200]
            assert list(redis.scan_iter(f"{prefix}:*")) == []
        # Another account is unaffected in either case.
        assert _fail_sign_ins(second, "other@example.org", 1) == [200]
    finally:
        for application in (first, second):
            limits.reset(application)
            with application.app_context():
                _db.engine.dispose()
        assert list(redis.scan_iter(f"{prefix}:*")) == []
        redis.close()


GUESSES = 12


@pytest.mark.parametrize("storage", ["memory", "redis"])
def test_guesses_sent_at_the_same_moment_still_meet_the_limit_at_the_sixth(
    committed_db, database_url, redis_url, storage
):
    """Twelve wrong passwords for one account at once (threads, and on Redis two web processes): five are
    checked, the rest refused, because attempts for one address take turns until their failure is counted.
    Another account signs in meanwhile without waiting for them."""
    prefix = f"grants-limits-test-{uuid.uuid4().hex[:8]}"
    settings = {
        "RATELIMIT_STORAGE_URI": redis_url if storage == "redis" else "memory://",
        "RATELIMIT_KEY_PREFIX": prefix,
    }
    applications = [make_test_app(database_url, **settings) for _ in range(2 if storage == "redis" else 1)]
    with applications[0].app_context():
        UserFactory(email="target@example.org")
        UserFactory(email="bystander@example.org", two_factor=False)
        _db.session.commit()
    clients = [
        from_ip(applications[number % len(applications)].test_client(), f"203.0.113.{number + 10}")
        for number in range(GUESSES)
    ]
    barrier = threading.Barrier(GUESSES)
    answers: list[int] = []

    def guess(client):
        barrier.wait(15)
        answers.append(sign_in(client, "target@example.org", "wrong password here").status_code)

    threads = [threading.Thread(target=guess, args=(client,)) for client in clients]
    try:
        for thread in threads:
            thread.start()
        bystander = from_ip(applications[-1].test_client(), "203.0.113.99")
        assert sign_in(bystander, "bystander@example.org", PASSWORD).status_code == 302
        for thread in threads:
            thread.join(60)
        assert sorted(answers) == [200] * 5 + [429] * (GUESSES - 5)
    finally:
        for application in applications:
            limits.reset(application)
            with application.app_context():
                _db.engine.dispose()
