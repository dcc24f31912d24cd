"""Which enabler suits a project, and why.

Enablers are ranked by these reasons, in this order:

1. **Available**: their availability dates include today. Those who are not are listed last.
2. **Capacity**: those with room (current projects fewer than their capacity) before those at or over it.
3. **Theme overlap**: the more of the project's themes they specialise in, the higher.
4. **Place**: covering the project's place beats covering its region, which beats neither.
5. **Load**: a lighter load (current projects as a share of capacity) ranks higher.
6. **Name**, so the order is always the same.

Anyone linked to the project's lead or partner organisations (by their own organisation or a link
they have declared) is not ranked at all: they are shown apart, with the reason.

An enabler whose profile is not filled in (an account given the role without one, or an invitation
never followed up) is still offered, marked as such: nothing is known of their specialisms or places,
and their capacity is the usual one until their profile says otherwise.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from grants.accounts.models import User, UserRole
from grants.applications.models import Application, Partner
from grants.core.permissions import Role
from grants.enablers.models import DEFAULT_CAPACITY, EnablerProfile, enabler_links
from grants.extensions import db
from grants.projects.models import LIVE_STATUSES, EnablerAssignment, Project


@dataclass
class Match:
    user: User
    profile: EnablerProfile | None
    load: int
    theme_overlap: list[str] = field(default_factory=list)
    place_match: str | None = None  # "place", "region" or None
    available: bool = True
    link: str | None = None  # why they may not support this project

    @property
    def enabler(self) -> User:
        return self.user

    @property
    def capacity(self) -> int:
        return self.profile.capacity if self.profile is not None else DEFAULT_CAPACITY

    @property
    def profile_filled_in(self) -> bool:
        return is_filled_in(self.profile)

    @property
    def has_capacity(self) -> bool:
        return self.load < self.capacity

    @property
    def load_share(self) -> float:
        return self.load / self.capacity if self.capacity else float("inf")

    def sort_key(self):
        place_rank = {"place": 2, "region": 1}.get(self.place_match, 0)
        return (
            not self.available,
            not self.has_capacity,
            -len(self.theme_overlap),
            -place_rank,
            self.load_share,
            self.enabler.name,
            self.enabler.id,
        )

    def reasons(self) -> list[str]:
        reasons = []
        if not self.profile_filled_in:
            reasons.append("Profile not filled in: their specialisms and places are not known")
        if self.theme_overlap:
            reasons.append(f"Specialises in {', '.join(self.theme_overlap)}")
        else:
            reasons.append("No specialism in the project's themes")
        reasons.append(
            {"place": "Covers the project's place", "region": "Works in the project's region"}.get(
                self.place_match, "Does not cover the project's place or region"
            )
        )
        reasons.append(
            f"Supporting {self.load} of {self.capacity} projects"
            + ("" if self.has_capacity else ": at or over capacity")
        )
        if not self.available:
            reasons.append("Not available at the moment")
        return reasons


def is_filled_in(profile: EnablerProfile | None) -> bool:
    """Whether anyone has said what this enabler brings (an invitation leaves an empty profile)."""
    return profile is not None and bool(
        profile.bio.strip() or profile.approaches or profile.regions or profile.themes or profile.places
    )


def active_enablers_statement():
    """People who are enablers now: active accounts holding the role, whether or not they have a profile."""
    return (
        db.select(User)
        .where(
            User.is_active.is_(True),
            User.id.in_(db.select(UserRole.user_id).where(UserRole.role == Role.ENABLER.value)),
        )
        .order_by(User.name, User.id)
    )


def profiles_of(user_ids) -> dict[int, EnablerProfile]:
    """User id → enabler profile, for those of these people who have one: one query."""
    return {
        profile.user_id: profile
        for profile in db.session.scalars(db.select(EnablerProfile).where(EnablerProfile.user_id.in_(user_ids)))
    }


def current_assignments():
    """Support going on now: assignments not ended, of projects still live. (A project's end ends its
    enabler's support; a finished project is never counted, whatever its assignments say.)"""
    return (
        db.select(EnablerAssignment)
        .join(Project, Project.id == EnablerAssignment.project_id)
        .where(EnablerAssignment.ends_on.is_(None), Project.status.in_(LIVE_STATUSES))
    )


def current_loads() -> Counter:
    """Enabler id → how many projects they support now: what their capacity is measured against."""
    return Counter(db.session.scalars(current_assignments().with_only_columns(EnablerAssignment.enabler_id)))


def partnership_organisations(application_id: int) -> set[int]:
    lead = db.session.scalar(db.select(Application.lead_organisation_id).where(Application.id == application_id))
    partners = db.session.scalars(db.select(Partner.organisation_id).where(Partner.application_id == application_id))
    return {lead, *partners}


def link_reason(user: User, profile: EnablerProfile | None, organisations: set[int]) -> str | None:
    if user.organisation_id in organisations:
        return f"Works for {user.organisation.name}, which is in the partnership"
    links = profile.links if profile is not None else []
    linked = [organisation.name for organisation in links if organisation.id in organisations]
    if linked:
        return f"Has declared a link with {', '.join(linked)}"
    return None


def linked_with(enabler_id: int, organisation_ids: set[int]) -> bool:
    """Whether the enabler works for, or has declared a link with, one of these organisations (as
    ``links_with_current_projects`` judges it for one project): one query."""
    declared = (
        db.select(enabler_links.c.profile_id)
        .join(EnablerProfile, EnablerProfile.id == enabler_links.c.profile_id)
        .where(EnablerProfile.user_id == enabler_id, enabler_links.c.organisation_id.in_(organisation_ids))
    )
    return bool(
        db.session.scalar(
            db.select(
                db.exists()
                .where(User.id == enabler_id)
                .where(db.or_(User.organisation_id.in_(organisation_ids), db.exists(declared)))
            )
        )
    )


def links_with_current_projects(enabler_ids: list[int] | None = None) -> dict[int, list[str]]:
    """Enabler id → references of projects they support now despite a link with the partnership
    (declared after they were assigned). A fixed number of queries, however many enablers."""
    statement = (
        current_assignments()
        .with_only_columns(EnablerAssignment.enabler_id, Project.reference, Project.application_id)
        .order_by(Project.reference)
    )
    if enabler_ids is not None:
        statement = statement.where(EnablerAssignment.enabler_id.in_(enabler_ids))
    rows = db.session.execute(statement).all()
    if not rows:
        return {}
    application_ids = {row.application_id for row in rows}
    organisations: dict[int, set[int]] = {}
    for application_id, organisation_id in db.session.execute(
        db.select(Application.id, Application.lead_organisation_id).where(Application.id.in_(application_ids))
    ):
        organisations.setdefault(application_id, set()).add(organisation_id)
    for application_id, organisation_id in db.session.execute(
        db.select(Partner.application_id, Partner.organisation_id).where(Partner.application_id.in_(application_ids))
    ):
        organisations.setdefault(application_id, set()).add(organisation_id)
    enabler_ids = {row.enabler_id for row in rows}
    profiles = profiles_of(enabler_ids)
    employers = dict(db.session.execute(db.select(User.id, User.organisation_id).where(User.id.in_(enabler_ids))).all())
    found: dict[int, list[str]] = {}
    for row in rows:
        profile = profiles.get(row.enabler_id)
        links = profile.links if profile is not None else []
        own = {employers.get(row.enabler_id), *(organisation.id for organisation in links)}
        if own & organisations.get(row.application_id, set()):
            found.setdefault(row.enabler_id, []).append(row.reference)
    return found


def rank(project, today: date | None = None) -> tuple[list[Match], list[Match]]:
    """(ranked enablers who may support the project, those linked to its partnership)."""
    today = today or date.today()
    enablers = db.session.scalars(active_enablers_statement()).all()
    profiles = profiles_of([user.id for user in enablers])
    loads = current_loads()
    organisations = partnership_organisations(project.application_id)
    project_themes = {theme.id: theme.name for theme in project.application.themes}
    place = project.place
    ranked, linked = [], []
    for user in enablers:
        profile = profiles.get(user.id)
        themes = profile.themes if profile is not None else []
        places = profile.places if profile is not None else []
        regions = (profile.regions or []) if profile is not None else []
        match = Match(
            user=user,
            profile=profile,
            load=loads.get(user.id, 0),
            theme_overlap=sorted(project_themes[t.id] for t in themes if t.id in project_themes),
            place_match=(
                "place" if place and place in places else "region" if place and place.region in regions else None
            ),
            available=profile is None or profile.available_on(today),
            link=link_reason(user, profile, organisations),
        )
        (linked if match.link else ranked).append(match)
    return sorted(ranked, key=Match.sort_key), sorted(linked, key=lambda m: m.enabler.name)
