"""Delivering a rendered email: captured locally (the embedded default) or over SMTP."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from urllib.parse import urlsplit

from flask import current_app

from grants.notifications.models import Notification, NotificationStatus

log = logging.getLogger("grants.email")


def build_message(notification: Notification) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = notification.recipient_email
    message["Subject"] = notification.subject
    message["Message-ID"] = message_id(notification)
    message.set_content(notification.body_text)
    message.add_alternative(notification.body_html, subtype="html")
    return message


def message_id(notification: Notification) -> str:
    """The same for every attempt at one outbox row, so a mail client folds a message delivered twice
    (a worker killed after the server accepted it, before the row was marked sent) into one. The row's
    queuing time keeps it unique when a database is started again from nothing and ids repeat."""
    domain = urlsplit(current_app.config["BASE_URL"]).hostname or "grants.invalid"
    return f"<grants-{notification.id}.{notification.created_at:%Y%m%d%H%M%S%f}@{domain}>"


def refusal(error: Exception) -> tuple[str, bool]:
    """What the mail server said, in its own words, and whether the refusal is permanent. Only a 5xx
    reply about this message is; connection errors, 4xx replies and refusals of the service itself
    (the login, the sender) are worth trying again once they are put right."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        replies = [(code, _said(reply)) for code, reply in error.recipients.values()]
        said = "; ".join(f"{code} {reply}" for code, reply in replies)
        return f"The mail server refused the recipient: {said}", all(500 <= code < 600 for code, _ in replies)
    if isinstance(error, smtplib.SMTPDataError):
        said = f"{error.smtp_code} {_said(error.smtp_error)}"
        return f"The mail server refused the message: {said}", 500 <= error.smtp_code < 600
    if isinstance(error, smtplib.SMTPResponseException):
        return f"The mail server replied {error.smtp_code} {_said(error.smtp_error)}", False
    return f"{type(error).__name__}: {error}", False


def _said(reply) -> str:
    return (reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)).strip()


class Postbox:
    """Delivers a run of emails over one SMTP connection, opened at the first message and opened
    again after a failure. ``with Postbox() as postbox: postbox.deliver(notification)``."""

    def __init__(self):
        self._smtp: smtplib.SMTP | None = None
        self.unreachable = False  # the last attempt could not even connect

    def __enter__(self) -> Postbox:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def deliver(self, notification: Notification) -> str:
        """Send the email; returns the status it should have afterwards. Raises on SMTP failure."""
        if current_app.config["MAIL_BACKEND"] == "capture":
            if notification.sensitive and not current_app.config["LOG_SENSITIVE_EMAIL"]:
                body = "[not shown: this message contains a private link]"
            else:
                body = notification.body_text
            log.info("Captured email to %s: %s\n%s", notification.recipient_email, notification.subject, body)
            return NotificationStatus.CAPTURED
        message = build_message(notification)
        try:
            connection = self._connection()
        except (OSError, smtplib.SMTPConnectError):
            self.unreachable = True
            raise
        self.unreachable = False
        try:
            connection.send_message(message)
        except Exception:
            self.close()  # the connection may be half-way through a command: start afresh next time
            raise
        return NotificationStatus.SENT

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            config = current_app.config
            smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
            smtp = smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"])
            try:
                if config["MAIL_USE_TLS"]:
                    smtp.starttls()
                if config["MAIL_USERNAME"]:
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            except Exception:
                smtp.close()
                raise
            self._smtp = smtp
        return self._smtp

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except Exception:  # already gone; nothing to tidy
                smtp.close()
