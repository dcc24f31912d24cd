"""The partnership map: which organisations, of which sectors, take part in the funded projects (as
lead or as a confirmed partner), which sectors work together, and in which places a sector is missing.

A fixed number of grouped queries whatever the size: one for the memberships of every sector and
place, one for the sectors that share projects, and a page of organisations with their projects."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import case, func, literal, select, union_all

from grants.applications.models import Partner, PartnerStatus
from grants.directory.models import SECTORS, Organisation, Place
from grants.extensions import db
from grants.projects.models import Project


def memberships(round_id: int | None):
    """(project id, organisation id, role) of every organisation in a funded project: its lead, and
    the partners who confirmed their part in the bid."""
    leads = select(
        Project.id.label("project_id"),
        Project.lead_organisation_id.label("organisation_id"),
        literal("lead").label("role"),
    )
    partners = (
        select(Project.id, Partner.organisation_id, literal("partner"))
        .join(Partner, Partner.application_id == Project.application_id)
        .where(Partner.status == PartnerStatus.CONFIRMED)
    )
    if round_id:
        leads = leads.where(Project.round_id == round_id)
        partners = partners.where(Project.round_id == round_id)
    return union_all(leads, partners).subquery("memberships")


SECTOR_ORDER = case({key: position for position, key in enumerate(SECTORS)}, value=Organisation.sector)


@dataclass
class SectorSummary:
    key: str
    label: str
    organisations: int = 0
    projects: int = 0
    places: list[str] = field(default_factory=list)  # places it takes part in
    missing_from: list[str] = field(default_factory=list)  # places with projects but none of this sector
    partners: list[tuple[str, int]] = field(default_factory=list)  # (sector label, projects shared), most first


@dataclass
class PlaceRow:
    ons_code: str
    name: str
    projects: int
    by_sector: dict[str, int]  # sector → how many of its organisations take part here

    def missing(self) -> list[str]:
        return [SECTORS[key] for key in SECTORS if not self.by_sector.get(key)]


@dataclass
class Map:
    sectors: list[SectorSummary]
    places: list[PlaceRow]
    organisations: int
    projects: int


def sector_map(round_id: int | None) -> Map:
    """Every sector's organisations, projects and places, where it is missing and whom it works with."""
    member = memberships(round_id)
    place_rows = db.session.execute(
        select(
            Place.ons_code,
            Place.name,
            Organisation.sector,
            func.count(func.distinct(member.c.organisation_id)),
            func.count(func.distinct(member.c.project_id)),
        )
        .select_from(member)
        .join(Project, Project.id == member.c.project_id)
        .join(Place, Place.id == Project.place_id)
        .join(Organisation, Organisation.id == member.c.organisation_id)
        .group_by(Place.ons_code, Place.name, Organisation.sector)
    ).all()
    places = _places(round_id)
    for code, _name, sector, organisations, _projects in place_rows:
        places[code].by_sector[sector] = int(organisations)

    totals = db.session.execute(
        select(
            Organisation.sector,
            func.count(func.distinct(member.c.organisation_id)),
            func.count(func.distinct(member.c.project_id)),
        )
        .select_from(member)
        .join(Organisation, Organisation.id == member.c.organisation_id)
        .group_by(Organisation.sector)
    ).all()
    summaries = {key: SectorSummary(key, label) for key, label in SECTORS.items()}
    for sector, organisations, projects in totals:
        summaries[sector].organisations, summaries[sector].projects = int(organisations), int(projects)
    for row in places.values():
        for key, summary in summaries.items():
            (summary.places if row.by_sector.get(key) else summary.missing_from).append(row.name)
    for (first, second), shared in _sectors_together(member).items():
        summaries[first].partners.append((SECTORS[second], shared))
        summaries[second].partners.append((SECTORS[first], shared))
    for summary in summaries.values():
        summary.partners.sort(key=lambda pair: (-pair[1], pair[0]))

    counts = db.session.execute(
        select(func.count(func.distinct(member.c.organisation_id)), func.count(func.distinct(member.c.project_id)))
    ).one()
    return Map(list(summaries.values()), list(places.values()), int(counts[0]), int(counts[1]))


def _places(round_id: int | None) -> dict[str, PlaceRow]:
    """Every place a funded project serves, in name order, with how many projects it has."""
    statement = (
        select(Place.ons_code, Place.name, func.count(Project.id))
        .join(Project, Project.place_id == Place.id)
        .group_by(Place.ons_code, Place.name)
        .order_by(Place.name, Place.ons_code)
    )
    if round_id:
        statement = statement.where(Project.round_id == round_id)
    return {code: PlaceRow(code, name, int(count), {}) for code, name, count in db.session.execute(statement)}


def _sectors_together(member) -> dict[tuple[str, str], int]:
    """(sector, another sector) → how many projects have organisations of both: one self-join."""
    first_org, second_org = Organisation.__table__.alias("first_org"), Organisation.__table__.alias("second_org")
    other = member.alias("other")
    rows = db.session.execute(
        select(first_org.c.sector, second_org.c.sector, func.count(func.distinct(member.c.project_id)))
        .select_from(member)
        .join(other, other.c.project_id == member.c.project_id)
        .join(first_org, first_org.c.id == member.c.organisation_id)
        .join(second_org, second_org.c.id == other.c.organisation_id)
        .where(first_org.c.sector < second_org.c.sector)
        .group_by(first_org.c.sector, second_org.c.sector)
    ).all()
    return {(first, second): int(count) for first, second, count in rows}


def organisations_statement(round_id: int | None, sector: str | None):
    """The organisations taking part, by sector (in the sector list's order), then name."""
    member = memberships(round_id)
    statement = (
        select(Organisation)
        .where(Organisation.id.in_(select(member.c.organisation_id)))
        .order_by(SECTOR_ORDER, Organisation.name, Organisation.id)
    )
    return statement.where(Organisation.sector == sector) if sector else statement


@dataclass(frozen=True)
class Membership:
    project_id: int
    application_id: int
    reference: str
    title: str
    place: str | None
    role: str


def projects_of(
    organisation_ids: list[int], round_id: int | None, hidden: set[int] = frozenset()
) -> dict[int, list[Membership]]:
    """Organisation id → the funded projects it takes part in, in reference order, leaving out the
    projects of ``hidden`` bids (those a steering-group member is conflicted with): one query."""
    if not organisation_ids:
        return {}
    member = memberships(round_id)
    rows = db.session.execute(
        select(
            member.c.organisation_id,
            Project.id,
            Project.application_id,
            Project.reference,
            Project.title,
            Place.name,
            member.c.role,
        )
        .select_from(member)
        .join(Project, Project.id == member.c.project_id)
        .outerjoin(Place, Place.id == Project.place_id)
        .where(member.c.organisation_id.in_(organisation_ids), Project.application_id.not_in(list(hidden)))
        .order_by(Project.reference, member.c.role)
    ).all()
    found: dict[int, list[Membership]] = defaultdict(list)
    for organisation_id, *values in rows:
        found[organisation_id].append(Membership(*values))
    return found
