from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.core.db import TimestampMixin
from grants.extensions import Model

SECTORS = {
    "local_government": "Local government",
    "nhs": "NHS",
    "public_health": "Public health",
    "social_care": "Social care",
    "police": "Police",
    "housing": "Housing",
    "fire_and_rescue": "Fire and rescue",
    "education": "Education",
    "voluntary_community": "Voluntary and community",
    "private": "Private sector",
    "other": "Other",
}
SECTOR_VALUES = ", ".join(f"'{key}'" for key in SECTORS)


class Place(Model):
    """A local authority area, identified by its ONS code (Wigan is ``E08000010``)."""

    __tablename__ = "places"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    ons_code: Mapped[str] = mapped_column(String(9), unique=True, nullable=False)
    region: Mapped[str] = mapped_column(String(60), nullable=False)

    __table_args__ = (CheckConstraint("length(ons_code) = 9", name="ons_code_length"),)

    def __repr__(self) -> str:
        return f"<Place {self.ons_code} {self.name}>"


class Theme(Model):
    """A "wicked issue" the programme funds work on."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default=true())

    def __repr__(self) -> str:
        return f"<Theme {self.slug}>"


class Organisation(TimestampMixin, Model):
    """A council, NHS body, police force, charity or company taking part in a partnership.

    ``org_id`` is the organisation identifier used by 360Giving (``GB-CHC-1234567``,
    ``GB-COH-01234567``, ``GB-LAE-WGN`` ...).
    """

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    sector: Mapped[str] = mapped_column(String(40), nullable=False)
    org_id: Mapped[str | None] = mapped_column(String(80), unique=True)
    charity_number: Mapped[str | None] = mapped_column(String(20))
    company_number: Mapped[str | None] = mapped_column(String(20))
    address_line_1: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    address_line_2: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    town: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    postcode: Mapped[str] = mapped_column(String(10), nullable=False, default="")
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="RESTRICT"), index=True)

    place: Mapped[Place | None] = relationship(lazy="joined")

    __table_args__ = (CheckConstraint(f"sector IN ({SECTOR_VALUES})", name="known_sector"),)

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name}>"

    @property
    def sector_label(self) -> str:
        return SECTORS[self.sector]
