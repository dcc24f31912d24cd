"""Money for a funded project: its tranche schedule, draft grant agreement and match funding record."""

from __future__ import annotations

from datetime import date

from flask import render_template

from grants.core import audit
from grants.core.dates import add_months
from grants.core.errors import GrantsError
from grants.core.money import format_pence, split_pence
from grants.extensions import db
from grants.funding.models import GrantAgreement, MatchFunding, Tranche


def tranche_due_dates(starts_on: date, months: int, count: int) -> list[date]:
    """The first tranche when the project starts, the rest spread evenly to its last month."""
    if count == 1:
        return [starts_on]
    return [add_months(starts_on, round(index * (months - 1) / (count - 1))) for index in range(count)]


def schedule_tranches(project, plan: list[int], months: int) -> list[Tranche]:
    """The round's plan (50/30/20 %) applied to the project's award; the rounding remainder goes to
    the last tranche, so the tranches always sum exactly to the award."""
    amounts = split_pence(project.award_pence, plan)
    if min(amounts) <= 0:
        raise GrantsError(
            f"An award of {format_pence(project.award_pence)} is too small to pay in {len(plan)} tranches."
        )
    dates = tranche_due_dates(project.starts_on, months, len(plan))
    tranches = [
        Tranche(project=project, sequence=number, percentage=percentage, amount_pence=amount, due_on=due_on)
        for number, (percentage, amount, due_on) in enumerate(zip(plan, amounts, dates, strict=True), start=1)
    ]
    db.session.add_all(tranches)
    return tranches


def set_up_funding(project, application, *, months: int, actor=None) -> None:
    """Tranches from the round's plan, a draft agreement, and the pledged match funding."""
    tranches = schedule_tranches(project, list(application.round.tranche_plan), months)
    evidence = application.match_evidence
    db.session.add(
        MatchFunding(
            project=project,
            funder=application.match_funder or "Health and wellbeing board",
            amount_pence=application.match_amount_pence or 0,
            status="pledged",
            evidence_document_id=evidence.id if evidence else None,
        )
    )
    terms = render_template(
        "funding/agreement_terms.txt",
        project=project,
        application=application,
        tranches=tranches,
        commitments=application.commitments,
    )
    db.session.add(
        GrantAgreement(project=project, version=1, status="draft", terms=terms, award_pence=project.award_pence)
    )
    db.session.flush()
    audit.record(
        "funding.scheduled",
        project,
        actor=actor,
        after={"tranches": [[t.sequence, t.amount_pence, t.due_on.isoformat()] for t in tranches]},
    )
