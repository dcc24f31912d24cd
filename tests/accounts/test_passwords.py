import re

from grants.accounts.models import User
from grants.core.audit import AuditEvent
from grants.notifications.models import Notification
from tests.factories import PASSWORD, UserFactory
from tests.helpers import field_error, h1

NEW = "a brand new long password"


def reset_link(db, email) -> str:
    message = db.session.scalars(
        db.select(Notification).where(Notification.recipient_email == email, Notification.template == "password_reset")
    ).one()
    assert message.status == "captured"
    return re.search(r"http://[^/]+(/password/reset/\S+)", message.body_text).group(1)


def test_forgotten_password_is_reset_through_the_emailed_link(db, client):
    user = UserFactory(email="lead@example.org")
    response = client.post("/password/forgot", data={"email": "lead@example.org"})
    assert h1(response.get_data(as_text=True)) == "Check your email"
    link = reset_link(db, "lead@example.org")

    response = client.post(link, data={"password": NEW, "confirm_password": NEW})
    assert response.headers["Location"] == "/sign-in"
    db.session.refresh(user)
    assert user.check_password(NEW) and not user.check_password(PASSWORD)
    assert client.post("/sign-in", data={"email": "lead@example.org", "password": NEW}).status_code == 302
    changed = db.session.scalars(db.select(Notification).where(Notification.template == "password_changed")).one()
    assert changed.recipient_email == "lead@example.org"


def test_a_reset_link_works_only_once(db, client):
    UserFactory(email="lead@example.org")
    client.post("/password/forgot", data={"email": "lead@example.org"})
    link = reset_link(db, "lead@example.org")
    client.post(link, data={"password": NEW, "confirm_password": NEW})
    response = client.post(link, data={"password": "yet another password", "confirm_password": "yet another password"})
    assert response.status_code == 400
    assert "expired or has already been used" in h1(response.get_data(as_text=True))
    user = db.session.scalars(db.select(User).where(User.email == "lead@example.org")).one()
    assert user.check_password(NEW)


def test_an_expired_reset_link_is_refused(app, db, client, monkeypatch):
    UserFactory(email="lead@example.org")
    client.post("/password/forgot", data={"email": "lead@example.org"})
    link = reset_link(db, "lead@example.org")
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -1)
    assert client.get(link).status_code == 400


def test_a_forged_reset_link_is_refused(db, client):
    UserFactory(email="lead@example.org")
    assert client.get("/password/reset/not-a-real-token").status_code == 400


def test_unknown_email_gets_the_same_answer_and_no_email(db, client):
    response = client.post("/password/forgot", data={"email": "nobody@example.org"})
    assert h1(response.get_data(as_text=True)) == "Check your email"
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification)) == 0
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "auth.password_reset_requested")).one()
    assert event.after == {"email": "nobody@example.org", "known": False}


def test_a_too_short_new_password_is_refused_beside_the_field(db, client):
    user = UserFactory(email="lead@example.org")
    client.post("/password/forgot", data={"email": "lead@example.org"})
    link = reset_link(db, "lead@example.org")
    html = client.post(link, data={"password": "short", "confirm_password": "short"}).get_data(as_text=True)
    assert field_error(html, "password") == "Password must be 12 characters or more"
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_changing_password_ends_other_sessions_but_keeps_this_one(app, db):
    user = UserFactory()
    here, elsewhere = app.test_client(), app.test_client()
    for client in (here, elsewhere):
        client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    response = here.post(
        "/account/password", data={"current_password": PASSWORD, "password": NEW, "confirm_password": NEW}
    )
    assert response.headers["Location"] == "/account"
    assert here.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 302
    db.session.refresh(user)
    assert user.check_password(NEW)


def test_wrong_current_password_changes_nothing_and_is_audited(db, client_for):
    user = UserFactory()
    client = client_for(user)
    html = client.post(
        "/account/password", data={"current_password": "wrong password!", "password": NEW, "confirm_password": NEW}
    ).get_data(as_text=True)
    assert field_error(html, "current_password") == "Your current password is not correct"
    db.session.refresh(user)
    assert user.check_password(PASSWORD)
    assert db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.object_id == str(user.id))).all() == [
        "auth.password_change_failed"
    ]
