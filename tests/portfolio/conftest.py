"""A programme to look at: the progress report's three projects (money released, match funding, RAG,
leadership answers), given places and themes, with a second round of bids at every stage of the
funnel and something overdue of every kind."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from html import unescape

import pytest

from grants.core.db import utcnow
from grants.extensions import db as _db
from grants.monitoring.models import ProgressReport
from tests.factories import (
    ApplicationFactory,
    OrganisationFactory,
    PartnerFactory,
    PlaceFactory,
    ReviewAssignmentFactory,
    RoundFactory,
    ThemeFactory,
    complete_bid,
    submitted_review,
    under_review_bid,
)
from tests.progress.conftest import Portfolio, framework, portfolio  # noqa: F401  (fixtures used here)


@dataclass
class Programme:
    portfolio: Portfolio
    funded_round: object
    bidding_round: object


@pytest.fixture
def programme(db, portfolio: Portfolio) -> Programme:  # noqa: F811
    a, b, c = portfolio.projects
    funded_round = a.round
    wigan, bolton = PlaceFactory(name="Wigan"), PlaceFactory(name="Bolton")
    ageing, alcohol, food = ThemeFactory(name="Ageing well"), ThemeFactory(name="Alcohol"), ThemeFactory(name="Food")
    for project, place, themes in ((a, wigan, [ageing, alcohol]), (b, wigan, [ageing]), (c, bolton, [food])):
        project.place = place
        project.application.place = place
        project.application.themes = themes
    a.status = b.status = "active"
    _db.session.commit()

    # Overdue: one of a's reports, a review on a bid still being assessed, a condition on c's first tranche.
    report = _db.session.scalars(
        _db.select(ProgressReport).where(ProgressReport.project_id == a.id).order_by(ProgressReport.sequence)
    ).first()
    report.status, report.due_on = "due", date.today() - timedelta(days=3)
    c_first = min(_tranches(c), key=lambda tranche: tranche.sequence)
    c_first.due_on = date.today() - timedelta(days=1)
    _db.session.commit()

    # A second round, being assessed, with bids at every stage.
    bidding_round = RoundFactory(code="LV8", status="assessing", assessment_deadline=date.today() + timedelta(days=9))
    for _ in range(2):
        ApplicationFactory(round=bidding_round)
    submitted = complete_bid(ApplicationFactory(round=bidding_round))
    submitted.status, submitted.reference, submitted.submitted_at = "submitted", "LV8-0101", utcnow()
    ineligible = complete_bid(ApplicationFactory(round=bidding_round))
    ineligible.status, ineligible.reference, ineligible.submitted_at = "ineligible", "LV8-0102", utcnow()
    withdrawn = complete_bid(ApplicationFactory(round=bidding_round))
    withdrawn.status, withdrawn.reference, withdrawn.submitted_at = "withdrawn", "LV8-0103", utcnow()
    withdrawn.withdrawn_at = utcnow()
    _db.session.commit()
    scored, waiting = under_review_bid(bidding_round), under_review_bid(bidding_round)
    submitted_review(scored, [4, 3])
    ReviewAssignmentFactory(application=waiting, due_on=date.today() - timedelta(days=2))  # overdue
    ReviewAssignmentFactory(application=waiting, due_on=date.today() + timedelta(days=2))  # not yet
    rejected = under_review_bid(bidding_round)
    rejected.status = "rejected"
    submitted_review(rejected, [1, 1])
    _db.session.commit()

    # Partners: a's partnership has a police force and a charity (one declined, so not counted).
    police = OrganisationFactory(name="Greater Manchester Police", sector="police")
    charity = OrganisationFactory(name="Wigan Food Bank", sector="voluntary_community")
    PartnerFactory(application=a.application, organisation=police)
    PartnerFactory(application=a.application, organisation=charity, status="declined")
    PartnerFactory(application=c.application, organisation=police)
    return Programme(portfolio, funded_round, bidding_round)


def _tranches(project):
    from grants.funding.models import Tranche

    return _db.session.scalars(_db.select(Tranche).where(Tranche.project_id == project.id)).all()


def table(html: str, caption: str) -> list[list[str]]:
    """The body rows of the table with this caption, each a list of its cells' text."""
    found = re.search(rf"<caption[^>]*>\s*{re.escape(caption)}\s*</caption>(.*?)</table>", html, flags=re.S)
    assert found, f"no table captioned {caption!r}"
    body = found.group(1).split("<tbody", 1)[-1]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)
    return [
        [
            " ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        ]
        for row in rows
    ]
