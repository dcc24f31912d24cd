"""Layout, navigation by role, error pages and response headers."""

import pytest
from flask import abort
from flask_limiter.errors import RateLimitExceeded

from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from tests.conftest import make_test_app
from tests.factories import UserFactory
from tests.fixtures.clients import sign_in_client
from tests.helpers import current_nav, h1, nav_labels, text

ALL = frozenset(Role)
READERS = {Role.PROGRAMME_OFFICER, Role.STEERING_CHAIR, Role.STEERING_MEMBER, Role.ADMIN}
# Each entry of the navigation, in order: a group of pages, each with the roles that see it. A person who
# sees one page of a group sees that page's name; one who sees more sees the group's name.
GROUPS = {
    "Rounds": {"Funding rounds": ALL, "Manage rounds": {Role.PROGRAMME_OFFICER}},
    "Bids": {
        "Your bids": {Role.APPLICANT},
        "Applications": {Role.PROGRAMME_OFFICER},
        "Your reviews": {Role.STEERING_MEMBER},
        "Assessment": {Role.STEERING_CHAIR, Role.PROGRAMME_OFFICER},
    },
    "Projects and funding": {
        "Projects": ALL - {Role.ENABLER, Role.ADMIN},
        "Your projects": {Role.ENABLER},
        "Funding": {Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER},
        "Releases waiting for your approval": {Role.FINANCE_APPROVER},
        "Enablers": {Role.PROGRAMME_OFFICER},
        "Progress reports": {Role.PROGRAMME_OFFICER},
    },
    "Programme": {
        "Programme dashboard": READERS,
        "Progress across the portfolio": READERS,
        "Partnership map": READERS,
        "Learning library": ALL,
        "Learning to review": {Role.PROGRAMME_OFFICER},
        "Download data": ALL - {Role.APPLICANT, Role.ENABLER, Role.ADMIN},
        "Publish open data (360Giving)": {Role.PROGRAMME_OFFICER, Role.ADMIN},
    },
    "Admin": {
        "People": {Role.ADMIN},
        "Audit trail": {Role.ADMIN, Role.PROGRAMME_OFFICER},
        "Email sent by the service": {Role.ADMIN, Role.PROGRAMME_OFFICER},
        "Themes": {Role.PROGRAMME_OFFICER},
        "Leadership framework": {Role.PROGRAMME_OFFICER},
        "Personal data": {Role.PROGRAMME_OFFICER},
    },
    "Account": {"Your account": ALL, "Your organisation": {Role.APPLICANT}, "Your profile": {Role.ENABLER}},
}


def expected_nav(*roles) -> list[str]:
    held = set(roles)
    labels = ["Your work"]
    for group, pages in GROUPS.items():
        seen = [page for page, allowed in pages.items() if held & set(allowed)]
        if len(seen) == 1:
            labels += seen
        elif seen:
            labels.append(group)
    return [*labels, "Sign out"]


def test_anonymous_home_page_invites_applicants_and_has_no_crown(client):
    html = client.get("/").get_data(as_text=True)
    assert h1(html) == "Funding for local partnerships to tackle shared issues together"
    assert nav_labels(html) == ["Funding rounds", "Learning library", "Sign in"]
    assert "govuk-header" not in html and "Crown copyright" not in html and "govuk-logo" not in html
    assert 'class="govuk-phase-banner' in html and "Beta" in text(html)
    assert "Skip to main content" in html


@pytest.mark.parametrize("role", list(Role))
def test_navigation_shows_what_the_role_allows(db, client_for, role):
    html = client_for(UserFactory(roles=[role])).get("/").get_data(as_text=True)
    assert nav_labels(html) == expected_nav(role)
    assert role.label in text(html)


def test_several_roles_see_the_union(db, client_for):
    html = client_for(UserFactory(roles=[Role.ADMIN, Role.PROGRAMME_OFFICER])).get("/").get_data(as_text=True)
    assert nav_labels(html) == expected_nav(Role.ADMIN, Role.PROGRAMME_OFFICER)


def test_the_current_page_is_marked_in_the_navigation(db, client_for):
    client = client_for(UserFactory())
    assert current_nav(client.get("/account").get_data(as_text=True)) == ["Your account"]
    assert current_nav(client.get("/account/password").get_data(as_text=True)) == ["Your account"]
    assert current_nav(client.get("/").get_data(as_text=True)) == ["Your work"]


@pytest.mark.parametrize("path", ["/admin/people", "/admin/audit", "/email/"])
def test_pages_outside_a_role_are_refused_and_audited(db, client_for, path):
    user = UserFactory(roles=[Role.APPLICANT])
    response = client_for(user).get(path)
    assert response.status_code == 403
    assert h1(response.get_data(as_text=True)) == "You do not have permission to see this page"
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "access.refused")).one()
    assert (event.actor_id, event.request_path) == (user.id, path)


def test_signed_out_visitors_are_sent_to_sign_in_not_refused(client):
    response = client.get("/admin/people")
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in?next=/admin/people"


def test_page_not_found(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert h1(response.get_data(as_text=True)) == "Page not found"


def test_method_not_allowed(client):
    response = client.delete("/")
    assert response.status_code == 405
    assert h1(response.get_data(as_text=True)) == "That action is not available here"


def test_request_too_large(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    response = client.post("/sign-in", data={"email": "x" * 5000, "password": "y"})
    assert response.status_code == 413
    assert h1(response.get_data(as_text=True)) == "The file or form is too large"


def test_an_unexpected_error_shows_the_service_page_not_a_traceback(app, db, client, monkeypatch):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)

    def broken():
        raise RuntimeError("boom")

    monkeypatch.setitem(app.view_functions, "main.privacy", broken)
    response = client.get("/privacy")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert h1(html) == "Sorry, there is a problem with the service"
    assert "boom" not in html and "Traceback" not in html


def test_bad_request_page(app, client, monkeypatch):
    monkeypatch.setitem(app.view_functions, "main.cookies", lambda: abort(400))
    response = client.get("/cookies")
    assert response.status_code == 400
    assert h1(response.get_data(as_text=True)) == "There is a problem with your request"


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "default-src 'self'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_inline_script_carries_the_nonce_of_its_response(client):
    response = client.get("/")
    nonce = response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in response.get_data(as_text=True)
    other = client.get("/").headers["Content-Security-Policy"]
    assert nonce not in other


def test_session_cookie_is_httponly_and_lax(db, client):
    user = UserFactory()
    response = client.post("/sign-in", data={"email": user.email, "password": "correct horse battery staple"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_govuk_frontend_assets_are_served(client):
    html = client.get("/").get_data(as_text=True)
    assert "/assets/govuk-frontend.min.css" in html
    css = client.get("/assets/govuk-frontend.min.css")
    assert css.status_code == 200 and b".govuk-template" in css.data
    assert client.get("/assets/govuk-frontend.min.js").status_code == 200
    assert client.get("/assets/fonts/bold-b542beb274-v2.woff2").status_code == 200
    assert client.get("/static/grants.js").status_code == 200


def test_health_check(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_the_health_check_reads_no_session_and_loads_no_one(db, app):
    """A session that skipped the second step is ended on any page (a redirect, a cookie cleared); the
    health check never opens the session, so it answers, leaves the cookie alone and ends nothing."""
    client = sign_in_client(app, UserFactory(roles=[Role.PROGRAMME_OFFICER]), two_factor=False)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers and "Cookie" not in response.headers.get("Vary", "")
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == 0
    assert client.get("/funding/").headers["Location"] == "/sign-in"


def test_the_health_check_is_never_rate_limited(database_url):
    app = make_test_app(database_url, RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="1 per minute")
    client = app.test_client()
    assert [client.get("/healthz").status_code for _ in range(3)] == [200, 200, 200]
    # Any page meets the default limit (its hooks run here, without the refusal's page and audit).
    with app.test_request_context("/glossary"):
        app.preprocess_request()
    with app.test_request_context("/glossary"), pytest.raises(RateLimitExceeded):
        app.preprocess_request()


def test_an_answer_that_is_not_a_page_has_the_headers_without_a_nonce(client):
    csp = client.get("/healthz").headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "nonce" not in csp and "frame-ancestors 'none'" in csp
    page = client.get("/glossary").headers
    assert "'nonce-" in page["Content-Security-Policy"] and page["Cache-Control"] == "no-store"
    headers = client.get("/healthz").headers
    for name in ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Permissions-Policy"):
        assert len(headers.getlist(name)) == 1 and headers[name] == page[name]


@pytest.mark.parametrize("path", ["/admin/people?q=a%00b", "/admin/audit?action=%00", "/admin/people?%00=1"])
def test_nul_characters_in_a_query_are_refused_cleanly(db, admin_client, path):
    assert admin_client.get(path).status_code == 400


@pytest.mark.parametrize("page", ["99999999999999999999", "-3", "x", "0"])
def test_odd_page_numbers_show_the_first_page(db, admin_client, page):
    response = admin_client.get(f"/admin/people?page={page}")
    assert response.status_code == 200
    assert "Administrator Person" in text(response.get_data(as_text=True))
