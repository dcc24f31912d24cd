"""Messages on a bid or a project between the programme team and the applicant's organisation (and,
on a project, its enabler). A message is never edited or deleted once sent; a correction is a new
message. The database refuses a change to a sent message, but for anonymisation, which blanks it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DDL, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.core.db import UTCDateTime, utcnow
from grants.extensions import Model


class Side(StrEnum):
    """Who a message is from, as the other people in the conversation see it."""

    PROGRAMME = "programme"  # a programme officer, for the programme team
    APPLICANT = "applicant"  # someone of the bid's lead organisation
    ENABLER = "enabler"  # the project's enabler
    STEERING = "steering"  # a steering-group member asking the programme team (never seen by the applicant)


SIDES = tuple(member.value for member in Side)
SIDE_LABELS = {
    "programme": "Programme team",
    "applicant": "Applicant",  # shown with the organisation's name where there is one
    "enabler": "Enabler",
    "steering": "Steering group",
}


def thread_of(*, application_id: int | None = None, project_id: int | None = None) -> str:
    """The key of a conversation: ``application:12`` or ``project:4``."""
    if (application_id is None) == (project_id is None):
        raise ValueError("a conversation is on a bid or on a project")
    return f"application:{application_id}" if application_id is not None else f"project:{project_id}"


class Message(Model):
    """One message in the conversation on a bid (``application_id``) or a project (``project_id``).

    ``is_clarification``: an officer's request for clarification during eligibility or assessment; its
    answers (``answers_id``) are shown to the bid's reviewers. ``team_only``: seen by the programme team
    alone (a steering member's request that the team ask the applicant something)."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread: Mapped[str] = mapped_column(String(40), nullable=False)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id", ondelete="RESTRICT"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), nullable=False)
    side: Mapped[str] = mapped_column(String(12), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    is_clarification: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    answers_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="RESTRICT"), index=True)
    team_only: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author = relationship("User", lazy="joined")
    request = relationship("Message", remote_side=[id], lazy="select")  # the clarification answered
    documents = relationship("Document", order_by="Document.id", lazy="select", viewonly=True)

    __table_args__ = (
        CheckConstraint("(application_id IS NULL) <> (project_id IS NULL)", name="on_bid_or_project"),
        CheckConstraint(f"side IN ({', '.join(repr(side) for side in SIDES)})", name="known_side"),
        CheckConstraint("length(body) > 0", name="not_empty"),
        CheckConstraint(
            "NOT is_clarification OR (side = 'programme' AND application_id IS NOT NULL)",
            name="clarification_by_programme_on_bid",
        ),
        CheckConstraint("answers_id IS NULL OR side = 'applicant'", name="answered_by_applicant"),
        CheckConstraint("side <> 'steering' OR team_only", name="steering_to_team_only"),
        CheckConstraint("NOT team_only OR side IN ('programme', 'steering')", name="team_only_by_team"),
        Index("ix_messages_thread_id", "thread", "id"),
        Index("ix_messages_application_id", "application_id"),
        Index("ix_messages_project_id", "project_id"),
    )

    @property
    def side_label(self) -> str:
        return SIDE_LABELS[self.side]


class ConversationRead(Model):
    """How far a person has read a conversation: every message up to ``last_read_id``. A message after
    it, from someone on another side, is unread for them."""

    __tablename__ = "conversation_reads"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    thread: Mapped[str] = mapped_column(String(40), nullable=False)
    last_read_id: Mapped[int] = mapped_column(Integer, nullable=False)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    __table_args__ = (UniqueConstraint("user_id", "thread", name="uq_conversation_reads_user_id_thread"),)


# A sent message keeps its words, author and place for good. The one change allowed is anonymisation,
# which blanks the words and sets ``anonymised_at`` in the same update.
IMMUTABLE_SQL = {
    "postgresql": [
        """
        CREATE OR REPLACE FUNCTION messages_never_edited() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                RAISE EXCEPTION 'a sent message cannot be deleted';
            END IF;
            IF NEW.thread IS DISTINCT FROM OLD.thread OR NEW.application_id IS DISTINCT FROM OLD.application_id
                OR NEW.project_id IS DISTINCT FROM OLD.project_id OR NEW.author_id IS DISTINCT FROM OLD.author_id
                OR NEW.side IS DISTINCT FROM OLD.side OR NEW.is_clarification IS DISTINCT FROM OLD.is_clarification
                OR NEW.answers_id IS DISTINCT FROM OLD.answers_id OR NEW.team_only IS DISTINCT FROM OLD.team_only
                OR NEW.created_at IS DISTINCT FROM OLD.created_at
                OR (NEW.body IS DISTINCT FROM OLD.body
                    AND NOT (OLD.anonymised_at IS NULL AND NEW.anonymised_at IS NOT NULL))
                OR (OLD.anonymised_at IS NOT NULL AND NEW.anonymised_at IS DISTINCT FROM OLD.anonymised_at)
            THEN
                RAISE EXCEPTION 'a sent message cannot be changed';
            END IF;
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql
        """,
        """
        CREATE TRIGGER messages_never_edited BEFORE UPDATE OR DELETE ON messages
        FOR EACH ROW EXECUTE FUNCTION messages_never_edited()
        """,
    ],
    "sqlite": [
        """
        CREATE TRIGGER messages_never_edited BEFORE UPDATE ON messages
        WHEN NEW.thread IS NOT OLD.thread OR NEW.application_id IS NOT OLD.application_id
            OR NEW.project_id IS NOT OLD.project_id OR NEW.author_id IS NOT OLD.author_id OR NEW.side IS NOT OLD.side
            OR NEW.is_clarification IS NOT OLD.is_clarification OR NEW.answers_id IS NOT OLD.answers_id
            OR NEW.team_only IS NOT OLD.team_only OR NEW.created_at IS NOT OLD.created_at
            OR (NEW.body IS NOT OLD.body AND NOT (OLD.anonymised_at IS NULL AND NEW.anonymised_at IS NOT NULL))
            OR (OLD.anonymised_at IS NOT NULL AND NEW.anonymised_at IS NOT OLD.anonymised_at)
        BEGIN SELECT RAISE(ABORT, 'a sent message cannot be changed'); END
        """,
        """
        CREATE TRIGGER messages_never_deleted BEFORE DELETE ON messages
        BEGIN SELECT RAISE(ABORT, 'a sent message cannot be deleted'); END
        """,
    ],
}
for _dialect, _statements in IMMUTABLE_SQL.items():
    for _statement in _statements:
        event.listen(Message.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect))
