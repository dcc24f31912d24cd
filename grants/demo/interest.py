"""Expressions of interest for wave 4: a round with a short form of its own, open now. Places tell the
programme their idea, whether partners are on board (and, only if so, who) and roughly how much they
would ask for; a few have sent theirs, others are still writing. The round asks for no partnership,
match funding or learning commitments yet: those come with a full bid."""

from __future__ import annotations

import random
from datetime import timedelta

from grants.accounts.models import User
from grants.applications.models import Application, ApplicationStatus, BudgetLine
from grants.bidforms.default import EXPRESSION_OF_INTEREST
from grants.demo.data import PLACES
from grants.demo.history import now, today
from grants.demo.programme import (
    DEMO_APPLICANT_PLACES,
    PARTNER_KINDS,
    audit_bid,
    council,
    lead_applicant,
    make_round,
    rubric,
)
from grants.demo.stories import STORIES
from grants.directory.models import Place, Theme
from grants.extensions import db
from grants.rounds.models import Round

CODE = "LV4E"
TITLE = "Local Vision: expressions of interest for wave 4"
# Nothing a full bid needs yet: one sector (the lead's own), no partner confirmed, no match, no commitments.
RULES = {
    "min_partner_sectors": 1,
    "min_confirmed_partners": 0,
    "match_at_least_required": False,
    "min_learning_commitments": 0,
}
RUBRIC = [
    ("The idea", 60, "Whether the issue is clear, and whether the idea could change it."),
    ("Partners on board", 40, "Whether organisations from other sectors have agreed to work on it."),
]
RUBRIC_QUESTIONS = {"The idea": ["idea"], "Partners on board": ["partners_agreed", "partner_names"]}
# Each expression of interest: its status, and the pages written (all of them once sent).
EXPRESSIONS = [
    ("submitted", "yes"),
    ("submitted", "no"),
    ("submitted", "yes"),
    ("submitted", "yes"),
    ("draft", "yes"),  # the idea and partners written; who the partners are, not yet
    ("draft", None),  # the idea only
    ("draft", "no"),  # everything written, not yet sent
]
OPENED_DAYS_AGO = 14
FIRST_PLACE = 32  # of the places not the demo applicants': wave 3's bids come from those before


def seed_expressions_of_interest(themes: dict[str, Theme], places: dict[str, Place]) -> bool:
    """The round and its expressions of interest, unless it is already there. Returns whether it was made."""
    if db.session.scalar(db.select(Round.id).where(Round.code == CODE)):
        return False
    rng = random.Random(20261207)
    round_ = make_round(
        CODE,
        TITLE,
        "A short first stage for wave 4: tell us your idea. We will invite the most promising places to bid.",
        today() - timedelta(days=OPENED_DAYS_AGO),
        today() + timedelta(days=42),
        "open",
        [themes[slug] for slug in STORIES],
        guidance=(
            "Tell us briefly about the issue in your place and what you would like to try, whether other "
            "organisations have agreed to work with you, and roughly how much you would ask for. You do not "
            "need a partnership, match funding or learning commitments yet: we ask for those in a full bid."
        ),
        form=EXPRESSION_OF_INTEREST,
        criteria=rubric(RUBRIC, RUBRIC_QUESTIONS),
        eligibility=dict(RULES),
        match_required_pence=0,
    )
    others = [row for row in PLACES if row[0] not in DEMO_APPLICANT_PLACES]
    users: dict[str, User] = {}
    stories = list(STORIES.items())
    for number, ((code, _, _, lae), (status, partners)) in enumerate(
        zip(others[FIRST_PLACE:], EXPRESSIONS, strict=False)
    ):
        slug, story = stories[number % len(stories)]
        _expression(round_, places[code], lae, users, status, partners, story, themes[slug], rng)
    db.session.flush()
    return True


def _expression(round_, place, lae, users, status, partners, story, theme, rng) -> Application:
    organisation = council(place, lae)
    lead = lead_applicant(organisation, lae, users)
    db.session.flush()
    latest = now() - timedelta(days=3)
    when = min(round_.opens_at + timedelta(days=rng.randint(1, 8), hours=rng.randint(0, 6)), latest)
    application = Application(
        round=round_,
        lead_organisation=organisation,
        lead_applicant=lead,
        status=ApplicationStatus.DRAFT,
        section_states={},
        created_at=when,
        updated_at=when,
    )
    db.session.add(application)
    db.session.flush()
    audit_bid("application.created", application, when, actor=lead, after={"round": round_.code})
    town = place.name.split(",")[0]
    application.title = story["title"].format(place=town)
    application.place = place
    application.themes = [theme]
    answers = {"idea": f"{story['issue']} {story['approach']}".format(place=town)}
    pages = ["idea"]
    if partners is not None:
        answers["partners_agreed"] = partners
        pages.append("partners")
    if partners == "yes" and status == "submitted":
        names = [pattern.format(place=town, region=place.region) for _, pattern in rng.sample(PARTNER_KINDS, 3)]
        answers["partner_names"] = ", ".join(names)
        pages.append("partner_names")
    if status == "submitted" or partners == "no":
        _budget(application, rng)
        pages.append("budget")
    application.answers = answers
    application.section_states = {page: "completed" for page in pages}
    if status == "submitted":
        round_.last_reference_number += 1
        application.reference = f"{round_.code}-{round_.last_reference_number:04d}"
        application.submitted_at = when + timedelta(days=rng.randint(1, 2))
        application.status = ApplicationStatus.SUBMITTED
        audit_bid(
            "application.submitted",
            application,
            application.submitted_at,
            actor=lead,
            before={"status": "draft"},
            after={"status": "submitted", "reference": application.reference},
        )
    application.updated_at = application.submitted_at or when
    return application


def _budget(application: Application, rng: random.Random) -> None:
    """Roughly how much: the amount, and a first split of it."""
    requested = rng.choice([2_000_000, 2_500_000, 2_700_000])
    workshops = rng.choice([1_000_000, 1_200_000])
    application.amount_requested_pence = requested
    application.budget_lines = [
        BudgetLine(position=1, description="Bringing the partners together and facilitation", amount_pence=workshops),
        BudgetLine(
            position=2, description="Residents' voice and sharing what we learn", amount_pence=requested - workshops
        ),
    ]
