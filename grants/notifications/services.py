"""Queue an email with the change that causes it."""

from __future__ import annotations

from flask import render_template
from sqlalchemy.exc import IntegrityError

from grants.core.jobs import enqueue_after_commit
from grants.core.urls import absolute_url
from grants.extensions import db
from grants.notifications.models import Notification


def render_email(template: str, context: dict) -> tuple[str, str, str]:
    """(subject, plain text, HTML) from ``templates/email/<template>/``."""
    values = {**context, "absolute_url": absolute_url}
    subject = render_template(f"email/{template}/subject.txt", **values).strip()
    text = render_template(f"email/{template}/body.txt", **values)
    html = render_template(f"email/{template}/body.html", **values)
    return " ".join(subject.split()), text, html


def queue_email(
    recipient_email: str,
    template: str,
    context: dict,
    *,
    user=None,
    dedupe_key: str | None = None,
    sensitive: bool = False,
) -> Notification | None:
    """Write the outbox row now and send it after commit. Returns None if ``dedupe_key`` was used before."""
    if dedupe_key and db.session.scalar(db.select(Notification.id).where(Notification.dedupe_key == dedupe_key)):
        return None
    subject, text, html = render_email(template, context)
    notification = Notification(
        recipient_email=recipient_email,
        recipient_id=getattr(user, "id", None),
        template=template,
        context=context,
        subject=subject,
        body_text=text,
        body_html=html,
        sensitive=sensitive,
    )
    if dedupe_key:
        notification.dedupe_key = dedupe_key
    try:
        with db.session.begin_nested():
            db.session.add(notification)
    except IntegrityError:  # the same dedupe key, queued at the same moment by someone else
        return None
    from grants.notifications.tasks import send_notification

    enqueue_after_commit(send_notification, notification.id)
    return notification
