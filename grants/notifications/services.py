"""Queue an email with the change that causes it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import render_template

from grants.core.db import insert_or_ignore
from grants.core.errors import GrantsError
from grants.core.jobs import enqueue_after_commit
from grants.core.urls import absolute_url
from grants.extensions import db
from grants.notifications.models import Notification, NotificationStatus


def render_email(template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, plain text, HTML) from ``templates/email/<template>/``."""
    values = {**context, "absolute_url": absolute_url}
    subject = render_template(f"email/{template}/subject.txt", **values).strip()
    text = render_template(f"email/{template}/body.txt", **values)
    html = render_template(f"email/{template}/body.html", **values)
    return " ".join(subject.split()), text, html


# Emails queued in bulk by the reminder sweeps are rendered when sent: template name -> a function
# taking the row's context and returning the template's values, or None when the email should no
# longer go (the report it reminds about was submitted, say).
DEFERRED: dict[str, Callable[[dict[str, Any]], dict[str, Any] | None]] = {}


def renders_when_sent(
    template: str,
) -> Callable[[Callable[[dict[str, Any]], dict[str, Any] | None]], Callable[[dict[str, Any]], dict[str, Any] | None]]:
    """Register how to render ``template`` at send time: ``@renders_when_sent("reminder_x")``."""

    def register(
        function: Callable[[dict[str, Any]], dict[str, Any] | None],
    ) -> Callable[[dict[str, Any]], dict[str, Any] | None]:
        DEFERRED[template] = function
        return function

    return register


def written_when_sent(notification: Notification) -> bool:
    """A reminder queued by a sweep: its text is written (again) at each attempt."""
    return notification.template in DEFERRED and notification.dedupe_key.startswith("reminder:")


def _recipient(notification: Notification) -> Any:
    """The recipient's account, or None. Accounts sit above email (they send it), so it is found through
    the outbox row's relationship rather than by name."""
    if not notification.recipient_id:
        return None
    return db.session.get(Notification.recipient.property.mapper, notification.recipient_id)


def render_when_sent(notification: Notification) -> bool:
    """Write the body of a reminder from the thing as it is now. False: its reason has gone (or its
    recipient's account was closed), do not send."""
    recipient = _recipient(notification)
    if recipient is not None and not recipient.is_active:
        return False
    values = DEFERRED[notification.template](dict(notification.context or {}))
    if values is None:
        return False
    values.setdefault("name", recipient.name if recipient else notification.recipient_email)
    values.setdefault("subject", notification.subject)
    subject, notification.body_text, notification.body_html = render_email(notification.template, values)
    notification.subject = notification.subject or subject
    return True


# Emails that carry a one-use link (``context["token"]``): whoever reads one can act as its recipient,
# so only the recipient ever sees its text, whatever becomes of it (see ``is_private``).
PRIVATE_LINK_TEMPLATES = frozenset(
    {"password_reset", "enabler_invitation", "partner_invitation", "self_assessment_invitation", "confirm_email"}
)


def is_private(template: str, context: dict[str, Any]) -> bool:
    """Does this email carry a link that acts for its recipient? Its text is then never shown on the Email
    pages, in the console or in a download, and is removed once it has been sent or has failed."""
    return template in PRIVATE_LINK_TEMPLATES or "token" in (context or {})


def queue_email(
    recipient_email: str,
    template: str,
    context: dict[str, Any],
    *,
    user: Any = None,
    dedupe_key: str | None = None,
    sensitive: bool = False,
) -> Notification | None:
    """Write the outbox row now and send it after commit. Returns None if ``dedupe_key`` was used before."""
    if dedupe_key and db.session.scalar(db.select(Notification.id).where(Notification.dedupe_key == dedupe_key)):
        return None
    subject, text, html = render_email(template, context)
    values = {
        "recipient_email": recipient_email,
        "recipient_id": getattr(user, "id", None),
        "template": template,
        "context": context,
        "subject": subject,
        "body_text": text,
        "body_html": html,
        "sensitive": sensitive or is_private(template, context),
    }
    if dedupe_key:
        values["dedupe_key"] = dedupe_key
    # The same dedupe key queued at the same moment by someone else inserts nothing here.
    statement = insert_or_ignore(db.session, Notification, ["dedupe_key"]).values(**values).returning(Notification)
    notification: Notification | None = db.session.scalars(statement).first()
    if notification is None:
        return None
    from grants.notifications.tasks import send_notification

    enqueue_after_commit(send_notification, notification.id)
    return notification


class ResendError(GrantsError):
    """The email cannot be sent again; nothing was changed."""


def resend(notification: Notification, *, actor: Any) -> None:
    """Send a waiting email now, or a failed one again from the start (a programme officer or
    administrator asks, once the mail server or the address is put right). Messages whose private link
    was removed cannot be: the person has to be sent a new link from where it came."""
    from grants.core import audit
    from grants.core.db import lock_and_refresh
    from grants.notifications.tasks import REMOVED, send_notification

    lock_and_refresh(db.session, notification)
    if notification.status in (NotificationStatus.SENT, NotificationStatus.CAPTURED):
        raise ResendError("This email has already been sent, so it was not sent again.")
    if notification.status == NotificationStatus.CANCELLED:
        raise ResendError("This reminder was cancelled because what it was about had been done, so it is not sent.")
    if notification.sensitive and notification.body_text == REMOVED:
        raise ResendError(
            "This email held a private link, which was removed when it failed. Send a new one from where it came "
            "(for example, invite the person again)."
        )
    before = {"status": notification.status, "attempts": notification.attempts, "last_error": notification.last_error}
    if notification.status == NotificationStatus.FAILED:
        notification.status, notification.attempts = NotificationStatus.PENDING, 0
    notification.next_attempt_at = None  # due now
    db.session.flush()
    audit.record(
        "notification.resent", notification, actor=actor, before=before, after={"status": NotificationStatus.PENDING}
    )
    enqueue_after_commit(send_notification, notification.id)
