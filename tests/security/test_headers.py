"""Production's headers and cookies: HSTS for a year, cookies Secure, HttpOnly and SameSite=Lax, only
the site's own host names answered, and bounded requests."""

from __future__ import annotations

import pytest

from config import config_for
from tests.conftest import make_test_app
from tests.test_config import PRODUCTION


def test_production_cookies_are_secure_httponly_and_lax():
    config = config_for(environ=PRODUCTION)
    assert config.SESSION_COOKIE_SECURE and config.SESSION_COOKIE_HTTPONLY and config.SESSION_COOKIE_SAMESITE == "Lax"
    assert config.REMEMBER_COOKIE_SECURE and config.REMEMBER_COOKIE_HTTPONLY
    assert config.REMEMBER_COOKIE_SAMESITE == "Lax"


def test_production_answers_only_its_own_host_unless_told_others():
    assert config_for(environ=PRODUCTION).TRUSTED_HOSTS == ["grants.example.org"]
    listed = config_for(environ={**PRODUCTION, "TRUSTED_HOSTS": "grants.example.org, www.grants.example.org"})
    assert listed.TRUSTED_HOSTS == ["grants.example.org", "www.grants.example.org"]
    assert config_for("testing", environ={}).TRUSTED_HOSTS is None


@pytest.fixture
def production_like(database_url):
    """The application with production's host, cookie and HSTS settings, on the test database."""
    return make_test_app(
        database_url,
        TRUSTED_HOSTS=["grants.example.org"],
        SESSION_COOKIE_SECURE=True,
        REMEMBER_COOKIE_SECURE=True,
        HSTS=True,
        PREFERRED_URL_SCHEME="https",
        WTF_CSRF_ENABLED=True,
    )


def test_a_request_for_another_host_is_refused(production_like):
    client = production_like.test_client()
    assert client.get("/healthz", base_url="https://grants.example.org").status_code == 200
    refused = client.get("/", base_url="https://evil.example")
    assert refused.status_code == 400
    assert "does not answer to that host name" in refused.get_data(as_text=True)


def test_hsts_for_a_year_and_a_secure_session_cookie(production_like):
    client = production_like.test_client()
    response = client.get("/", base_url="https://grants.example.org")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    # The sign-in page puts its form's CSRF token in the session, so the response sets the cookie.
    cookie = client.get("/sign-in", base_url="https://grants.example.org").headers.get("Set-Cookie", "")
    assert "grants_session=" in cookie
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_form_field_larger_than_the_limit_is_refused(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_FORM_MEMORY_SIZE", 1024)
    response = client.post(
        "/sign-in", data={"email": "a@example.org", "password": "x" * 2048}, content_type="multipart/form-data"
    )
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_a_request_body_over_the_upload_limit_is_refused(client, app):
    too_big = app.config["MAX_CONTENT_LENGTH"] + 1
    response = client.post("/sign-in", data=b"x" * too_big, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
