from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, CheckConstraint, Column, Date, ForeignKey, Integer, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.core.db import TimestampMixin
from grants.directory.models import Organisation, Place, Theme
from grants.extensions import Model, db
from grants.projects.models import EnablerAssignment  # noqa: F401  (lives with its project; named here for the enablers pages)

APPROACHES = [
    "Action learning",
    "Appreciative inquiry",
    "Asset-based community development",
    "Coaching leaders across organisations",
    "Facilitating large-group events",
    "Systems mapping",
    "Co-production with residents",
    "Evaluation and measuring impact",
]
REGIONS = [
    "North East",
    "North West",
    "Yorkshire and The Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
]

DEFAULT_CAPACITY = 3  # projects an enabler supports until their profile says otherwise

enabler_themes = Table(
    "enabler_themes",
    db.metadata,
    Column("profile_id", ForeignKey("enabler_profiles.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="RESTRICT"), primary_key=True),
)
enabler_places = Table(
    "enabler_places",
    db.metadata,
    Column("profile_id", ForeignKey("enabler_profiles.id", ondelete="CASCADE"), primary_key=True),
    Column("place_id", ForeignKey("places.id", ondelete="RESTRICT"), primary_key=True),
)
enabler_links = Table(
    "enabler_links",
    db.metadata,
    Column("profile_id", ForeignKey("enabler_profiles.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="RESTRICT"), primary_key=True),
)


class EnablerProfile(TimestampMixin, Model):
    """What an enabler brings: specialisms, where they work, how many projects they can support."""

    __tablename__ = "enabler_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), nullable=False, unique=True)
    bio: Mapped[str] = mapped_column(Text, nullable=False, default="")
    approaches: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    regions: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    capacity: Mapped[int] = mapped_column(Integer, nullable=False, default=DEFAULT_CAPACITY)
    available_from: Mapped[date | None] = mapped_column(Date)
    available_until: Mapped[date | None] = mapped_column(Date)

    user = relationship("User", lazy="joined", innerjoin=True)
    themes: Mapped[list[Theme]] = relationship(secondary=enabler_themes, order_by=Theme.name, lazy="selectin")
    places: Mapped[list[Place]] = relationship(secondary=enabler_places, order_by=Place.name, lazy="selectin")
    links: Mapped[list[Organisation]] = relationship(
        secondary=enabler_links, order_by=Organisation.name, lazy="selectin"
    )

    __table_args__ = (
        CheckConstraint("capacity >= 0 AND capacity <= 50", name="capacity_range"),
        CheckConstraint(
            "available_until IS NULL OR available_from IS NULL OR available_until >= available_from",
            name="availability_ordered",
        ),
    )

    def available_on(self, day: date) -> bool:
        return (self.available_from is None or self.available_from <= day) and (
            self.available_until is None or day <= self.available_until
        )
