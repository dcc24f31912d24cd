import pytest

from grants.core.permissions import Role
from grants.notifications.models import Notification
from grants.notifications.services import queue_email
from grants.notifications.tasks import MAX_ATTEMPTS, REMOVED
from tests.factories import UserFactory
from tests.helpers import run_task, text


def queue_reset_notice(db, email="lead@example.org", **kwargs):
    notification = queue_email(email, "password_changed", {"name": "Aisha"}, **kwargs)
    db.session.commit()
    return notification


def test_captured_email_is_kept_and_readable_by_a_programme_officer(db, programme_officer_client):
    notification = queue_reset_notice(db)
    assert notification.status == "captured" and notification.sent_at is not None
    listing = text(programme_officer_client.get("/email/").get_data(as_text=True))
    assert "lead@example.org" in listing and "Your Grants password has been changed" in listing
    page = text(programme_officer_client.get(f"/email/{notification.id}").get_data(as_text=True))
    assert "Dear Aisha" in page


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.ENABLER, Role.STEERING_CHAIR, Role.FINANCE_APPROVER])
def test_others_cannot_read_the_outbox(db, client_for, role):
    notification = queue_reset_notice(db)
    client = client_for(UserFactory(roles=[role]))
    assert client.get("/email/").status_code == 403
    assert client.get(f"/email/{notification.id}").status_code == 403


def test_email_goes_over_smtp_with_text_and_html(smtp_app, db, mailbox):
    notification = queue_reset_notice(db)
    assert notification.status == "sent"
    [message] = mailbox.wait_for(1)
    assert message["To"] == "lead@example.org"
    assert message["Subject"] == "Your Grants password has been changed"
    assert "Dear Aisha" in message.get_body(("plain",)).get_content()
    assert "<p>Dear Aisha,</p>" in message.get_body(("html",)).get_content()


def test_private_content_is_removed_once_sent(smtp_app, db, mailbox):
    notification = queue_reset_notice(db, sensitive=True)
    assert notification.status == "sent"
    assert notification.body_text == REMOVED and notification.context == {}
    assert "Dear Aisha" in mailbox.wait_for(1)[0].get_body(("plain",)).get_content()


def test_in_process_an_smtp_refusal_leaves_the_email_pending_until_its_retry_is_due(smtp_app, db, mailbox):
    from datetime import timedelta

    from grants.core.db import utcnow
    from grants.notifications.tasks import send_due

    mailbox.refuse_with = "451 Try again later"
    notification = queue_reset_notice(db)
    db.session.refresh(notification)
    assert (notification.status, notification.attempts) == ("pending", 1)
    assert "451" in notification.last_error and notification.next_attempt_at is not None
    assert run_task(send_due) == 0, "not yet due"

    mailbox.refuse_with = None
    notification.next_attempt_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    assert run_task(send_due) == 1
    db.session.refresh(notification)
    assert (notification.status, notification.attempts) == ("sent", 2)
    assert len(mailbox.wait_for(1)) == 1


def test_the_last_allowed_attempt_marks_the_email_failed(smtp_app, db, mailbox):
    from grants.notifications.tasks import send_notification

    mailbox.refuse_with = "451 Try again later"
    notification = queue_reset_notice(db)
    notification.attempts, notification.next_attempt_at = MAX_ATTEMPTS - 1, None
    db.session.commit()
    assert run_task(send_notification, notification.id) == "failed"
    db.session.refresh(notification)
    assert (notification.status, notification.attempts) == ("failed", MAX_ATTEMPTS)


def test_a_dedupe_key_queues_a_message_only_once(db):
    first = queue_reset_notice(db, dedupe_key="reminder:round-1:user-1:7-days")
    second = queue_reset_notice(db, dedupe_key="reminder:round-1:user-1:7-days")
    assert first is not None and second is None
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification)) == 1


def test_a_sent_message_is_not_sent_again(smtp_app, db, mailbox):
    from grants.notifications.tasks import send_notification

    notification = queue_reset_notice(db)
    assert run_task(send_notification, notification.id) == "sent"
    assert len(mailbox.wait_for(1)) == 1
    assert notification.attempts == 1


def test_the_sweep_sends_email_whose_job_was_lost(app, db):
    from datetime import timedelta

    from grants.core.db import utcnow
    from grants.notifications.tasks import send_due

    def row(email, **extra):
        return Notification(
            recipient_email=email,
            template="password_changed",
            context={},
            subject="s",
            body_text="t",
            body_html="h",
            **extra,
        )

    lost = row("a@example.org", created_at=utcnow() - timedelta(seconds=90))  # queued before the last run
    recent = row("b@example.org")
    db.session.add_all([lost, recent])
    db.session.commit()
    assert run_task(send_due) == 1
    db.session.expire_all()
    assert (lost.status, recent.status) == ("captured", "pending")


def test_an_early_duplicate_job_does_not_send_before_the_retry_is_due(smtp_app, db, mailbox):
    from datetime import timedelta

    from grants.core.db import utcnow
    from grants.notifications.tasks import send_notification

    notification = Notification(
        recipient_email="a@example.org",
        template="password_changed",
        context={},
        subject="s",
        body_text="t",
        body_html="h",
        attempts=1,
        next_attempt_at=utcnow() + timedelta(minutes=10),
    )
    db.session.add(notification)
    db.session.commit()
    assert run_task(send_notification, notification.id) == "not_due"
    assert mailbox.messages == []


def test_an_officer_sends_a_failed_email_again_and_it_is_delivered(smtp_app, db, mailbox, client_for):
    from grants.core.audit import AuditEvent
    from grants.notifications.tasks import send_notification

    mailbox.refuse_with = "550 Mailbox unavailable"
    notification = queue_reset_notice(db)
    notification.attempts, notification.next_attempt_at = MAX_ATTEMPTS - 1, None
    db.session.commit()
    assert run_task(send_notification, notification.id) == "failed"
    mailbox.refuse_with = None
    officer = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    page = text(officer.get(f"/email/{notification.id}").get_data(as_text=True))
    assert "Send it again" in page and "550" in page
    response = officer.post(f"/email/{notification.id}/resend")
    assert response.status_code == 302
    db.session.refresh(notification)
    assert notification.status == "sent" and notification.attempts == 1
    assert len(mailbox.wait_for(1)) == 1
    assert db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "notification.resent")).one()
    again = officer.post(f"/email/{notification.id}/resend")  # sent now: nothing to resend
    assert again.status_code == 400 and "already been sent, so it was not sent again" in text(
        again.get_data(as_text=True)
    )
    assert len(mailbox.messages) == 1


def test_a_failed_email_whose_private_link_was_removed_is_not_sent_again(smtp_app, db, mailbox, client_for):
    from grants.notifications.tasks import send_notification

    mailbox.refuse_with = "550 Mailbox unavailable"
    notification = queue_reset_notice(db, sensitive=True)
    notification.attempts, notification.next_attempt_at = MAX_ATTEMPTS - 1, None
    db.session.commit()
    assert run_task(send_notification, notification.id) == "failed"
    officer = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    response = officer.post(f"/email/{notification.id}/resend")
    assert response.status_code == 400 and "private link" in text(response.get_data(as_text=True))
    db.session.refresh(notification)
    assert notification.status == "failed"
    assert client_for(UserFactory(roles=[Role.APPLICANT])).post(f"/email/{notification.id}/resend").status_code == 403


def test_a_permanent_refusal_of_the_recipient_fails_at_once_with_the_servers_reason(smtp_app, db, mailbox, client_for):
    mailbox.refuse_recipient_with = "550 5.1.1 No such user here"
    notification = queue_reset_notice(db, "nobody@example.org")
    db.session.refresh(notification)
    assert (notification.status, notification.attempts, notification.next_attempt_at) == ("failed", 1, None)
    assert notification.last_error == "The mail server refused the recipient: 550 5.1.1 No such user here"
    page = text(
        client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER])).get(f"/email/{notification.id}").get_data(as_text=True)
    )
    assert "550 5.1.1 No such user here" in page and "Send it again" in page
    assert mailbox.messages == []


@pytest.mark.parametrize("stage", ["recipient", "message"])
def test_a_temporary_refusal_is_tried_again(smtp_app, db, mailbox, stage):
    if stage == "recipient":
        mailbox.refuse_recipient_with = "451 4.3.0 Mailbox busy, try later"
    else:
        mailbox.refuse_with = "451 4.3.0 Try again later"
    notification = queue_reset_notice(db)
    db.session.refresh(notification)
    assert (notification.status, notification.attempts) == ("pending", 1)
    assert notification.next_attempt_at is not None and "451 4.3.0" in notification.last_error


def test_a_permanent_refusal_of_the_message_fails_at_once(smtp_app, db, mailbox):
    mailbox.refuse_with = "554 5.7.1 Message refused"
    notification = queue_reset_notice(db)
    db.session.refresh(notification)
    assert (notification.status, notification.attempts) == ("failed", 1)
    assert notification.last_error == "The mail server refused the message: 554 5.7.1 Message refused"


def test_every_send_of_one_email_carries_the_same_message_id(smtp_app, db, mailbox):
    from grants.notifications.tasks import send_notification

    first = queue_reset_notice(db)
    queue_reset_notice(db, "someone.else@example.org")
    # As if the worker died after the server took it, before the row was marked sent: sent again.
    first.status, first.sent_at = "pending", None
    db.session.commit()
    assert run_task(send_notification, first.id) == "sent"
    messages = mailbox.wait_for(3)
    ids = {message["To"]: [] for message in messages}
    for message in messages:
        ids[message["To"]].append(message["Message-ID"])
    [once, twice] = ids["lead@example.org"]
    assert once == twice and once.startswith(f"<grants-{first.id}.") and once.endswith("@127.0.0.1>")
    assert ids["someone.else@example.org"] != [once]


def test_an_officer_sends_a_waiting_email_now(smtp_app, db, mailbox, client_for):
    from grants.core.audit import AuditEvent

    mailbox.refuse_with = "451 Try again later"
    notification = queue_reset_notice(db)
    db.session.refresh(notification)
    assert notification.status == "pending" and notification.next_attempt_at is not None
    mailbox.refuse_with = None
    officer = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    page = text(officer.get(f"/email/{notification.id}").get_data(as_text=True))
    assert "it will be tried again from" in page and "Send it now" in page
    response = officer.post(f"/email/{notification.id}/resend", follow_redirects=True)
    assert "is being sent now" in text(response.get_data(as_text=True))
    db.session.refresh(notification)
    assert (notification.status, notification.attempts) == ("sent", 2)
    assert len(mailbox.wait_for(1)) == 1
    [event] = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "notification.resent")).all()
    assert event.before["status"] == "pending" and event.before["attempts"] == 1


def test_a_job_for_an_email_that_is_not_there_fails_loudly(db, caplog):
    from grants.notifications.tasks import MissingNotification, send_notification

    with pytest.raises(MissingNotification):
        run_task(send_notification, 2_000_000_000)
    assert any(
        r.levelname == "ERROR" and "email 2000000000: no such outbox row" in r.getMessage() for r in caplog.records
    )
