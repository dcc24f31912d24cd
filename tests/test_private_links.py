"""Every email carrying a one-use link is private: only its recipient reads it, in every state, on the
Email pages, in the console and in the personal-data download."""

import json
import logging
import re
from pathlib import Path

import pytest

from grants.accounts import services as account_services
from grants.applications.services import _invite as invite_partner
from grants.enablers.services import invite_enabler
from grants.leadership import services as leadership_services
from grants.leadership.models import Participant
from grants.notifications import services as notification_services
from grants.notifications.models import Notification
from grants.notifications.services import PRIVATE_LINK_TEMPLATES
from tests.factories import PartnerFactory, UserFactory, funded_project
from tests.helpers import text

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "email"


def test_every_email_template_with_a_token_link_is_private():
    with_links = {
        folder.name
        for folder in TEMPLATES.iterdir()
        if folder.is_dir() and any("token" in file.read_text() for file in folder.glob("body.*"))
    }
    assert with_links  # the templates were found
    assert with_links <= PRIVATE_LINK_TEMPLATES


def _partner_invitation(db):
    project = funded_project()
    partner = PartnerFactory(application=project.application, contact_email="pat@partner.example", status="invited")
    invite_partner(partner, actor=project.application.lead_applicant)
    return "partner_invitation", "pat@partner.example", None


def _password_reset(db):
    user = UserFactory(email="reset@example.org")
    account_services.request_password_reset(user.email)
    return "password_reset", user.email, user


def _enabler_invitation(db):
    user = invite_enabler(email="new.enabler@example.org", name="Nia Enabler", actor=UserFactory())
    return "enabler_invitation", user.email, user


def _self_assessment_invitation(db):
    project = funded_project()
    leadership_services.ensure_framework()
    person = Participant(project_id=project.id, name="Pat Leader", email="leader@example.org")
    db.session.add(person)
    db.session.flush()
    leadership_services.invite(project, [person], "baseline", actor=project.application.lead_applicant)
    return "self_assessment_invitation", person.email, None


def _email_confirmation(db):
    account_services.register_applicant(name="Aisha Khan", email="aisha@example.org", password="a long enough secret")
    return "confirm_email", "aisha@example.org", None


KINDS = [_partner_invitation, _password_reset, _enabler_invitation, _self_assessment_invitation, _email_confirmation]


def _queue(db, kind, monkeypatch, *, send: bool):
    if not send:  # the email waits in the outbox with its whole text, as before the mail server took it
        monkeypatch.setattr(notification_services, "enqueue_after_commit", lambda *args: None)
    template, address, user = kind(db)
    db.session.commit()
    notification = db.session.scalars(
        db.select(Notification).where(Notification.template == template, Notification.recipient_email == address)
    ).one()
    return notification, user


def _token(notification) -> str:
    return notification.context["token"]


def _link_shown(page: str, token: str) -> bool:
    return token in page or re.sub(r"\W", "", token)[:20] in re.sub(r"\W", "", page)


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__.strip("_"))
@pytest.mark.parametrize("state", ["pending", "failed"])
def test_a_waiting_or_failed_link_email_is_not_shown_on_the_email_pages(
    db, programme_officer_client, monkeypatch, kind, state
):
    notification, _ = _queue(db, kind, monkeypatch, send=False)
    token = _token(notification)
    assert notification.sensitive and notification.status == "pending" and token in notification.body_text
    if state == "failed":  # a row marked failed before its text was removed
        notification.status, notification.attempts = "failed", 6
        db.session.commit()

    listing = programme_officer_client.get("/email/").get_data(as_text=True)
    page = programme_officer_client.get(f"/email/{notification.id}").get_data(as_text=True)
    assert notification.subject in text(listing)
    assert "only they can read it" in text(page)
    assert not _link_shown(listing, token) and not _link_shown(page, token)


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__.strip("_"))
def test_a_sent_link_email_keeps_no_link_and_the_console_shows_none(
    db, programme_officer_client, monkeypatch, caplog, kind
):
    with caplog.at_level(logging.INFO, logger="grants.email"):
        notification, _ = _queue(db, kind, monkeypatch, send=True)
    assert notification.sensitive and notification.status == "captured"
    assert notification.context == {} and "token" not in (notification.body_text or "")
    captured = [record.getMessage() for record in caplog.records if record.name == "grants.email"]
    assert captured and all("private link" in message for message in captured)
    assert all("http" not in message for message in captured)
    page = programme_officer_client.get(f"/email/{notification.id}").get_data(as_text=True)
    assert "only they can read it" in text(page)


@pytest.mark.parametrize("kind", [_password_reset, _enabler_invitation], ids=["password_reset", "enabler_invitation"])
def test_the_recipients_personal_data_download_leaves_out_a_waiting_link(db, client_for, monkeypatch, kind):
    notification, user = _queue(db, kind, monkeypatch, send=False)
    if not user.password_hash:
        user.set_password("a long enough secret")
        db.session.commit()
    body = client_for(user).get("/account/personal-data/download").get_data(as_text=True)
    rows = json.loads(body)["tables"]["notifications"]
    [row] = [row for row in rows if row["id"] == notification.id]
    assert row["body_text"] is None and row["body_html"] is None and row["context"] is None
    assert _token(notification) not in body
