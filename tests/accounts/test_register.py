"""Registration answers the same for every address, emails only the address's owner, and makes an account
usable only once the owner confirms it through the emailed link."""

import pytest

from grants.accounts import services
from grants.accounts.models import User
from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from grants.notifications.models import Notification
from tests.factories import PASSWORD, UserFactory
from tests.fixtures.mail import delivered_to, emailed_link
from tests.helpers import error_summary, field_error, h1, register, text

GOOD = {
    "name": "Aisha Khan",
    "email": "aisha@example.org",
    "password": "a long enough secret",
    "confirm_password": "a long enough secret",
}
CHECK_EMAIL = "/register/check-your-email"


def users(db):
    return db.session.scalars(db.select(User)).all()


def actions(db):
    return db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)).all()


def sign_in(client, email="aisha@example.org", password=GOOD["password"]):
    return client.post("/sign-in", data={"email": email, "password": password})


def test_a_newcomer_registers_confirms_by_the_emailed_link_and_is_signed_in(db, client):
    response = client.post("/register", data=GOOD)
    assert response.headers["Location"] == CHECK_EMAIL
    page = text(client.get(CHECK_EMAIL).get_data(as_text=True))
    assert "Check your email" in page and "aisha@example.org" in page
    user = db.session.scalars(db.select(User).where(User.email == "aisha@example.org")).one()
    assert user.roles == {Role.APPLICANT} and not user.is_confirmed
    assert user.password_hash.startswith("scrypt:") and "a long enough secret" not in user.password_hash
    assert client.get("/account").status_code == 302  # not signed in
    [message] = delivered_to("aisha@example.org")
    assert message.subject == "Confirm your email address for Grants"

    link = emailed_link("aisha@example.org", "/register/confirm/")
    assert h1(client.get(link).get_data(as_text=True)) == "Confirm your email address"
    assert db.session.get(User, user.id).unconfirmed_since is not None  # opening the link changes nothing
    response = client.post(link, data={"password": GOOD["password"]})
    assert response.headers["Location"] == "/"
    assert client.get("/account").status_code == 200
    db.session.expire_all()
    assert db.session.get(User, user.id).is_confirmed
    assert actions(db) == ["user.created", "user.registered", "user.email_confirmed", "auth.signed_in"]


def test_an_unconfirmed_account_cannot_sign_in(db, client):
    client.post("/register", data=GOOD)
    html = sign_in(client).get_data(as_text=True)
    assert field_error(html, "email").startswith("Confirm your email address first")
    assert client.get("/account").status_code == 302
    assert "auth.sign_in_unconfirmed" in actions(db)
    # With a wrong password it is the usual refusal: nothing says the address is registered.
    html = sign_in(client, password="not the password at all").get_data(as_text=True)
    assert field_error(html, "email") == "Enter a correct email address and password"


def test_an_address_with_an_account_gets_the_same_answer_and_its_owner_an_email(db, client):
    owner = UserFactory(email="aisha@example.org", name="Aisha Original")
    response = client.post("/register", data={**GOOD, "email": "AISHA@example.org"})
    assert response.headers["Location"] == CHECK_EMAIL
    assert "Check your email" in text(client.get(CHECK_EMAIL).get_data(as_text=True))
    assert len(users(db)) == 1
    db.session.refresh(owner)
    assert owner.name == "Aisha Original" and owner.check_password(PASSWORD)
    [message] = delivered_to("aisha@example.org")
    assert message.subject == "Someone tried to register with your email address"
    assert "/sign-in" in message.body and "/password/forgot" in message.body
    assert "user.registration_refused" in actions(db)
    # Asking again at once sends nothing more.
    client.post("/register", data=GOOD)
    assert len(delivered_to("aisha@example.org")) == 1


def test_the_new_and_the_existing_address_get_the_same_page(db, client, app):
    UserFactory(email="taken@example.org")
    pages = []
    for email in ("taken@example.org", "new@example.org"):
        visitor = app.test_client()
        response = visitor.post("/register", data={**GOOD, "email": email})
        assert response.status_code == 302 and response.headers["Location"] == CHECK_EMAIL
        pages.append(text(visitor.get(CHECK_EMAIL).get_data(as_text=True)).replace(email, "ADDRESS"))
    assert pages[0] == pages[1]


def test_registering_an_unconfirmed_address_again_takes_it_from_the_first_registrant(db, client, app):
    """Someone registers another person's address first: they can never use it, and when the owner
    registers, the owner's password is the one that counts and the first link stops working."""
    squatter = {
        **GOOD,
        "name": "Mallory",
        "password": "mallory's own secret",
        "confirm_password": "mallory's own secret",
    }
    client.post("/register", data=squatter)
    first_link = emailed_link("aisha@example.org", "/register/confirm/")

    owner = app.test_client()
    owner.post("/register", data=GOOD)
    owner_link = emailed_link("aisha@example.org", "/register/confirm/")
    assert owner_link != first_link and len(delivered_to("aisha@example.org")) == 2
    [user] = users(db)
    db.session.refresh(user)
    assert user.name == "Aisha Khan" and user.check_password(GOOD["password"]) and not user.is_confirmed

    refused = client.post(first_link, data={"password": squatter["password"]})
    assert refused.status_code == 400 and "no longer valid" in text(refused.get_data(as_text=True))
    assert owner.post(owner_link, data={"password": GOOD["password"]}).headers["Location"] == "/"
    assert sign_in(app.test_client(), password=squatter["password"]).status_code == 200  # refused


def test_the_link_needs_the_registrants_password(db, client, app):
    """The owner of an address who follows a link for someone else's registration cannot take it up."""
    client.post("/register", data=GOOD)
    link = emailed_link("aisha@example.org", "/register/confirm/")
    html = app.test_client().post(link, data={"password": "a guess at the password"}).get_data(as_text=True)
    assert field_error(html, "password") == "Enter the password you chose when you registered"
    assert not users(db)[0].is_confirmed


def test_confirming_twice_gives_one_account_and_the_second_click_is_no_error(db, client):
    client.post("/register", data=GOOD)
    link = emailed_link("aisha@example.org", "/register/confirm/")
    for _ in range(2):
        response = client.post(link, data={"password": GOOD["password"]})
        assert response.status_code == 302 and response.headers["Location"] == "/"
    assert h1(client.get(link).get_data(as_text=True)) == "Your email address is already confirmed"
    assert len(users(db)) == 1 and actions(db).count("user.email_confirmed") == 1


def test_a_used_confirmation_link_is_not_a_second_way_to_sign_in(db, app, client):
    """Once the address is confirmed, the link signs nobody in: the password is checked on the sign-in
    page, with its limits, alone."""
    client.post("/register", data=GOOD)
    link = emailed_link("aisha@example.org", "/register/confirm/")
    assert client.post(link, data={"password": GOOD["password"]}).headers["Location"] == "/"
    stranger = app.test_client()
    response = stranger.post(link, data={"password": GOOD["password"]})
    assert response.status_code == 200
    assert h1(response.get_data(as_text=True)) == "Your email address is already confirmed"
    assert stranger.get("/account").status_code == 302  # not signed in


def test_a_double_click_on_register_makes_one_account_and_one_email(db, client):
    for _ in range(2):
        assert client.post("/register", data=GOOD).headers["Location"] == CHECK_EMAIL
    assert len(users(db)) == 1
    assert len(delivered_to("aisha@example.org")) == 1
    link = emailed_link("aisha@example.org", "/register/confirm/")
    assert client.post(link, data={"password": GOOD["password"]}).headers["Location"] == "/"


def test_a_password_reset_proves_the_address_too(db, client):
    client.post("/register", data={**GOOD, "name": "Mallory"})
    client.post("/password/forgot", data={"email": "aisha@example.org"})
    link = emailed_link("aisha@example.org", "/password/reset/")
    new = "the owner's new secret"
    assert client.post(link, data={"password": new, "confirm_password": new}).status_code == 302
    assert sign_in(client, password=new).headers["Location"] == "/"


def test_a_forged_or_stale_link_is_refused(db, client):
    assert client.get("/register/confirm/not-a-real-token").status_code == 400
    assert client.post("/register/confirm/not-a-real-token", data={"password": "x"}).status_code == 400


def test_the_confirmation_email_is_private(db, client, programme_officer_client):
    client.post("/register", data=GOOD)
    message = db.session.scalars(db.select(Notification).where(Notification.template == "confirm_email")).one()
    assert message.sensitive and "/register/confirm/" not in message.body_text
    page = programme_officer_client.get(f"/email/{message.id}").get_data(as_text=True)
    assert "/register/confirm/" not in page and "only they can read it" in text(page)


def test_the_register_helper_walks_the_forms(db, client):
    register(client, name="Aisha Khan", email="aisha@example.org", password=GOOD["password"])
    assert client.get("/account").status_code == 200


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
    assert services.user_by_email("aisha@example.org") is None
