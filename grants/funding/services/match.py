"""Match funding from the health and wellbeing board: ``pledged → confirmed → received``, each step
with its evidence. Confirmation meets the first tranche's "match funding confirmed" condition."""

from __future__ import annotations

from datetime import date
from typing import Any

from werkzeug.datastructures import FileStorage

from grants.core.db import utcnow
from grants.core.times import format_date, to_london
from grants.core.workflow import Workflow
from grants.documents.services import save_document
from grants.documents.storage import UploadError
from grants.extensions import db
from grants.funding.models import MatchFunding, MatchStatus
from grants.funding.permissions import can_record_match
from grants.funding.services.common import FundingError, check_running, hold_project
from grants.funding.services.conditions import evaluate_project

MATCH_WORKFLOW = Workflow(
    "match funding",
    {MatchStatus.PLEDGED: {MatchStatus.CONFIRMED}, MatchStatus.CONFIRMED: {MatchStatus.RECEIVED}},
    states=MatchStatus,
)


def match_of(project_id: int) -> MatchFunding | None:
    match: MatchFunding | None = db.session.scalar(db.select(MatchFunding).where(MatchFunding.project_id == project_id))
    return match


def pledged_on(match: MatchFunding) -> date | None:
    """When the board pledged its contribution: when the bid carrying the pledge was submitted. Money
    may arrive any day from then, before the confirmation is recorded in the service too."""
    application = match.project.application
    moment = application.submitted_at if application is not None else None
    return to_london(moment or match.created_at).date() if (moment or match.created_at) else None


def _money(match: MatchFunding, **more: Any) -> dict[str, Any]:
    return {"funder": match.funder, "amount_pence": match.amount_pence, **more}


def confirm_match(match: MatchFunding, *, actor: Any, note: str, upload: FileStorage | None) -> None:
    """The board has confirmed its contribution: a letter or minute uploaded, or described."""
    project = match.project
    hold_project(project)
    db.session.refresh(match)
    if not can_record_match(actor):
        raise FundingError("Only the programme team or finance can confirm match funding.")
    check_running(project, "confirm its match funding")
    if match.status != MatchStatus.PLEDGED:
        raise FundingError(f"The match funding is {match.status_label.lower()} already.")
    note = (note or "").strip()
    if not note and upload is None:
        raise FundingError("Upload the board's confirmation or describe the evidence", field="evidence")
    document = None
    if upload is not None:
        try:
            document = save_document(upload, kind="match_confirmation", application=project.application, actor=actor)
        except UploadError as error:
            raise FundingError(error.message, field="evidence") from None
    match.confirmed_at, match.confirmed_by_id = utcnow(), actor.id
    match.confirmation_note = note or None
    match.confirmation_document_id = document.id if document else None
    MATCH_WORKFLOW.move(
        match,
        MatchStatus.CONFIRMED,
        actor=actor,
        action="funding.match_confirmed",
        **_money(match, note=match.confirmation_note, document_id=match.confirmation_document_id),
    )
    evaluate_project(project, actor=actor)


def record_match_received(
    match: MatchFunding, *, actor: Any, received_on: date, reference: str, upload: FileStorage | None
) -> None:
    """The money has arrived from the board."""
    project = match.project
    hold_project(project)
    db.session.refresh(match)
    if not can_record_match(actor):
        raise FundingError("Only the programme team or finance can record match funding received.")
    check_running(project, "record its match funding as received")
    if match.status != MatchStatus.CONFIRMED:
        raise FundingError(
            "Confirm the match funding before recording it as received."
            if match.status == MatchStatus.PLEDGED
            else "The match funding has been received already."
        )
    if received_on > date.today():
        raise FundingError("The date received must be today or in the past", field="received_on")
    pledged = pledged_on(match)
    if pledged is not None and received_on < pledged:
        raise FundingError(
            f"The date received must be on or after {format_date(pledged)}, when the match funding was pledged",
            field="received_on",
        )
    reference = " ".join((reference or "").split())
    if not reference:
        raise FundingError("Enter the reference of the payment from the board", field="reference")
    document = None
    if upload is not None:
        try:
            document = save_document(upload, kind="match_receipt", application=project.application, actor=actor)
        except UploadError as error:
            raise FundingError(error.message, field="evidence") from None
    match.received_on, match.received_by_id = received_on, actor.id
    match.received_reference = reference[:100]
    match.receipt_document_id = document.id if document else None
    MATCH_WORKFLOW.move(
        match,
        MatchStatus.RECEIVED,
        actor=actor,
        action="funding.match_received",
        **_money(match, received_on=received_on.isoformat(), reference=match.received_reference),
    )
    evaluate_project(project, actor=actor)
