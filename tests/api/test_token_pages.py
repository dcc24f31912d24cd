"""People create, see and revoke their API tokens in their account: the secret shown once, only a
hash kept, forms with GOV.UK errors and CSRF, and another person's token out of reach."""

from __future__ import annotations

import re

import pytest

from grants.api.models import ApiToken, hash_secret
from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from grants.extensions import db
from tests.api.conftest import make_token
from tests.factories import ApplicantFactory, UserFactory
from tests.fixtures.clients import sign_in_client
from tests.helpers import csrf_token, error_summary, field_error, h1, text


@pytest.fixture
def csrf_app(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    return app


@pytest.fixture
def person(db):
    return UserFactory(roles=[Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER], name="Sarah Collins")


def _secret(html: str) -> str:
    match = re.search(r'id="api-token-secret"[^>]*value="([^"]+)"', html)
    assert match, "the secret is not shown"
    return match.group(1)


def _tokens(user) -> list[ApiToken]:
    return db.session.scalars(db.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)).all()


def _events(action: str) -> list[AuditEvent]:
    return db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_the_account_page_links_to_the_tokens_page(client_for, person):
    page = client_for(person).get("/account").get_data(as_text=True)
    assert 'href="/account/api-tokens"' in page


def test_the_tokens_pages_need_sign_in(client):
    response = client.get("/account/api-tokens")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_creating_a_token_shows_the_secret_once_and_keeps_only_its_hash(csrf_app, person, api):
    browser = sign_in_client(csrf_app, person)
    form = browser.get("/account/api-tokens/new")
    html = form.get_data(as_text=True)
    assert h1(html) == "Create an API token"
    assert "Programme officer" in text(html) and "Applicant" not in text(html)
    response = browser.post(
        "/account/api-tokens/new",
        data={
            "csrf_token": csrf_token(html),
            "name": "Council data warehouse",
            "roles": ["finance_approver"],
            "expires": "90",
        },
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    secret = _secret(page)
    assert secret.startswith("grants_") and len(secret) > 40
    assert "will not be shown again" in text(page)
    assert response.headers["Cache-Control"] == "no-store"

    [token] = _tokens(person)
    assert token.secret_hash == hash_secret(secret) and secret not in (token.prefix, token.secret_hash)
    assert secret.startswith(token.prefix)
    assert token.roles == {Role.FINANCE_APPROVER}
    assert 89 <= (token.expires_at - token.created_at).days <= 90
    [event] = _events("api_token.created")
    assert event.actor_id == person.id and secret not in str(event.after)

    listing = text(browser.get("/account/api-tokens").get_data(as_text=True))
    assert "Council data warehouse" in listing and token.prefix in listing and secret not in listing
    assert "Finance approver" in listing and "Never" in listing and "Active" in listing

    # The token works, with the role chosen only: projects yes, applications no.
    api.get("/projects", secret)
    api.get("/applications", secret, expect=403)


def test_the_form_says_what_is_wrong_beside_each_field(client_for, person):
    browser = client_for(person)
    response = browser.post("/account/api-tokens/new", data={"name": "  ", "expires": "90"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_summary(html) == ["Enter a name for the token", "Select at least one role for the token"]
    assert field_error(html, "name") == "Enter a name for the token"
    assert field_error(html, "roles") == "Select at least one role for the token"
    assert _tokens(person) == []


def test_a_role_the_person_does_not_hold_is_refused(client_for, person):
    response = client_for(person).post(
        "/account/api-tokens/new", data={"name": "Sneaky", "roles": ["admin"], "expires": "never"}
    )
    html = response.get_data(as_text=True)
    assert field_error(html, "roles") == "Select only roles you hold"
    assert _tokens(person) == []


def test_a_name_that_is_too_long_is_refused(client_for, person):
    response = client_for(person).post(
        "/account/api-tokens/new", data={"name": "x" * 101, "roles": ["programme_officer"], "expires": "30"}
    )
    assert field_error(response.get_data(as_text=True), "name") == "Token name must be 100 characters or fewer"


def test_creating_without_the_csrf_token_is_refused(csrf_app, person):
    response = sign_in_client(csrf_app, person).post(
        "/account/api-tokens/new", data={"name": "No CSRF", "roles": ["programme_officer"], "expires": "30"}
    )
    assert response.status_code == 400
    assert _tokens(person) == []


def test_revoking_asks_first_then_stops_the_token(csrf_app, person, api):
    secret = make_token(person, name="Old warehouse")
    [token] = _tokens(person)
    browser = sign_in_client(csrf_app, person)
    confirm = browser.get(f"/account/api-tokens/{token.id}/revoke")
    html = confirm.get_data(as_text=True)
    assert h1(html) == "Revoke the token “Old warehouse”"
    assert browser.post(f"/account/api-tokens/{token.id}/revoke", data={}).status_code == 400  # no CSRF token
    api.get("/rounds", secret)

    response = browser.post(f"/account/api-tokens/{token.id}/revoke", data={"csrf_token": csrf_token(html)})
    assert response.status_code == 302
    db.session.expire_all()
    assert token.revoked_at is not None and token.revoked_by_id == person.id
    [event] = _events("api_token.revoked")
    assert event.actor_id == person.id
    api.get("/rounds", secret, expect=401)
    listing = text(browser.get("/account/api-tokens").get_data(as_text=True))
    assert "has been revoked" in listing and "Revoked" in listing


def test_no_one_can_see_or_revoke_another_persons_token(client_for, person, api):
    secret = make_token(person)
    [token] = _tokens(person)
    other = client_for(ApplicantFactory())
    assert other.get(f"/account/api-tokens/{token.id}/revoke").status_code == 404
    assert other.post(f"/account/api-tokens/{token.id}/revoke").status_code == 404
    assert "Council data warehouse" not in other.get("/account/api-tokens").get_data(as_text=True)
    db.session.expire_all()
    assert token.revoked_at is None
    api.get("/rounds", secret)


def test_last_used_is_written_at_most_once_a_minute(api, person, db):
    from datetime import timedelta

    secret = make_token(person)
    [token] = _tokens(person)
    assert token.last_used_at is None
    api.get("/rounds", secret)
    db.session.expire_all()
    first = token.last_used_at
    assert first is not None
    api.get("/rounds", secret)
    db.session.expire_all()
    assert token.last_used_at == first
    token.last_used_at = first - timedelta(minutes=2)
    db.session.commit()
    api.get("/rounds", secret)
    db.session.expire_all()
    assert token.last_used_at > first - timedelta(minutes=2)
