import pytest

from grants.core.audit import AuditEvent
from tests.factories import PASSWORD, UserFactory
from tests.helpers import error_summary, field_error, h1


def audit_actions(db, action):
    return db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)).all()


def sign_in(client, email, password=PASSWORD, next_url=None):
    url = "/sign-in" + (f"?next={next_url}" if next_url is not None else "")
    return client.post(url, data={"email": email, "password": password})


def test_sign_in_then_sign_out(db, client):
    user = UserFactory(email="priya@example.org")
    response = sign_in(client, "Priya@Example.org ")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert h1(client.get("/").get_data(as_text=True)) == "Your work"
    signed_in = audit_actions(db, "auth.signed_in")[0]
    assert (signed_in.actor_id, signed_in.object_type, signed_in.object_id) == (user.id, "user", str(user.id))

    response = client.post("/sign-out")
    assert response.headers["Location"] == "/sign-in"
    assert client.get("/account").status_code == 302
    signed_out = audit_actions(db, "auth.signed_out")[0]
    assert (signed_out.actor_id, signed_out.object_type, signed_out.object_id) == (user.id, "user", str(user.id))


def test_wrong_password_is_refused_audited_and_explained_beside_the_field(db, client):
    user = UserFactory(email="tom@example.org")
    response = sign_in(client, "tom@example.org", "not the password")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_summary(html) == ["Enter a correct email address and password"]
    assert field_error(html, "email") == "Enter a correct email address and password"
    assert "<title>Error: Sign in" in html
    failed = audit_actions(db, "auth.sign_in_failed")
    assert [(event.object_type, event.object_id, event.after) for event in failed] == [
        ("user", str(user.id), {"email": "tom@example.org"})
    ]
    assert client.get("/account").status_code == 302


def test_unknown_email_is_refused_the_same_way_and_audited(db, client):
    html = sign_in(client, "nobody@example.org").get_data(as_text=True)
    assert field_error(html, "email") == "Enter a correct email address and password"
    failed = audit_actions(db, "auth.sign_in_failed")
    assert [(event.object_id, event.after) for event in failed] == [(None, {"email": "nobody@example.org"})]


def test_inactive_account_cannot_sign_in(db, client):
    UserFactory(email="gone@example.org", is_active=False)
    html = sign_in(client, "gone@example.org").get_data(as_text=True)
    assert field_error(html, "email") == "Enter a correct email address and password"


def test_empty_form_says_what_is_missing(db, client):
    html = client.post("/sign-in", data={"email": "", "password": ""}).get_data(as_text=True)
    assert error_summary(html) == ["Enter your email address", "Enter your password"]


def test_sign_in_starts_a_new_session(app, db, client):
    user = UserFactory()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    sign_in(client, user.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == user.session_token


def test_a_replayed_cookie_from_before_sign_out_is_refused(app, db, client):
    user = UserFactory()
    sign_in(client, user.email)
    stolen = client.get_cookie("grants_session").value
    assert client.get("/account").status_code == 200
    client.post("/sign-out")

    replay = app.test_client()
    replay.set_cookie("grants_session", stolen)
    response = replay.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_sign_out_ends_the_sessions_on_other_devices_too(app, db):
    user = UserFactory()
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, user.email)
    sign_in(phone, user.email)
    laptop.post("/sign-out")
    assert phone.get("/account").status_code == 302


def test_signed_out_person_is_sent_to_sign_in_and_back(db, client):
    user = UserFactory()
    response = client.get("/account?tab=roles")
    assert response.headers["Location"] == "/sign-in?next=/account?tab%3Droles"
    response = sign_in(client, user.email, next_url="/account?tab%3Droles")
    assert response.headers["Location"] == "/account?tab=roles"


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "%2F%2Fevil.example",
        "/%09/evil.example",
        "https:evil.example",
    ],
)
def test_next_never_leaves_the_site(db, client, next_url):
    user = UserFactory()
    response = sign_in(client, user.email, next_url=next_url)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_get_sign_out_asks_for_confirmation_and_does_not_sign_out(db, client_for):
    client = client_for(UserFactory())
    html = client.get("/sign-out").get_data(as_text=True)
    assert h1(html) == "Sign out"
    assert client.get("/account").status_code == 200


def test_a_nul_character_in_the_form_is_refused_cleanly(db, client):
    response = client.post("/sign-in", data={"email": "a\x00@example.org", "password": "x"})
    assert response.status_code == 400
    assert db.session.scalars(db.select(AuditEvent)).all() == []


def test_a_name_of_only_spaces_is_not_a_name(db, client):
    from tests.helpers import field_error

    html = client.post(
        "/register",
        data={
            "name": "   ",
            "email": "a@example.org",
            "password": "long enough pass",
            "confirm_password": "long enough pass",
        },
    ).get_data(as_text=True)
    assert field_error(html, "name") == "Enter your full name"
