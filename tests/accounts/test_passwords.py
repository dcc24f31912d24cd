import re

from grants.accounts.models import User
from grants.core.audit import AuditEvent
from grants.notifications.models import Notification
from grants.notifications.tasks import REMOVED
from tests.factories import PASSWORD, UserFactory
from tests.helpers import error_summary, field_error, h1

NEW = "a brand new long password"


def reset_link(mailbox) -> str:
    message = mailbox.wait_for(1)[-1]
    assert message["Subject"] == "Reset your Grants password"
    return re.search(r"http://[^/]+(/password/reset/\S+)", message.get_body(("plain",)).get_content()).group(1)


def ask_for_reset(client, mailbox, email="lead@example.org"):
    response = client.post("/password/forgot", data={"email": email})
    assert h1(response.get_data(as_text=True)) == "Check your email"
    return reset_link(mailbox)


def test_forgotten_password_is_reset_through_the_emailed_link(smtp_app, db, client, mailbox):
    user = UserFactory(email="lead@example.org")
    link = ask_for_reset(client, mailbox)
    response = client.post(link, data={"password": NEW, "confirm_password": NEW})
    assert response.headers["Location"] == "/sign-in"
    db.session.refresh(user)
    assert user.check_password(NEW) and not user.check_password(PASSWORD)
    assert client.post("/sign-in", data={"email": "lead@example.org", "password": NEW}).status_code == 302
    assert mailbox.wait_for(2)[-1]["Subject"] == "Your Grants password has been changed"


def test_the_reset_link_is_not_kept_once_sent(smtp_app, db, client, mailbox):
    UserFactory(email="lead@example.org")
    link = ask_for_reset(client, mailbox)
    stored = db.session.scalars(db.select(Notification).where(Notification.template == "password_reset")).one()
    assert stored.status == "sent" and stored.body_text == REMOVED and link not in stored.body_html


def test_captured_reset_links_are_not_kept_or_shown_to_programme_officers(app, db, client, programme_officer_client):
    UserFactory(email="lead@example.org")
    client.post("/password/forgot", data={"email": "lead@example.org"})
    stored = db.session.scalars(db.select(Notification).where(Notification.template == "password_reset")).one()
    assert stored.status == "captured" and "/password/reset/" not in stored.body_text + stored.body_html
    page = programme_officer_client.get(f"/email/{stored.id}").get_data(as_text=True)
    assert "/password/reset/" not in page and "only they can read it" in page


def test_asking_again_within_a_quarter_hour_sends_no_second_email(smtp_app, db, client, mailbox):
    UserFactory(email="lead@example.org")
    ask_for_reset(client, mailbox)
    response = client.post("/password/forgot", data={"email": "lead@example.org"})
    assert h1(response.get_data(as_text=True)) == "Check your email"
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification)) == 1


def test_a_reset_link_works_only_once(smtp_app, db, client, mailbox):
    UserFactory(email="lead@example.org")
    link = ask_for_reset(client, mailbox)
    client.post(link, data={"password": NEW, "confirm_password": NEW})
    response = client.post(link, data={"password": "yet another password", "confirm_password": "yet another password"})
    assert response.status_code == 400
    assert "expired or has already been used" in h1(response.get_data(as_text=True))
    user = db.session.scalars(db.select(User).where(User.email == "lead@example.org")).one()
    assert user.check_password(NEW)


def test_a_reset_ends_every_other_session(smtp_app, db, client, mailbox):
    user = UserFactory(email="lead@example.org")
    laptop = smtp_app.test_client()
    laptop.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert laptop.get("/account").status_code == 200
    link = ask_for_reset(client, mailbox)
    client.post(link, data={"password": NEW, "confirm_password": NEW})
    assert laptop.get("/account").status_code == 302


def test_an_expired_reset_link_is_refused(smtp_app, db, client, mailbox, monkeypatch):
    UserFactory(email="lead@example.org")
    link = ask_for_reset(client, mailbox)
    monkeypatch.setitem(smtp_app.config, "PASSWORD_RESET_MAX_AGE", -1)
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


def test_every_problem_with_a_new_password_shows_at_once(smtp_app, db, client, mailbox):
    user = UserFactory(email="lead@example.org")
    link = ask_for_reset(client, mailbox)
    html = client.post(link, data={"password": "short", "confirm_password": "other"}).get_data(as_text=True)
    assert field_error(html, "password") == "Password must be 12 characters or more"
    assert error_summary(html) == ["Password must be 12 characters or more", "The passwords do not match"]
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
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.object_id == str(user.id))).all()
    assert [(event.action, event.object_type) for event in events] == [("auth.password_change_failed", "user")]


def test_a_first_password_chosen_through_an_invitation_is_not_reported_as_changed(app, db, client):
    """An invited person (no password yet) choosing one is not warned that 'your password has changed';
    a reset of an existing password still is (above)."""
    from grants.accounts.tokens import make_reset_token

    user = UserFactory(email="invited@example.org")
    user.password_hash = None
    db.session.flush()
    response = client.post(f"/password/reset/{make_reset_token(user)}", data={"password": NEW, "confirm_password": NEW})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.check_password(NEW)
    sent = db.session.scalars(db.select(Notification.template).where(Notification.recipient_email == user.email)).all()
    assert "password_changed" not in sent
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "auth.password_reset")).one()
    assert event.after == {"first": True}
