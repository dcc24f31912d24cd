"""With CSRF on (as in production), a form posted without the right token is refused and changes nothing."""

import pytest

from grants.accounts.models import User
from grants.core.audit import AuditEvent
from tests.factories import PASSWORD, UserFactory
from tests.helpers import csrf_token


@pytest.fixture
def csrf_app(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    return app


def refusals(db):
    return db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "access.csrf_refused")).all()


REGISTRATION = {
    "name": "Mallory",
    "email": "mallory@example.org",
    "password": "long enough password",
    "confirm_password": "long enough password",
}


def test_a_post_without_a_token_is_refused_and_changes_nothing(csrf_app, db):
    response = csrf_app.test_client().post("/register", data=REGISTRATION)
    assert response.status_code == 400
    assert "did not come from this service" in response.get_data(as_text=True)
    assert db.session.scalars(db.select(User)).all() == []
    assert len(refusals(db)) == 1


def test_a_wrong_token_is_refused(csrf_app, db):
    response = csrf_app.test_client().post("/register", data={**REGISTRATION, "csrf_token": "forged"})
    assert response.status_code == 400
    assert db.session.scalars(db.select(User)).all() == []


def test_another_sessions_token_is_refused(csrf_app, db):
    victim, attacker = csrf_app.test_client(), csrf_app.test_client()
    token = csrf_token(attacker.get("/register").get_data(as_text=True))
    victim.get("/register")
    response = victim.post("/register", data={**REGISTRATION, "csrf_token": token})
    assert response.status_code == 400
    assert db.session.scalars(db.select(User)).all() == []


def test_sign_out_without_a_token_does_not_sign_out(csrf_app, db):
    user = UserFactory()
    client = csrf_app.test_client()
    token = csrf_token(client.get("/sign-in").get_data(as_text=True))
    client.post("/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert client.post("/sign-out").status_code == 400
    assert client.get("/account").status_code == 200


def test_the_same_form_with_its_token_is_accepted(csrf_app, db):
    client = csrf_app.test_client()
    token = csrf_token(client.get("/register").get_data(as_text=True))
    assert client.post("/register", data={**REGISTRATION, "csrf_token": token}).status_code == 302
    assert db.session.scalars(db.select(User.email)).all() == ["mallory@example.org"]
