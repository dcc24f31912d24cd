"""The programme officer's home: email that failed, a click from sending it again."""

from __future__ import annotations

from grants.notifications.models import Notification
from tests.test_notifications import queue_reset_notice
from tests.work_queues import home_queue

KEY = "notifications.failed"


def _failed(db, email):
    notification = queue_reset_notice(db, email)
    notification.status, notification.last_error = "failed", "550 Mailbox unavailable"
    db.session.commit()
    return notification


def test_failed_email_waits_until_it_is_sent_again(db, programme_officer_client):
    failed = _failed(db, "lead@example.org")
    _failed(db, "partner@example.org")
    queue_reset_notice(db, "sent@example.org")  # captured: nothing to do
    queue = home_queue(programme_officer_client, KEY)
    assert queue.count == 2
    assert "Send again: “Your Grants password has been changed” to lead@example.org" in queue.words
    assert "sent@example.org" not in queue.words
    assert f"/email/{failed.id}" in queue.links
    assert "All failed email" in queue.words
    response = programme_officer_client.post(f"/email/{failed.id}/resend")
    assert response.status_code == 302
    assert db.session.get(Notification, failed.id).status != "failed"
    queue = home_queue(programme_officer_client, KEY)
    assert queue.count == 1 and "lead@example.org" not in queue.words


def test_with_no_failed_email_the_queue_says_so(db, programme_officer_client):
    queue_reset_notice(db)
    queue = home_queue(programme_officer_client, KEY)
    assert queue.count == 0 and "No email has failed." in queue.words
