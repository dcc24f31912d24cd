"""What `make run` gives a newcomer: the embedded default on SQLite, seeded, every demo user able to sign in."""

import pytest
from flask_migrate import upgrade

from grants.demo.data import DEMO_PASSWORD, DEMO_USERS, ORGANISATIONS, PLACES, THEMES
from grants.directory.models import Organisation, Place, Theme
from grants.extensions import db
from tests.conftest import make_test_app
from tests.fixtures.clients import IsolatedClient
from tests.helpers import nav_labels
from tests.test_pages import expected_nav


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory, app):
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'grants.sqlite'}"
    application = make_test_app(url)
    application.test_client_class = IsolatedClient
    with application.app_context():
        upgrade()
    result = application.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    application.seed_output = result.output
    yield application
    with application.app_context():
        db.engine.dispose()


def test_seed_prints_every_demo_account_and_its_password(demo_app):
    assert DEMO_PASSWORD in demo_app.seed_output
    for email, *_ in DEMO_USERS:
        assert email in demo_app.seed_output


def test_seed_creates_the_programmes_reference_data(demo_app):
    with demo_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Place)) == len(PLACES)
        assert db.session.scalar(db.select(db.func.count()).select_from(Theme)) == len(THEMES)
        wigan = db.session.scalars(db.select(Place).where(Place.ons_code == "E08000010")).one()
        assert wigan.name == "Wigan"
        sectors = set(db.session.scalars(db.select(Organisation.sector)))
        assert {"local_government", "nhs", "voluntary_community", "private"} <= sectors
        assert db.session.scalar(db.select(db.func.count()).select_from(Organisation)) == len(ORGANISATIONS)


def test_seeding_twice_changes_nothing(demo_app):
    result = demo_app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0 and "already there" in result.output
    with demo_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Place)) == len(PLACES)


@pytest.mark.parametrize(("email", "name", "roles", "org"), DEMO_USERS, ids=[row[0] for row in DEMO_USERS])
def test_every_demo_user_signs_in_and_sees_the_navigation_of_their_roles(demo_app, email, name, roles, org):
    client = demo_app.test_client()
    assert client.get("/").status_code == 200
    response = client.post("/sign-in", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert nav_labels(html) == expected_nav(*roles)
    assert name in html


def test_seed_demo_refuses_to_run_in_production(demo_app, monkeypatch):
    monkeypatch.setitem(demo_app.config, "ENV_NAME", "production")
    result = demo_app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "will not run in production without --force" in result.output
