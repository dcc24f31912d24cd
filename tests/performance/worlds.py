"""Worlds for the query budgets: each ``grow_*`` adds ``count`` more of what a page lists, so a test
can measure a page on a small world, grow it, and measure it again. Rows come in bulk (one INSERT
for many) where factories would be slow; each thing a page shows per row (its organisation, place,
themes, reviewers, authors) is a different row, so a lazy load per row would show."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import insert

from grants.applications.models import Application, application_themes
from grants.bidforms.queries import Form, form_of
from grants.core.db import utcnow
from grants.core.permissions import Role
from grants.enablers.models import EnablerAssignment
from grants.extensions import db
from grants.learning.models import LearningItem, learning_item_themes
from grants.projects.models import ProjectUpdate
from grants.reviews.kept import keep_round_scores
from grants.reviews.models import Decision, ReviewAssignment, Score
from tests.factories import (
    OrganisationFactory,
    PartnerFactory,
    PlaceFactory,
    RoundFactory,
    ThemeFactory,
    UserFactory,
    funded_project,
)

SEARCH_WORD = "journeys"


def _new(factory, count: int) -> list:
    """``count`` new rows of a factory's model, inserted together."""
    rows = [factory.build() for _ in range(count)]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def grow_rounds(count: int) -> None:
    """Open, upcoming and closed rounds, in turn, each with its own two themes."""
    now = utcnow()
    shapes = (
        {},
        {"opens_at": now + timedelta(days=5), "closes_at": now + timedelta(days=60)},
        {"opens_at": now - timedelta(days=90), "closes_at": now - timedelta(days=30), "status": "closed"},
    )
    for n in range(count):
        RoundFactory(**shapes[n % len(shapes)])


# An answer of each kind a question can ask (a file needs a document of its own: left unanswered).
ANSWERS = {
    "short_text": "Bid {n}",
    "long_text": "The answer of bid {n}, in a few words.",
    "number": 12,
    "money": 500_000,
    "date": "2027-03-01",
    "yes_no": "yes",
}


def answers_to(form: Form, n: int) -> dict:
    """An answer to every question of ``form`` a bid is asked (conditions held: every yes is yes)."""
    answers: dict = {}
    for question in form.answerable:
        if question.kind in ANSWERS:
            value = ANSWERS[question.kind]
            answers[question.key] = value.format(n=n) if isinstance(value, str) else value
        elif question.kind in ("choice", "choices") and question.choices:
            first = question.choices[0]["value"]
            answers[question.key] = first if question.kind == "choice" else [first]
    return form.kept(answers)


def grow_bids(round_, count: int, *, status: str = "under_review") -> list[int]:
    """``count`` submitted bids in the round, each with its own lead organisation, place and two themes,
    answering every question of the round's form."""
    form = form_of(round_.id)
    sections = {page.key: "completed" for page in form.shown_pages(answers_to(form, 0))}
    lead = UserFactory(roles=[Role.APPLICANT], organisation=OrganisationFactory())
    organisations = _new(OrganisationFactory, count)
    places = _new(PlaceFactory, count)
    themes = _new(ThemeFactory, count + 1)
    start, now = round_.last_reference_number, utcnow()
    ids = db.session.scalars(
        insert(Application).returning(Application.id, sort_by_parameter_order=True),
        [
            {
                "round_id": round_.id,
                "reference": f"{round_.code}-{start + n:05d}",
                "lead_organisation_id": organisation.id,
                "lead_applicant_id": lead.id,
                "status": status,
                "title": f"Bid {start + n}",
                "place_id": place.id,
                "answers": answers_to(form, start + n),
                "section_states": sections,
                "amount_requested_pence": 2_700_000,
                "match_amount_pence": 1_000_000,
                "submitted_at": now - timedelta(minutes=n),
            }
            for n, (organisation, place) in enumerate(zip(organisations, places, strict=True), start=1)
        ],
    ).all()
    db.session.execute(
        insert(application_themes),
        [
            {"application_id": application_id, "theme_id": theme.id}
            for n, application_id in enumerate(ids)
            for theme in (themes[n], themes[n + 1])
        ],
    )
    round_.last_reference_number = start + count
    db.session.commit()
    return ids


def grow_scored_bids(round_, count: int, *, reviewers: int) -> None:
    """``count`` bids under review, each scored on every criterion by ``reviewers`` reviewers of its
    own; every other bid has a decision recorded (approved or reserve)."""
    ids = grow_bids(round_, count)
    people = _new(UserFactory, count * reviewers)
    now = utcnow()
    assignment_ids = db.session.scalars(
        insert(ReviewAssignment).returning(ReviewAssignment.id),
        [
            {
                "application_id": application_id,
                "reviewer_id": people[n * reviewers + r].id,
                "due_on": now.date(),
                "status": "submitted",
                "submitted_at": now,
            }
            for n, application_id in enumerate(ids)
            for r in range(reviewers)
        ],
    ).all()
    db.session.execute(
        insert(Score),
        [
            {"assignment_id": assignment_id, "criterion_id": criterion.id, "value": (assignment_id + n) % 6}
            for assignment_id in assignment_ids
            for n, criterion in enumerate(round_.criteria)
        ],
    )
    db.session.execute(
        insert(Decision),
        [
            {"application_id": application_id, "outcome": ("approved", "reserve")[n % 4 == 2], "rationale": "Agreed."}
            for n, application_id in enumerate(ids)
            if n % 2 == 0
        ],
    )
    keep_round_scores(round_.id)  # as submitting through the service keeps them
    db.session.commit()


def grow_project_history(project, count: int) -> None:
    """``count`` more updates, each by a different enabler, and a few more past enablers and confirmed
    partners (one for each ten updates)."""
    authors = _new(UserFactory, count)
    for _ in range(1 + count // 10):
        PartnerFactory(application=project.application)
    today = date.today()
    db.session.execute(
        insert(EnablerAssignment),
        [
            {
                "project_id": project.id,
                "enabler_id": author.id,
                "starts_on": today - timedelta(days=800 - 2 * n),
                "ends_on": today - timedelta(days=799 - 2 * n),
                "end_reason": "Moved on",
            }
            for n, author in enumerate(authors[: 1 + count // 10])
        ],
    )
    db.session.execute(
        insert(ProjectUpdate),
        [
            {
                "project_id": project.id,
                "author_id": author.id,
                "happened_on": today - timedelta(days=n % 300),
                "kind": "coaching",
                "hours": 2,
                "what_happened": f"Session {n}",
                "rag": "green",
                "private_note": "A note for the programme team",
            }
            for n, author in enumerate(authors)
        ],
    )
    db.session.commit()


def grow_portfolio(round_, count: int) -> None:
    """``count`` funded projects (with their tranches, reports and commitments) and as many bids still
    under review in another round."""
    for _ in range(count):
        funded_project(round_)
    grow_bids(RoundFactory(status="assessing"), count)


def grow_library(projects, count: int, reviewer) -> None:
    """``count`` published learning items that mention ``SEARCH_WORD``, over the projects, each with
    its own place and two themes."""
    places = _new(PlaceFactory, count)
    themes = _new(ThemeFactory, count + 1)
    now = utcnow()
    ids = db.session.scalars(
        insert(LearningItem).returning(LearningItem.id, sort_by_parameter_order=True),
        [
            {
                "project_id": projects[n % len(projects)].id,
                "kind": "case_study",
                "title": f"Lesson {n}",
                "summary": "How four agencies agreed one plan.",
                "body": f"The partnership mapped twelve {SEARCH_WORD} home.",
                "place_id": place.id,
                "consent_to_publish": True,
                "status": "published",
                "author_id": reviewer.id,
                "reviewed_by_id": reviewer.id,
                "reviewed_at": now,
                "published_at": now - timedelta(minutes=n),
            }
            for n, place in enumerate(places)
        ],
    ).all()
    db.session.execute(
        insert(learning_item_themes),
        [{"item_id": item_id, "theme_id": themes[n + k].id} for n, item_id in enumerate(ids) for k in (0, 1)],
    )
    db.session.commit()
