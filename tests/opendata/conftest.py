"""Awarded grants to publish, built with the factories, and the money paid on them written the way the
funding area writes it (a released tranche and its payment)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from grants.core.db import utcnow
from grants.extensions import db as _db
from grants.funding.models import Payment, Tranche
from tests.factories import RoundFactory, funded_project


def parse(body: bytes | str) -> dict:
    """JSON with every number read as a Decimal, so amounts are compared exactly."""
    return json.loads(body, parse_float=Decimal, parse_int=Decimal)


def release(project, sequences, officer, finance) -> int:
    """Release the project's tranches of these sequences, returning the pence paid."""
    paid, now = 0, utcnow()
    tranches = _db.session.scalars(_db.select(Tranche).where(Tranche.project_id == project.id)).all()
    for tranche in tranches:
        if tranche.sequence not in sequences:
            continue
        tranche.status, tranche.requested_at, tranche.requested_by_id = "released", now, officer.id
        tranche.released_at = now
        _db.session.add(
            Payment(
                tranche_id=tranche.id,
                project_id=project.id,
                amount_pence=tranche.amount_pence,
                reference=f"PAY-{project.reference}-{tranche.sequence}",
                requested_by_id=officer.id,
                approved_by_id=finance.id,
            )
        )
        paid += tranche.amount_pence
    _db.session.commit()
    return paid


@pytest.fixture
def wave(db):
    """A round to fund projects in."""
    return RoundFactory(code="LV7", title="Local Vision wave 7", status="assessing")


@pytest.fixture
def grants_in(db, officer, finance):
    """``grants_in(round_, n)``: n funded projects in the round, the first tranche of every other one paid."""

    def make(round_, count: int) -> list:
        projects = [funded_project(round_) for _ in range(count)]
        for project in projects[::2]:
            release(project, {1}, officer, finance)
        return projects

    return make
