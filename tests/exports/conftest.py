"""A small programme whose every figure is known, and the ways a test reads a download: a CSV table,
an Excel workbook, or the streamed response itself."""

from __future__ import annotations

import contextvars
import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook

from grants.core.permissions import Role
from grants.extensions import db as _db
from grants.funding.models import Payment, Tranche
from tests.factories import (
    ApplicationFactory,
    EnablerProfileFactory,
    OrganisationFactory,
    PartnerFactory,
    PlaceFactory,
    RoundFactory,
    ThemeFactory,
    UserFactory,
    assign,
    decide,
    funded_project,
    submitted_review,
)

DATASETS = ("applications", "scores", "decisions", "projects", "tranches", "payments")

# Times stored in UTC; the downloads show them in UK time (British Summer Time in July, GMT in January).
SUBMITTED_AT = datetime(2026, 7, 1, 8, 30, tzinfo=UTC)  # 09:30 in London
REVIEWED_AT = datetime(2026, 7, 20, 15, 5, 9, tzinfo=UTC)  # 16:05:09
DECIDED_AT = datetime(2026, 8, 3, 9, 0, tzinfo=UTC)  # 10:00
EFFECTIVE_AT = datetime(2026, 8, 10, 11, 0, tzinfo=UTC)  # 12:00
WITHDRAWN_AT = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)  # 10:00 (GMT)
REQUESTED_AT = datetime(2026, 12, 1, 9, 15, tzinfo=UTC)  # 09:15 (GMT)
RELEASED_AT = datetime(2026, 12, 2, 14, 45, tzinfo=UTC)  # 14:45 (GMT)
HELD_AT = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


@dataclass
class Programme:
    round: object
    bid: object
    withdrawn: object
    draft: object
    project: object
    reviewer: object
    chair: object
    enabler: object
    officer: object
    finance: object
    tranches: list
    other_project: object


def assessing_round(**kwargs):
    return RoundFactory(status="assessing", assessment_deadline=date.today() + timedelta(days=30), **kwargs)


@pytest.fixture
def programme(db, officer, finance) -> Programme:
    """Wigan's funded bid in one round (scored, decided, its first tranche paid and its last held), a
    withdrawn bid and a draft beside it, and a funded project in another round."""
    older, alcohol = ThemeFactory(name="Older people"), ThemeFactory(name="Alcohol misuse")
    round_ = assessing_round(themes=[older, alcohol])
    council = OrganisationFactory(name="Wigan Council", sector="local_government", org_id="GB-LAE-WGN")
    project = funded_project(round_, lead_organisation=council, title="Home from hospital")
    bid = project.application
    wigan = PlaceFactory(name="Wigan", ons_code="E08000010")
    bid.place, project.place = wigan, wigan
    bid.themes = [older, alcohol]
    bid.submitted_at = SUBMITTED_AT
    PartnerFactory(application=bid, status="invited")  # two partners now, one confirmed
    project.rag = "amber"
    _db.session.commit()

    reviewer = UserFactory(name="Asha Reviewer", roles=[Role.STEERING_MEMBER])
    review = submitted_review(bid, [4, 3], reviewer=reviewer, justification="Strong partnership across sectors.")
    review.submitted_at = REVIEWED_AT
    chair = UserFactory(name="Chidi Chair", roles=[Role.STEERING_CHAIR])
    decide(
        bid,
        "approved",
        rationale="A strong partnership.",
        conditions="Send the board's pledge letter.",
        decided_by_id=chair.id,
        decided_at=DECIDED_AT,
        effective_at=EFFECTIVE_AT,
    )
    enabler = EnablerProfileFactory(user__name="Jo Enabler").user
    assign(project, enabler)
    tranches = _tranches_of(project)
    pay(tranches[0], officer, finance)
    tranches[2].status, tranches[2].held_at, tranches[2].held_by_id = "held", HELD_AT, officer.id
    tranches[2].held_reason = "Waiting for the board's letter."

    round_.last_reference_number += 1  # the withdrawn bid had been submitted: it has the next reference
    withdrawn = ApplicationFactory(
        round=round_,
        title="Safer streets",
        status="withdrawn",
        reference=f"{round_.code}-{round_.last_reference_number:04d}",
        withdrawn_at=WITHDRAWN_AT,
        withdrawal_reason="Partners changed.",
    )
    draft = ApplicationFactory(round=round_, title="Still drafting")
    other_project = funded_project(assessing_round(), title="Moving more")
    _db.session.commit()
    return Programme(
        round_, bid, withdrawn, draft, project, reviewer, chair, enabler, officer, finance, tranches, other_project
    )


def _tranches_of(project) -> list[Tranche]:
    return list(
        _db.session.scalars(_db.select(Tranche).where(Tranche.project_id == project.id).order_by(Tranche.sequence))
    )


def pay(tranche: Tranche, officer, finance) -> Payment:
    tranche.status, tranche.requested_at, tranche.requested_by_id = "released", REQUESTED_AT, officer.id
    tranche.released_at = RELEASED_AT
    payment = Payment(
        tranche_id=tranche.id,
        project_id=tranche.project_id,
        amount_pence=tranche.amount_pence,
        reference="BACS-000123",
        requested_by_id=officer.id,
        approved_by_id=finance.id,
        approved_at=RELEASED_AT,
    )
    _db.session.add(payment)
    _db.session.commit()
    return payment


# --- Reading downloads --------------------------------------------------------------------------------


def csv_table(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True), newline="")))


def xlsx_table(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.get_data())).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def xlsx_cells(response) -> list[list]:
    """The cells themselves (to read their type), header row first."""
    sheet = load_workbook(io.BytesIO(response.get_data())).worksheets[0]
    return [list(row) for row in sheet.iter_rows()]


def streamed(client, url: str):
    """The response as the server sends it, unbuffered: ``(response, body)``. It runs, and is read, in
    contexts of its own, as a request would be in production."""

    def run():
        response = FlaskClient.open(client, url, buffered=False)
        try:
            return response, (response.is_streamed, response.get_data())
        finally:
            response.close()

    response, (is_streamed, body) = contextvars.Context().run(run)
    _db.session.expire_all()
    return response, is_streamed, body
