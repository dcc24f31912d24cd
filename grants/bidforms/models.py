from __future__ import annotations

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.bidforms.kinds import BLOCKS, KINDS
from grants.extensions import Model

ALL_KINDS = tuple(KINDS) + tuple(BLOCKS)


class FormPage(Model):
    """A page of a round's application form: one section of the applicant's task list."""

    __tablename__ = "form_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    # Stable: the page's address and the key of its state on each bid (``section_states``).
    key: Mapped[str] = mapped_column(String(40), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")

    questions: Mapped[list[FormQuestion]] = relationship(
        back_populates="page", order_by="FormQuestion.position", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (UniqueConstraint("round_id", "key"),)

    def __repr__(self) -> str:
        return f"<FormPage {self.key}>"


class FormQuestion(Model):
    """A question on a page, or one of the built-in blocks (``kind`` names which), with its wording,
    limits and an optional condition on an earlier page's answer."""

    __tablename__ = "form_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), nullable=False, index=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("form_pages.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    # Stable: the answer's key on each bid, in exports and in the API; a block's key is its kind.
    key: Mapped[str] = mapped_column(String(40), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    hint: Mapped[str] = mapped_column(Text, nullable=False, default="")
    required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    max_words: Mapped[int | None] = mapped_column(Integer)
    max_chars: Mapped[int | None] = mapped_column(Integer)
    min_value: Mapped[int | None] = mapped_column(Integer)  # whole numbers; money in pence
    max_value: Mapped[int | None] = mapped_column(Integer)
    choices: Mapped[list] = mapped_column(JSON, nullable=False, default=list)  # [{"value": ..., "label": ...}]
    # Shown only when the answer to ``condition_key`` (a question on an earlier page) is ``condition_value``.
    condition_key: Mapped[str | None] = mapped_column(String(40))
    condition_value: Mapped[str | None] = mapped_column(String(100))
    # Its answer is part of the bid's public description (360Giving) once funded.
    public_summary: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    page: Mapped[FormPage] = relationship(back_populates="questions")

    __table_args__ = (
        UniqueConstraint("round_id", "key"),
        CheckConstraint(f"kind IN ({', '.join(repr(kind) for kind in ALL_KINDS)})", name="known_kind"),
        CheckConstraint("max_words IS NULL OR max_words > 0", name="max_words_positive"),
        CheckConstraint("max_chars IS NULL OR max_chars > 0", name="max_chars_positive"),
        CheckConstraint("min_value IS NULL OR max_value IS NULL OR max_value >= min_value", name="value_range_ordered"),
    )

    def __repr__(self) -> str:
        return f"<FormQuestion {self.key} {self.kind}>"

    @property
    def is_block(self) -> bool:
        return self.kind in BLOCKS

    @property
    def kind_label(self) -> str:
        return BLOCKS[self.kind].label if self.is_block else KINDS[self.kind].label

    @property
    def choice_labels(self) -> dict[str, str]:
        return {choice["value"]: choice["label"] for choice in self.choices or []}
