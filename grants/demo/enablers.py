"""The demo's enablers: a pool with varied specialisms and loads, supporting wave 1's projects, with
months of updates in their logs."""

from __future__ import annotations

import random
from datetime import date, timedelta

from grants.accounts.models import User, UserRole
from grants.core.permissions import Role
from grants.demo.history import today
from grants.enablers.matching import rank
from grants.enablers.models import APPROACHES, EnablerProfile
from grants.extensions import db
from grants.projects.models import EnablerAssignment, Project, ProjectStatus, ProjectUpdate
from grants.projects.services import refresh_rag

POOL = [
    # name, handle, regions, capacity, theme slugs
    (
        "Ruth Okonjo",
        "ruth.okonjo",
        ["North West", "Yorkshire and The Humber"],
        4,
        ["health-social-care", "older-people", "safeguarding"],
    ),
    (
        "Gareth Lloyd",
        "gareth.lloyd",
        ["North East", "Yorkshire and The Humber"],
        3,
        ["alcohol-misuse", "physical-activity"],
    ),
    ("Anjali Mehta", "anjali.mehta", ["London", "South East"], 3, ["mental-health", "homelessness"]),
    ("Tom Beckett", "tom.beckett", ["South West", "West Midlands"], 3, ["food-poverty", "physical-activity"]),
    ("Fiona Campbell", "fiona.campbell", ["East Midlands", "East of England"], 3, ["older-people", "food-poverty"]),
    ("Marcus Reid", "marcus.reid", ["West Midlands", "North West"], 2, ["safeguarding", "homelessness"]),
    ("Leila Haddad", "leila.haddad", ["London", "East of England"], 3, ["health-social-care", "mental-health"]),
    ("Owen Pritchard", "owen.pritchard", ["North East", "North West"], 4, ["alcohol-misuse", "safeguarding"]),
]
WORK = [
    (
        "partnership_meeting",
        "Facilitated the partnership board: partners agreed one shared measure of success.",
        "Partners are now reporting progress to each other rather than to their own boards.",
    ),
    (
        "workshop",
        "Ran a whole-system workshop with frontline staff and residents mapping the journey.",
        "Frontline staff from different agencies are calling each other directly instead of referring.",
    ),
    (
        "coaching",
        "Coached the lead officers on holding difficult conversations across organisations.",
        "The NHS and council leads now co-chair the group, which they did not before.",
    ),
    (
        "site_visit",
        "Visited the community hub with the partners to hear from residents.",
        "Residents' stories are changing what the partners think the problem is.",
    ),
    (
        "workshop",
        "Action learning set on what is getting in the way of sharing information.",
        "A data sharing agreement has been signed after two years of stalling.",
    ),
]
RISKS = [
    "",
    "",
    "Key people are changing roles in the spring.",
    "Match funding is not yet confirmed in writing.",
    "Competing priorities in winter pressures.",
]


def _enabler(name: str, email: str) -> User:
    user = db.session.scalar(db.select(User).where(User.email == email))
    if user is None:  # no password: they exist in the story to support projects
        user = User(email=email, name=name, role_grants=[UserRole(role=Role.ENABLER.value)])
        db.session.add(user)
        db.session.flush()
    return user


def seed_enablers(themes: dict, demo_enabler: User | None) -> None:
    """The pool, each matched to wave 1's projects by the service's own ranking, with their logs."""
    if db.session.scalar(db.select(EnablerProfile.id).limit(1)):
        return
    rng = random.Random(2027)
    people = [(demo_enabler, ["North West", "North East"], 4, ["older-people", "health-social-care", "safeguarding"])]
    people += [
        (_enabler(name, f"{handle}@example.org"), regions, capacity, slugs)
        for name, handle, regions, capacity, slugs in POOL
    ]
    for user, regions, capacity, slugs in people:
        if user is None:
            continue
        db.session.add(
            EnablerProfile(
                user_id=user.id,
                capacity=capacity,
                regions=regions,
                approaches=rng.sample(APPROACHES, 3),
                themes=[themes[slug] for slug in slugs],
                bio=f"{user.name.split()[0]} has supported local partnerships in {' and '.join(regions)} for over ten "
                "years, bringing leaders together across councils, the NHS, the police and the voluntary sector.",
            )
        )
    db.session.flush()
    projects = db.session.scalars(
        db.select(Project).where(Project.reference.like("LV1-%")).order_by(Project.reference)
    ).all()  # the pilot's enablers are in its story (demo.endings); the newest projects wait for theirs
    for project in projects:
        ranked, _ = rank(project)
        choice = next((m for m in ranked if m.has_capacity), None)
        if choice is None:
            continue
        db.session.add(
            EnablerAssignment(
                project_id=project.id,
                enabler_id=choice.enabler.id,
                starts_on=project.starts_on,
                reason="Best match for the project's issues",
            )
        )
        db.session.flush()
        _log(project, choice.enabler, rng)


def _log(project: Project, author: User, rng: random.Random, until: date | None = None) -> None:
    """An update every few weeks from the project's start until now (or ``until``); the mood drifts."""
    day = project.starts_on + timedelta(days=rng.randint(7, 20))
    mood = rng.choice(["green", "green", "amber"])
    while day < (until or today()) - timedelta(days=rng.randint(1, 40)):
        kind, happened, shifting = rng.choice(WORK)
        mood = rng.choices(
            ["green", "amber", "red"], weights={"green": (7, 2, 1), "amber": (3, 5, 2), "red": (2, 4, 4)}[mood]
        )[0]
        db.session.add(
            ProjectUpdate(
                project_id=project.id,
                author_id=author.id,
                happened_on=day,
                kind=kind,
                hours=rng.choice([2, 3, 3.5, 6]),
                what_happened=happened,
                shifting=shifting,
                risks=rng.choice(RISKS),
                rag=mood,
                next_steps="Agree the next partnership session and who brings the data.",
                private_note=(
                    "The lead is stretched; worth a call from the programme team." if rng.random() < 0.1 else None
                ),
            )
        )
        day += timedelta(days=rng.randint(18, 45))
    db.session.flush()
    refresh_rag(project)
    if project.rag:
        project.status = ProjectStatus.ACTIVE
