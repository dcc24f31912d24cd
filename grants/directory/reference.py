"""Reference data every deployment needs: the UK's local authority areas and the default themes.

The areas come from ``data/local_authority_areas.csv`` (ONS codes, names, code types and regions; its
header says which ONS release). Loading is safe to run again: a new area is added, an area whose name or
region has changed is updated, and an area no longer in the list is removed only while nothing refers to
it (an organisation, a bid, a project, an enabler's profile or a learning item keeps it). A default theme
is added unless a theme with its slug or its name (in any case) is already there, so a theme renamed
or switched off by the programme team is left as they made it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import inspect, select

from grants.core import audit
from grants.directory.models import Place, Theme
from grants.extensions import db

AREAS_FILE = Path(__file__).with_name("data") / "local_authority_areas.csv"
AREA_COLUMNS = ["gss_code", "name", "code_type", "region", "country"]
CODE_TYPES = {
    "E06": "England",
    "E07": "England",
    "E08": "England",
    "E09": "England",
    "E10": "England",
    "W06": "Wales",
    "S12": "Scotland",
    "N09": "Northern Ireland",
}

# (slug, name, description): the "wicked issues" a programme usually starts with; the programme team
# edits them under Themes.
DEFAULT_THEMES = [
    (
        "safeguarding",
        "Safeguarding adults and children",
        "Agencies sharing information and acting together so that people at risk are kept safe.",
    ),
    (
        "older-people",
        "Integrating services for older people",
        "Joining up health, social care and community support around older people and their carers.",
    ),
    (
        "alcohol-misuse",
        "Reducing alcohol misuse",
        "Prevention, treatment and licensing working together to reduce harm from alcohol.",
    ),
    (
        "physical-activity",
        "Physical activity",
        "Making active lives a way of life, with communities, schools, planners and health services.",
    ),
    (
        "food-poverty",
        "Food poverty and food waste",
        "Stronger networks between food producers, charities and consumers.",
    ),
    (
        "health-social-care",
        "Health and social care integration",
        "Commissioners, providers, service users and carers designing care together.",
    ),
    (
        "mental-health",
        "Mental health and wellbeing",
        "Early help for mental health across schools, primary care, police and the voluntary sector.",
    ),
    (
        "homelessness",
        "Homelessness and housing",
        "Housing, health and justice services preventing homelessness together.",
    ),
]


class ReferenceDataError(Exception):
    """The areas file cannot be read as a list of areas."""


@dataclass(frozen=True)
class Area:
    gss_code: str
    name: str
    code_type: str
    region: str
    country: str


@dataclass
class LoadResult:
    areas_added: list[str] = field(default_factory=list)
    areas_updated: list[str] = field(default_factory=list)
    areas_removed: list[str] = field(default_factory=list)
    areas_kept: list[str] = field(default_factory=list)  # no longer listed, but in use
    themes_added: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.areas_added or self.areas_updated or self.areas_removed or self.themes_added)


def read_areas(path: Path | None = None) -> list[Area]:
    """The areas in the file (the shipped one unless given), checked: every code nine characters, of a
    known type, in the right country, once."""
    path = path or AREAS_FILE
    with open(path, newline="", encoding="utf-8") as handle:
        lines = [line for line in handle if line.strip() and not line.startswith("#")]
    reader = csv.DictReader(lines)
    if reader.fieldnames != AREA_COLUMNS:
        raise ReferenceDataError(f"{path.name}: the columns must be {', '.join(AREA_COLUMNS)}")
    areas, seen = [], set()
    for number, row in enumerate(reader, start=2):
        area = Area(**{key: (row[key] or "").strip() for key in AREA_COLUMNS})
        if len(area.gss_code) != 9 or area.gss_code[:3] != area.code_type or area.code_type not in CODE_TYPES:
            raise ReferenceDataError(f"{path.name}, row {number}: {area.gss_code!r} is not a known kind of area code")
        if CODE_TYPES[area.code_type] != area.country or not area.name or not area.region:
            raise ReferenceDataError(f"{path.name}, row {number}: {area.gss_code} needs a name, region and country")
        if area.gss_code in seen:
            raise ReferenceDataError(f"{path.name}, row {number}: {area.gss_code} is listed twice")
        seen.add(area.gss_code)
        areas.append(area)
    return areas


def places_in_use() -> set[int]:
    """The places something in the database refers to, found from the schema itself so that a table
    added later is counted without a change here."""
    inspector = inspect(db.session.connection())
    used: set[int] = set()
    for table in inspector.get_table_names():
        for key in inspector.get_foreign_keys(table):
            if key["referred_table"] != Place.__tablename__ or key["referred_columns"] != ["id"]:
                continue
            column = db.column(key["constrained_columns"][0])
            rows = db.session.execute(select(column).select_from(db.table(table)).where(column.is_not(None)))
            used.update(value for (value,) in rows)
    return used


def load_areas(areas: list[Area], result: LoadResult) -> None:
    listed = {area.gss_code: area for area in areas}
    existing = {place.ons_code: place for place in db.session.scalars(select(Place))}
    for code, area in listed.items():
        place = existing.get(code)
        if place is None:
            db.session.add(Place(ons_code=code, name=area.name, region=area.region))
            result.areas_added.append(code)
        elif (place.name, place.region) != (area.name, area.region):
            before = {"name": place.name, "region": place.region}
            place.name, place.region = area.name, area.region
            audit.record("place.updated", place, before=before, after={"name": area.name, "region": area.region})
            result.areas_updated.append(code)
    retired = [place for code, place in existing.items() if code not in listed]
    in_use = places_in_use() if retired else set()
    for place in retired:
        if place.id in in_use:
            result.areas_kept.append(place.ons_code)
            continue
        audit.record("place.removed", place, before={"ons_code": place.ons_code, "name": place.name})
        db.session.delete(place)
        result.areas_removed.append(place.ons_code)
    db.session.flush()


def load_themes(themes: list[tuple[str, str, str]], result: LoadResult) -> None:
    present = db.session.execute(select(Theme.slug, Theme.name)).all()
    slugs, names = {row.slug for row in present}, {row.name.casefold() for row in present}
    for slug, name, description in themes:
        if slug in slugs or name.casefold() in names:
            continue
        slugs.add(slug)
        names.add(name.casefold())
        theme = Theme(slug=slug, name=name, description=description, is_active=True)
        db.session.add(theme)
        db.session.flush()
        audit.record("theme.saved", theme, after={"name": name, "description": description, "is_active": True})
        result.themes_added.append(slug)


def load_reference_data(
    areas: list[Area] | None = None, themes: list[tuple[str, str, str]] | None = None
) -> LoadResult:
    """Bring the areas and default themes up to date (never commits: the caller does)."""
    result = LoadResult()
    load_areas(read_areas() if areas is None else areas, result)
    load_themes(DEFAULT_THEMES if themes is None else themes, result)
    if result.changed:
        audit.record(
            "reference_data.loaded",
            object_type="reference_data",
            after={
                "areas_added": len(result.areas_added),
                "areas_updated": result.areas_updated,
                "areas_removed": result.areas_removed,
                "themes_added": result.themes_added,
            },
        )
    return result
