import pytest

from grants.accounts.models import User
from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from tests.factories import UserFactory
from tests.helpers import error_summary, field_error

GOOD = {
    "name": "Aisha Khan",
    "email": "aisha@example.org",
    "password": "a long enough secret",
    "confirm_password": "a long enough secret",
}


def users(db):
    return db.session.scalars(db.select(User)).all()


def test_an_applicant_registers_and_is_signed_in(db, client):
    response = client.post("/register", data=GOOD)
    assert response.headers["Location"] == "/"
    user = db.session.scalars(db.select(User).where(User.email == "aisha@example.org")).one()
    assert user.roles == {Role.APPLICANT}
    assert user.password_hash.startswith("scrypt:") and "a long enough secret" not in user.password_hash
    assert client.get("/account").status_code == 200
    actions = db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["user.created", "user.registered"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": ""}, "name", "Enter your full name"),
        ({"email": "not-an-email"}, "email", "Enter an email address in the correct format, like name@example.org"),
        ({"password": "short", "confirm_password": "short"}, "password", "Password must be 12 characters or more"),
        ({"confirm_password": "something else entirely"}, "confirm_password", "The passwords do not match"),
        (
            {"password": "aisha@example.org", "confirm_password": "aisha@example.org"},
            "password",
            "Password must not be your email address",
        ),
    ],
)
def test_bad_input_is_explained_beside_the_field_and_creates_nothing(db, client, change, field, message):
    response = client.post("/register", data={**GOOD, **change})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_error(html, field) == message
    assert message in error_summary(html)
    assert users(db) == []


def test_an_email_already_registered_is_refused(db, client):
    UserFactory(email="aisha@example.org")
    html = client.post("/register", data={**GOOD, "email": "AISHA@example.org"}).get_data(as_text=True)
    assert field_error(html, "email") == "An account with this email address already exists"
    assert len(users(db)) == 1
