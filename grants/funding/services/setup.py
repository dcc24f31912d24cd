"""A new project's money: its tranches with their conditions, a draft agreement and the pledged match funding."""

from __future__ import annotations

from typing import Any

from grants.bidforms.queries import form_of
from grants.core import audit
from grants.extensions import db
from grants.funding.models import AgreementStatus, GrantAgreement, MatchFunding, MatchStatus
from grants.funding.services.agreements import write_words
from grants.funding.services.conditions import add_default_conditions
from grants.funding.services.schedule import schedule_tranches


def set_up_funding(project: Any, application: Any, *, months: int, actor: Any = None) -> None:
    tranches = schedule_tranches(project, list(application.round.tranche_plan), months)
    # A round whose form asks for no match funding (an expression of interest, say) has no pledge to
    # confirm: its first tranche does not wait for one.
    match = form_of(application.round_id).has_block("match_funding")
    add_default_conditions(tranches, match=match)
    if match:
        evidence = application.match_evidence
        db.session.add(
            MatchFunding(
                project=project,
                funder=application.match_funder or "Health and wellbeing board",
                amount_pence=application.match_amount_pence or 0,
                status=MatchStatus.PLEDGED,
                evidence_document_id=evidence.id if evidence else None,
            )
        )
    db.session.flush()
    agreement = GrantAgreement(
        project_id=project.id, version=1, status=AgreementStatus.DRAFT, award_pence=project.award_pence
    )
    write_words(agreement, project)
    db.session.add(agreement)
    db.session.flush()
    audit.record(
        "funding.scheduled",
        project,
        actor=actor,
        after={"tranches": [[t.sequence, t.amount_pence, t.due_on.isoformat()] for t in tranches]},
    )
