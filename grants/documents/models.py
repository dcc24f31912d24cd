from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from grants.core.db import UTCDateTime, utcnow
from grants.extensions import Model

KINDS = (
    "match_evidence",
    "match_confirmation",
    "match_receipt",
    "learning_evidence",
    "answer",  # the file answering a question of the round's form
    "message",  # a file sent with a message in a bid's or a project's conversation
)


class Document(Model):
    """An uploaded file, stored under a generated name. The name people gave it is kept only to
    show and to suggest when downloading."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    original_filename: Mapped[str] = mapped_column(String(255), nullable=False)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    content_type: Mapped[str] = mapped_column(String(120), nullable=False)
    size_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    # The message it was sent with (kind "message"): on the bid's conversation, or its project's.
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="RESTRICT"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    __table_args__ = (
        CheckConstraint("size_bytes > 0", name="not_empty"),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
        CheckConstraint(f"kind IN ({', '.join(repr(kind) for kind in KINDS)})", name="known_kind"),
    )

    @property
    def size_label(self) -> str:
        if self.size_bytes < 1024 * 1024:
            return f"{max(1, round(self.size_bytes / 1024))} KB"
        return f"{self.size_bytes / (1024 * 1024):.1f} MB"
