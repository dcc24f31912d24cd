"""What projects commit to do with their learning, and what they learn: commitments carried over
from the bid, and learning items (case studies and insights) that a programme officer publishes to
the public library."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    DDL,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    and_,
    case,
    event,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.applications.models import COMMITMENT_KINDS
from grants.core.db import StatusColumn, TimestampMixin, UTCDateTime
from grants.extensions import Model, db


class CommitmentStatus(StrEnum):
    """Where a learning commitment is (overdue is read from its date, never stored)."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"


COMMITMENT_STATUSES = tuple(member.value for member in CommitmentStatus)  # the words the database keeps
COMMITMENT_STATUS_LABELS = {"planned": "Planned", "in_progress": "In progress", "done": "Done", "overdue": "Overdue"}
COMMITMENT_STATUS_COLOURS = {"planned": "grey", "in_progress": "blue", "done": "green", "overdue": "red"}

ITEM_KINDS = {"case_study": "Case study", "insight": "Insight"}


class ItemStatus(StrEnum):
    """Where a learning item is on its way to the library."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    PUBLISHED = "published"
    INTERNAL = "internal"


ITEM_STATUSES = tuple(member.value for member in ItemStatus)  # the words the database keeps
ITEM_STATUS_LABELS = {
    "draft": "Draft",
    "submitted": "Waiting for review",
    "returned": "Returned with comments",
    "published": "Published",
    "internal": "Kept internal",
}
ITEM_STATUS_COLOURS = {
    "draft": "grey",
    "submitted": "blue",
    "returned": "orange",
    "published": "green",
    "internal": "purple",
}


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class LearningCommitment(TimestampMixin, Model):
    """A project's commitment to apply and share what it learns, carried over from its bid.

    Its status is planned, in progress or done; *overdue* is never stored: it is read from the due
    date (see ``state``). A commitment to apply the approach to another issue says where it was
    applied: another theme, another place, or another project in the service (shown on both)."""

    __tablename__ = "learning_commitments"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[CommitmentStatus] = mapped_column(
        StatusColumn(CommitmentStatus), nullable=False, default=CommitmentStatus.PLANNED
    )
    source_plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("application_commitments.id", ondelete="SET NULL"), unique=True
    )
    evidence_url: Mapped[str | None] = mapped_column(String(500))
    evidence_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"))
    evidence_note: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    applied_theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="RESTRICT"))
    applied_place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="RESTRICT"))
    applied_project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), index=True)
    applied_description: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    # The project it was applied to confirms it (its team or a programme officer); cleared when the
    # project named changes.
    applied_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    applied_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    project = relationship("Project", foreign_keys=[project_id], lazy="select")
    evidence_document = relationship("Document", lazy="select")
    applied_theme = relationship("Theme", lazy="select")
    applied_place = relationship("Place", lazy="select")
    applied_project = relationship("Project", foreign_keys=[applied_project_id], lazy="select")

    __table_args__ = (
        CheckConstraint(_in("kind", COMMITMENT_KINDS), name="known_kind"),
        CheckConstraint(_in("status", COMMITMENT_STATUSES), name="known_status"),
        CheckConstraint("applied_project_id IS NULL OR applied_project_id <> project_id", name="applied_elsewhere"),
    )

    @property
    def kind_label(self) -> str:
        return COMMITMENT_KINDS[self.kind]

    # Each rule twice, side by side: in Python for one commitment, in SQL for a report that counts
    # thousands at once (``db.select(LearningCommitment.state(today), db.func.count())``).
    @hybrid_method
    def is_overdue(self, today: date) -> bool:
        return self.status != CommitmentStatus.DONE and self.due_on is not None and self.due_on < today

    @is_overdue.inplace.expression
    @classmethod
    def _is_overdue_expression(cls, today: date):
        return and_(cls.status != CommitmentStatus.DONE, cls.due_on.is_not(None), cls.due_on < today)

    @hybrid_method
    def state(self, today: date) -> str:
        """The status people see: ``overdue`` when it is not done and its date has passed."""
        return "overdue" if self.is_overdue(today) else self.status

    @state.inplace.expression
    @classmethod
    def _state_expression(cls, today: date):
        return case((cls.is_overdue(today), "overdue"), else_=cls.status)

    @property
    def has_evidence(self) -> bool:
        return bool(self.evidence_url or self.evidence_document_id)

    @property
    def applied_to(self) -> bool:
        return bool(self.applied_theme_id or self.applied_place_id or self.applied_project_id)

    @property
    def applied_targets(self) -> list[str]:
        """Where the lesson went, in words: the theme, the place and the project it was applied to."""
        parts = []
        if self.applied_theme is not None:
            parts.append(self.applied_theme.name)
        if self.applied_place is not None:
            parts.append(self.applied_place.name)
        if self.applied_project is not None:
            parts.append(f"{self.applied_project.reference}: {self.applied_project.title}")
        return parts


learning_item_themes = Table(
    "learning_item_themes",
    db.metadata,
    Column("item_id", ForeignKey("learning_items.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="RESTRICT"), primary_key=True, index=True),
)

# The words the library searches, in one expression, kept in ``search_words`` by a trigger (below)
# whenever the words of an item change: a search reads them, and the index on them, without
# parsing every matching item's text again.
SEARCH_COLUMNS = ("title", "summary", "body", "what_worked", "what_did_not")


def search_document(row: str = "") -> str:
    """The words of an item as PostgreSQL searches them; ``row`` names the row (``NEW.`` in a trigger)."""
    text = " || ' ' || ".join(f"coalesce({row}{column}, '')" for column in SEARCH_COLUMNS)
    return f"to_tsvector('english'::regconfig, {text})"


SEARCH_DOCUMENT = search_document()


class LearningItem(TimestampMixin, Model):
    """A case study or insight written by the project team or its enabler, reviewed by a programme
    officer who publishes it to the public library, returns it with comments, or keeps it internal:
    ``draft → submitted → published | returned | internal``; ``returned → submitted``;
    ``published → internal`` (taken down); ``internal → published``."""

    __tablename__ = "learning_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), nullable=False, index=True)
    commitment_id: Mapped[int | None] = mapped_column(
        ForeignKey("learning_commitments.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default="case_study")
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    what_worked: Mapped[str] = mapped_column(Text, nullable=False, default="")
    what_did_not: Mapped[str] = mapped_column(Text, nullable=False, default="")
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="RESTRICT"), index=True)
    consent_to_publish: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    status: Mapped[ItemStatus] = mapped_column(StatusColumn(ItemStatus), nullable=False, default=ItemStatus.DRAFT)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    review_comment: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Kept by the database (``SEARCH_WORDS_SQL``), read only by the search: never loaded with an item.
    # Worked out by the database from the words above (``info["derived"]``): not something a person gave,
    # so not part of their personal data.
    search_words: Mapped[str | None] = mapped_column(
        TSVECTOR().with_variant(Text(), "sqlite"), deferred=True, info={"derived": True}
    )

    project = relationship("Project", lazy="select")
    commitment = relationship("LearningCommitment", lazy="select")
    place = relationship("Place", lazy="select")
    themes = relationship("Theme", secondary=learning_item_themes, lazy="select", order_by="Theme.name")
    author = relationship("User", foreign_keys=[author_id], lazy="select")
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id], lazy="select")

    __table_args__ = (
        CheckConstraint(_in("kind", ITEM_KINDS), name="known_kind"),
        CheckConstraint(_in("status", ITEM_STATUSES), name="known_status"),
        CheckConstraint("length(title) > 0", name="titled"),
        CheckConstraint("status <> 'published' OR (consent_to_publish AND published_at IS NOT NULL)", name="consented"),
        Index("ix_learning_items_status_published_at", "status", "published_at"),
        # The library's filters list the places and waves that have published learning: read from this
        # small index alone, not from every item's row (its story and search words) on every search.
        Index(
            "ix_learning_items_published_place_project",
            "place_id",
            "project_id",
            postgresql_where=text("status = 'published'"),
            sqlite_where=text("status = 'published'"),
        ),
        Index(
            "ix_learning_items_search_words", "search_words", postgresql_using="gin", info={"postgresql_only": True}
        ).ddl_if(dialect="postgresql"),
    )

    @property
    def kind_label(self) -> str:
        return ITEM_KINDS[self.kind]

    @property
    def status_label(self) -> str:
        return ITEM_STATUS_LABELS[self.status]

    @property
    def status_colour(self) -> str:
        return ITEM_STATUS_COLOURS[self.status]

    @property
    def is_editable(self) -> bool:
        return self.status in (ItemStatus.DRAFT, ItemStatus.RETURNED)

    @property
    def is_public(self) -> bool:
        return self.status == ItemStatus.PUBLISHED


# PostgreSQL keeps each item's search words as its words change; SQLite searches the words themselves.
SEARCH_WORDS_SQL = {
    "postgresql": [
        f"""
        CREATE OR REPLACE FUNCTION learning_items_search_words() RETURNS trigger AS $$
        BEGIN
            NEW.search_words := {search_document("NEW.")};
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql
        """,
        f"""
        CREATE TRIGGER learning_items_search_words BEFORE INSERT OR UPDATE OF {", ".join(SEARCH_COLUMNS)}
        ON learning_items FOR EACH ROW EXECUTE FUNCTION learning_items_search_words()
        """,
    ],
}
for _dialect, _statements in SEARCH_WORDS_SQL.items():
    for _statement in _statements:
        event.listen(LearningItem.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect))
