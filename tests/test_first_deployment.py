"""A first deployment, as docs/deployment.md's "First deployment" tells it, from an empty PostgreSQL database: the
migrations, ``reference-data load`` (twice), the first administrator and officer from the command line,
then through the website only: the officer creates and publishes a round, and an applicant registers,
sets up their organisation in a local authority area and starts a bid.

CSRF is on, as in production: every form is fetched first and posted with the hidden fields it carries.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pyotp
import pytest
from flask_migrate import upgrade
from werkzeug.datastructures import MultiDict

from grants.accounts.models import User
from grants.applications.models import Application
from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from grants.core.times import london_today
from grants.directory.models import Organisation, Place, Theme
from grants.extensions import db
from grants.rounds.models import Round
from tests.conftest import drop_database, make_test_app, new_database
from tests.fixtures.clients import IsolatedClient
from tests.helpers import text

ADMIN_PASSWORD = "first administrator's long secret"
OFFICER_PASSWORD = "first officer's long secret"
APPLICANT_PASSWORD = "an applicant's long secret"


class _Forms(HTMLParser):
    """The forms of a page: where each posts, its hidden fields and the options of its selects."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._option: list | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = {"action": attrs.get("action", ""), "hidden": [], "fields": set(), "options": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag in {"input", "textarea", "select"} and attrs.get("name"):
            self._form["fields"].add(attrs["name"])
            if tag == "input" and attrs.get("type") == "hidden":
                self._form["hidden"].append((attrs["name"], attrs.get("value", "")))
            if tag == "select":
                self._select = attrs["name"]
                self._form["options"][self._select] = []
        elif tag == "option" and self._select:
            self._option = [attrs.get("value", ""), ""]
            self._form["options"][self._select].append(self._option)

    def handle_data(self, data):
        if self._option is not None:
            self._option[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "option":
            if self._option is not None:
                self._option[1] = self._option[1].strip()
            self._option = None


def forms_on(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def the_form(html: str, *, posting_to: str | None = None, with_field: str | None = None) -> dict:
    """The one form on the page that posts to ``posting_to`` (or has the field ``with_field``)."""
    found = [
        form
        for form in forms_on(html)
        if (posting_to is None or form["action"] == posting_to) and (with_field is None or with_field in form["fields"])
    ]
    assert found, f"no form posting to {posting_to} with {with_field} on the page"
    return found[0]


def submit(client, url: str, data: dict, *, posting_to: str | None = None, with_field: str | None = None):
    """GET the page, then post its form with its hidden fields (CSRF token, form key) and ``data``."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    form = the_form(page.get_data(as_text=True), posting_to=posting_to, with_field=with_field)
    fields = MultiDict(form["hidden"])
    for name, value in data.items():
        fields.setlist(name, value if isinstance(value, list) else [value])
    return client.post(form["action"] or url, data=fields)


def follow(client, response, *, expect: int = 302):
    assert response.status_code == expect, (response.status_code, text(response.get_data(as_text=True))[:600])
    return client.get(response.headers["Location"])


@pytest.fixture
def fresh_app(app, postgres_server_url):
    """The application on a PostgreSQL database of its own, created empty for this test and dropped after.
    CSRF is on and staff must set up two-factor sign-in, as in production."""
    url = new_database(postgres_server_url, "grants_fresh")
    application = make_test_app(url, WTF_CSRF_ENABLED=True, TWO_FACTOR_REQUIRED=True)
    application.test_client_class = IsolatedClient
    try:
        yield application
    finally:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
        drop_database(url)


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def cli(application, *args: str):
    result = application.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def sign_in_staff(application, email: str, password: str):
    """Sign in through the pages; a first sign-in sets up two-factor sign-in with an authenticator app."""
    client = application.test_client()
    response = submit(client, "/sign-in", {"email": email, "password": password})
    assert response.status_code == 302
    setup = client.get("/")  # staff who must use two-factor are sent to set it up first
    assert setup.headers["Location"] == "/account/two-factor/set-up"
    page = client.get("/account/two-factor/set-up").get_data(as_text=True)
    secret = re.search(r'data-testid="two-factor-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    response = submit(client, "/account/two-factor/set-up", {"code": pyotp.TOTP(secret).now()}, with_field="code")
    assert response.status_code == 200 and "recovery codes" in text(response.get_data(as_text=True)).lower()
    assert client.get("/").status_code == 200
    return client


def register_applicant(application, name: str, email: str):
    """Register at /register, then confirm the address through the emailed link (the password asked
    again), as applicants do."""
    from tests.fixtures.mail import emailed_link

    client = application.test_client()
    response = submit(
        client,
        "/register",
        {"name": name, "email": email, "password": APPLICANT_PASSWORD, "confirm_password": APPLICANT_PASSWORD},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/register/check-your-email"
    response = submit(client, emailed_link(email, "/register/confirm/"), {"password": APPLICANT_PASSWORD})
    assert response.status_code == 302, error_text(response)
    assert client.get("/account").status_code == 200
    return client


def error_text(response) -> str:
    return text(response.get_data(as_text=True))[:600]


def test_a_first_deployment_from_an_empty_database_takes_a_bid(fresh_app):
    # 1. The schema, on an empty database.
    with fresh_app.app_context():
        upgrade()
        assert count(Place) == 0 and count(Theme) == 0 and count(User) == 0

    # 2. The reference data, loaded twice: the second run changes nothing.
    first = cli(fresh_app, "reference-data", "load")
    assert "382 added, 0 updated, 0 removed; 382 areas in all." in first
    with fresh_app.app_context():
        areas = {place.ons_code: (place.id, place.name) for place in db.session.scalars(db.select(Place))}
        themes = {theme.slug: theme.id for theme in db.session.scalars(db.select(Theme))}
        events = count(AuditEvent)
    assert len(areas) == 382 and len(themes) == 8
    second = cli(fresh_app, "reference-data", "load")
    assert "Nothing changed" in second
    with fresh_app.app_context():
        assert {place.ons_code: (place.id, place.name) for place in db.session.scalars(db.select(Place))} == areas
        assert {theme.slug: theme.id for theme in db.session.scalars(db.select(Theme))} == themes
        assert count(AuditEvent) == events

    # 3. The first administrator and programme officer, from the command line.
    cli(fresh_app, "users", "create", "--email", "admin@council.example", "--name", "Alex Morgan", "--role", "admin",
        "--password", ADMIN_PASSWORD)  # fmt: skip
    cli(fresh_app, "users", "create", "--email", "officer@council.example", "--name", "Sam Patel",
        "--role", "programme_officer", "--password", OFFICER_PASSWORD)  # fmt: skip
    listed = cli(fresh_app, "users", "list")
    assert "admin@council.example" in listed and "officer@council.example" in listed

    # The administrator can sign in and sees the officer among the people.
    administrator = sign_in_staff(fresh_app, "admin@council.example", ADMIN_PASSWORD)
    assert "officer@council.example" in text(administrator.get("/admin/people").get_data(as_text=True))

    # 4. The officer creates a round through the pages and publishes it.
    officer = sign_in_staff(fresh_app, "officer@council.example", OFFICER_PASSWORD)
    form_page = officer.get("/manage/rounds/new").get_data(as_text=True)
    offered_themes = re.findall(r'name="themes"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="themes"', form_page)
    assert len(offered_themes) == 8  # the default themes, offered for the round's scope
    today = london_today()
    opens, closes = today - timedelta(days=1), today + timedelta(days=60)
    response = submit(
        officer,
        "/manage/rounds/new",
        {
            "title": "Local Vision wave 1",
            "code": "LV1",
            "summary": "Funding for local partnerships tackling a wicked issue together.",
            "guidance": "Apply as a partnership of at least two sectors.",
            "opens_on": [str(opens.day), str(opens.month), str(opens.year)],
            "opens_time": "9am",
            "closes_on": [str(closes.day), str(closes.month), str(closes.year)],
            "closes_time": "12pm",
            "assessment_deadline": [str(closes.day), str(closes.month), str(closes.year + 1)],
            "award": "27,000",
            "match_required": "10,000",
            "match_funder_label": "the local health and wellbeing board",
            "places": "25",
            "budget": "",
            "tranche_plan": "50, 30, 20",
            "project_months": "12",
            "report_every_months": "3",
            "min_partner_sectors": "2",
            "min_confirmed_partners": "1",
            "match_at_least_required": "y",
            "min_learning_commitments": "1",
            "themes": [first or second for first, second in offered_themes],
        },
        with_field="title",
    )
    round_page = follow(officer, response, expect=302)
    round_url = response.headers["Location"]
    assert "LV1" in text(round_page.get_data(as_text=True))
    round_id = int(round_url.rstrip("/").rsplit("/", 1)[-1])
    published = submit(officer, round_url, {"target": "open"}, posting_to=f"/manage/rounds/{round_id}/status")
    assert "is now open" in text(follow(officer, published, expect=302).get_data(as_text=True)).lower()
    with fresh_app.app_context():
        round_ = db.session.get(Round, round_id)
        assert round_.status == "open" and round_.is_accepting()

    # 5. An applicant registers, sets up their organisation in a local authority area and starts a bid.
    applicant = register_applicant(fresh_app, "Aisha Khan", "aisha@wigan-food.example")
    organisation_page = applicant.get("/organisation").get_data(as_text=True)
    options = the_form(organisation_page, with_field="place_id")["options"]["place_id"]
    areas_offered = {label: value for value, label in options if value}
    assert len(areas_offered) == 382
    assert {"Wigan", "Cardiff", "City of Edinburgh", "Belfast", "Lancashire"} <= set(areas_offered)
    response = submit(
        applicant,
        "/organisation",
        {
            "name": "Wigan Community Food Network",
            "sector": "voluntary_community",
            "charity_number": "1190001",
            "company_number": "",
            "org_id": "",
            "address_line_1": "12 Market Street",
            "address_line_2": "",
            "town": "Wigan",
            "postcode": "WN1 1HX",
            "place_id": areas_offered["Wigan"],
        },
        with_field="place_id",
    )
    assert response.status_code == 302, error_text(response)

    public_round = f"/rounds/{round_id}"
    assert f"/rounds/{round_id}/start" in applicant.get(public_round).get_data(as_text=True)
    response = submit(
        applicant, f"/rounds/{round_id}/start", {"title": "Food on every table in Wigan"}, with_field="title"
    )
    bid_page = follow(applicant, response, expect=302)
    assert bid_page.status_code == 200
    assert "Local Vision wave 1" in text(bid_page.get_data(as_text=True))

    with fresh_app.app_context():
        organisation = db.session.scalars(db.select(Organisation)).one()
        assert (organisation.place.ons_code, organisation.place.name) == ("E08000010", "Wigan")
        bid = db.session.scalars(db.select(Application)).one()
        assert (bid.round_id, bid.lead_organisation_id, bid.status) == (round_id, organisation.id, "draft")
        applicant_user = db.session.scalars(db.select(User).where(User.email == "aisha@wigan-food.example")).one()
        assert applicant_user.roles == {Role.APPLICANT}
        assert response.headers["Location"] == f"/applications/{bid.id}"
