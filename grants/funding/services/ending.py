"""A project's money when the project ends: what close-out waits for, and the tranches never to be paid.

Close-out looks for every tranche released or cancelled and the match funding received. When a project
closes, is given up or ends early, each tranche not yet paid is cancelled (a payment never changes), and
an agreement not yet signed (the first version of an award given up, or a variation still being
prepared) is withdrawn. An award given up after signature ends its signed agreement: the signed words
and signature stay as they were, and the agreement is no longer in force. From then on the project's
money is a record: the services refuse every change to it (``common.check_running``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from grants.core.db import utcnow
from grants.core.money import format_pence
from grants.extensions import db
from grants.funding.models import AgreementStatus, GrantAgreement, MatchFunding, MatchStatus, Tranche, TrancheStatus
from grants.funding.services.agreements import AGREEMENT_WORKFLOW
from grants.funding.services.release import TRANCHE_WORKFLOW, released_total
from grants.projects.ending import LeftItem
from grants.projects.models import Project, ProjectStatus

PAID_OR_CANCELLED = (TrancheStatus.RELEASED, TrancheStatus.CANCELLED)


def paid_to(project_id: int) -> int:
    return released_total(project_id)


_MATCH_SO_FAR = {
    MatchStatus.PLEDGED: "pledged, not yet confirmed",
    MatchStatus.CONFIRMED: "confirmed, not yet received",
}


def _settled(project_id: int, tranches: Sequence[Tranche]) -> str:
    """How every tranche ended: "£21,200.00 released, £5,300.00 cancelled"."""
    cancelled = sum(tranche.amount_pence for tranche in tranches if tranche.status == TrancheStatus.CANCELLED)
    released = f"{format_pence(released_total(project_id))} released"
    return f"{released}, {format_pence(cancelled)} cancelled" if cancelled else released


def closeout_left(project: Project) -> list[LeftItem]:
    tranches = db.session.scalars(
        db.select(Tranche).where(Tranche.project_id == project.id).order_by(Tranche.sequence)
    ).all()
    unpaid = [tranche for tranche in tranches if tranche.status not in PAID_OR_CANCELLED]
    unpaid_detail = "; ".join(
        f"tranche {tranche.sequence}, {format_pence(tranche.amount_pence)}: {tranche.status_label.lower()}"
        for tranche in unpaid
    )
    match = db.session.scalar(db.select(MatchFunding).where(MatchFunding.project_id == project.id))
    items = [
        LeftItem(
            key="tranches",
            title="Every tranche released or cancelled",
            done=not unpaid,
            detail=(
                unpaid_detail + ". Tranches not paid are cancelled when the project closes."
                if unpaid
                else _settled(project.id, tranches)
            ),
            endpoint="funding.project",
            order=20,
        )
    ]
    if match is not None and match.amount_pence:
        received = match.status == MatchStatus.RECEIVED
        items.append(
            LeftItem(
                key="match_received",
                title="Match funding received",
                done=received,
                detail=(
                    f"{format_pence(match.amount_pence)} from {match.funder}: received"
                    if received
                    else f"{format_pence(match.amount_pence)} from {match.funder}: {_MATCH_SO_FAR[match.status]}"
                ),
                endpoint="funding.project",
                order=50,
            )
        )
    return items


def end_money(project: Project, outcome: ProjectStatus, *, reason: str, actor: Any) -> None:
    """Cancel every tranche not yet paid, and withdraw an agreement not yet signed: nothing is left that
    could still be paid, signed or varied. An award given up ends its signed agreement too; a project
    closed or ended early keeps it, the agreement its payments were made under. Payments and released
    tranches stay."""
    now = utcnow()
    tranches = db.session.scalars(  # as they are now, under the project's lock: a payment just made stands
        db.select(Tranche)
        .where(Tranche.project_id == project.id)
        .order_by(Tranche.sequence)
        .execution_options(populate_existing=True)
    ).all()
    for tranche in tranches:
        if tranche.status in PAID_OR_CANCELLED:
            continue
        tranche.cancelled_at, tranche.cancelled_by_id, tranche.cancel_reason = now, getattr(actor, "id", None), reason
        TRANCHE_WORKFLOW.move(
            tranche,
            TrancheStatus.CANCELLED,
            actor=actor,
            action="funding.tranche_cancelled",
            sequence=tranche.sequence,
            amount_pence=tranche.amount_pence,
            reason=reason,
        )
    _end_agreements(project, outcome, reason=reason, actor=actor)


def _end_agreements(project: Project, outcome: ProjectStatus, *, reason: str, actor: Any) -> None:
    ending = [AgreementStatus.DRAFT, AgreementStatus.ISSUED]
    if outcome == ProjectStatus.WITHDRAWN:
        ending.append(AgreementStatus.SIGNED)
    agreements = db.session.scalars(
        db.select(GrantAgreement)
        .where(GrantAgreement.project_id == project.id, GrantAgreement.status.in_(ending))
        .order_by(GrantAgreement.version)
    ).all()
    for agreement in agreements:
        # A signed agreement was in force: it ends, as signed. One not yet signed is withdrawn.
        signed = agreement.status == AgreementStatus.SIGNED
        AGREEMENT_WORKFLOW.move(
            agreement,
            AgreementStatus.ENDED if signed else AgreementStatus.WITHDRAWN,
            actor=actor,
            action="funding.agreement_ended" if signed else "funding.agreement_withdrawn",
            version=agreement.version,
            reason=reason,
        )
