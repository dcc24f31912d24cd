from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.core.db import StatusColumn, UTCDateTime, utcnow
from grants.extensions import Model


# cancelled: a reminder whose cause went away before it was sent (the report was submitted, say).
class NotificationStatus(StrEnum):
    """Where an email in the outbox is."""

    PENDING = "pending"
    SENT = "sent"
    CAPTURED = "captured"
    FAILED = "failed"
    CANCELLED = "cancelled"


STATUSES = tuple(member.value for member in NotificationStatus)  # the words the database keeps


class Notification(Model):
    """One email. Written in the same transaction as the change that caused it; the dedupe key
    makes a second attempt to queue the same message a no-op."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    recipient_email: Mapped[str] = mapped_column(String(254), nullable=False)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    template: Mapped[str] = mapped_column(String(80), nullable=False)
    context: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    dedupe_key: Mapped[str] = mapped_column(
        String(200), unique=True, nullable=False, default=lambda: f"once:{uuid.uuid4().hex}"
    )
    subject: Mapped[str] = mapped_column(String(300), nullable=False)
    # Written when queued, or (reminders queued in bulk by a sweep) rendered when sent.
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    sensitive: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    status: Mapped[NotificationStatus] = mapped_column(
        StatusColumn(NotificationStatus), nullable=False, default=NotificationStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a failed attempt is due to be tried again (None: the first attempt has not been made).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    recipient = relationship("User", lazy="raise")

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sent', 'captured', 'failed', 'cancelled')", name="known_status"),
        CheckConstraint("status IN ('pending', 'cancelled') OR body_text IS NOT NULL", name="rendered_when_sent"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_notifications_status_created_at", "status", "created_at"),
        Index("ix_notifications_status_next_attempt_at", "status", "next_attempt_at"),
    )
