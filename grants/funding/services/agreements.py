"""Grant agreements: issued by a programme officer, signed by the project's lead in the service.

A version moves ``draft → issued → signed``; a signed version never changes its words or signature. A
variation is a new version (``draft → issued → signed``) that replaces the signed one when it is signed,
or is withdrawn. An award given up ends its signed version (``signed → ended``) and withdraws one not
yet signed (``ending.end_money``).
The agreement's words are written from the round's template when it is issued, and again whenever the
schedule changes before signature; the lead signs exactly the words they read."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Any

from grants.core import audit
from grants.core.db import lock_and_refresh, utcnow
from grants.core.workflow import Workflow
from grants.extensions import db
from grants.funding.models import AgreementStatus, GrantAgreement, MatchFunding, TrancheStatus
from grants.funding.permissions import can_sign
from grants.funding.services import terms as terms_module
from grants.funding.services.common import AlreadyDone, FundingError, check_running, hold_project, require_officer
from grants.funding.services.conditions import evaluate_project
from grants.funding.services.schedule import open_agreement, tranches_of
from grants.notifications.services import queue_email
from grants.projects.models import ProjectStatus
from grants.projects.workflow import PROJECT_WORKFLOW

AGREEMENT_WORKFLOW = Workflow(
    "grant agreement",
    {
        AgreementStatus.DRAFT: {AgreementStatus.ISSUED, AgreementStatus.WITHDRAWN},
        AgreementStatus.ISSUED: {AgreementStatus.SIGNED, AgreementStatus.WITHDRAWN},
        AgreementStatus.SIGNED: {AgreementStatus.SUPERSEDED, AgreementStatus.ENDED},
    },
    states=AgreementStatus,
)


def agreements_of(project_id: int) -> list[GrantAgreement]:
    """Every version, newest first."""
    return list(
        db.session.scalars(
            db.select(GrantAgreement)
            .where(GrantAgreement.project_id == project_id)
            .order_by(GrantAgreement.version.desc())
        )
    )


def signed_agreement(project_id: int) -> GrantAgreement | None:
    agreement: GrantAgreement | None = db.session.scalar(
        db.select(GrantAgreement).where(
            GrantAgreement.project_id == project_id, GrantAgreement.status == AgreementStatus.SIGNED
        )
    )
    return agreement


def schedule_of(project_id: int) -> list[list[Any]]:
    """``[[sequence, amount_pence, "due date"], ...]``: the schedule an agreement's words describe."""
    return [[t.sequence, t.amount_pence, t.due_on.isoformat()] for t in tranches_of(project_id)]


def write_words(agreement: GrantAgreement, project: Any) -> bool:
    """The agreement's words and schedule, as the project stands now. True if they changed."""
    words = current_terms(project, agreement.version)
    schedule = schedule_of(project.id)
    if (words, schedule) == (agreement.terms, agreement.schedule):
        return False
    agreement.terms, agreement.schedule = words, schedule
    return True


# The terms list the project's learning commitments, which are the learning area's (above funding):
# it says where to find them when it is set up (``list_commitments_with``).
_COMMITMENTS: list[Callable[[int], list[Any]]] = []


def list_commitments_with(source: Callable[[int], list[Any]]) -> None:
    """``source(project_id)``: the project's learning commitments, in the order the terms list them."""
    _COMMITMENTS[:] = [source]


def current_terms(project: Any, version: int) -> str:
    if not _COMMITMENTS:  # never words that leave out what the project committed to
        raise RuntimeError("the learning area has not said where a project's learning commitments are")
    match = db.session.scalar(db.select(MatchFunding).where(MatchFunding.project_id == project.id))
    commitments = _COMMITMENTS[0](project.id)
    return terms_module.terms_for(project, version, tranches_of(project.id), match, commitments)


def refresh_open_terms(project: Any, *, actor: Any = None) -> None:
    """After the schedule changes, the agreement waiting for signature says what was changed."""
    agreement = open_agreement(project.id)
    if agreement is None:
        return
    if write_words(agreement, project):
        db.session.flush()
        if agreement.status == AgreementStatus.ISSUED:
            audit.record("funding.agreement_reworded", agreement, actor=actor, after={"version": agreement.version})


def issue_agreement(agreement: GrantAgreement, *, actor: Any) -> None:
    project = agreement.project
    hold_project(project)
    require_officer(actor, "issue an agreement")
    check_running(project, "issue an agreement")
    lock_and_refresh(db.session, agreement)
    AGREEMENT_WORKFLOW.check(agreement, AgreementStatus.ISSUED)
    write_words(agreement, project)
    agreement.issued_at, agreement.issued_by_id = utcnow(), actor.id
    AGREEMENT_WORKFLOW.move(
        agreement, AgreementStatus.ISSUED, actor=actor, action="funding.agreement_issued", version=agreement.version
    )
    lead = project.application.lead_applicant
    queue_email(
        lead.email,
        "agreement_issued",
        {
            "name": lead.name,
            "reference": project.reference,
            "project_title": project.title,
            "version": agreement.version,
            "project_id": project.id,
        },
        user=lead,
    )


def change_round_terms(round_: Any, template: str, *, actor: Any) -> None:
    """The words a round's agreements are written from, from the next one issued. Only the placeholders the
    service knows may appear."""
    require_officer(actor, "change the agreement terms")
    unknown = terms_module.unknown_placeholders(template)
    if unknown:
        raise FundingError(
            f"{{{{ {unknown[0]} }}}} is not a placeholder the service knows. Use only the placeholders listed",
            field="template",
        )
    before = round_.agreement_template
    round_.agreement_template = template.replace("\r\n", "\n")
    audit.record(
        "round.agreement_terms_changed",
        round_,
        actor=actor,
        before={"template": before},
        after={"template": round_.agreement_template},
    )


def _same_name(typed: str, name: str) -> bool:
    def normal(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).casefold().split())

    return normal(typed) == normal(name)


def sign_agreement(
    agreement: GrantAgreement,
    *,
    actor: Any,
    typed_name: str,
    confirmed: bool,
    terms_digest: str,
    ip_address: str | None,
    user_agent: str | None,
) -> None:
    """The lead's signature: their typed full name and confirmation, with who, when and from where.
    The previous signed version, if any, is replaced; the project's first signature makes it active."""
    project = agreement.project
    hold_project(project)
    lock_and_refresh(db.session, agreement)
    if not can_sign(actor, agreement):
        raise FundingError("Only the project's lead applicant can sign the agreement.")
    check_running(project, "sign its agreement")
    if agreement.status == AgreementStatus.SIGNED:  # a second press, or a second tab
        raise AlreadyDone(f"Version {agreement.version} of the grant agreement has already been signed.")
    if agreement.status != AgreementStatus.ISSUED:
        raise FundingError("This agreement is not ready to sign.")
    if terms_digest != terms_module.digest(agreement.terms):
        raise FundingError("The agreement changed while you were reading it. Read the new version before you sign.")
    errors = []
    if not _same_name(typed_name or "", actor.name):
        errors.append(FundingError(f"Type your full name as it is on your account: {actor.name}", field="signed_name"))
    if not confirmed:
        errors.append(FundingError("Confirm that you agree to the terms for your organisation", field="confirmed"))
    if errors:
        raise errors[0]
    previous = signed_agreement(project.id)
    if previous is not None:
        previous.superseded_at = utcnow()
        AGREEMENT_WORKFLOW.move(
            previous,
            AgreementStatus.SUPERSEDED,
            actor=actor,
            action="funding.agreement_superseded",
            by_version=agreement.version,
        )
    agreement.signed_at, agreement.signed_by_id = utcnow(), actor.id
    agreement.signed_name = " ".join(typed_name.split())
    agreement.signed_ip = (ip_address or "")[:45] or None
    agreement.signed_user_agent = (user_agent or "")[:300] or None
    AGREEMENT_WORKFLOW.move(
        agreement,
        AgreementStatus.SIGNED,
        actor=actor,
        action="funding.agreement_signed",
        version=agreement.version,
        signed_name=agreement.signed_name,
        terms_sha256=terms_module.digest(agreement.terms),
    )
    if project.status == ProjectStatus.SETUP:
        PROJECT_WORKFLOW.move(project, ProjectStatus.ACTIVE, actor=actor)
    evaluate_project(project, actor=actor)
    queue_email(
        actor.email,
        "agreement_signed",
        {
            "name": actor.name,
            "reference": project.reference,
            "project_title": project.title,
            "version": agreement.version,
            "project_id": project.id,
        },
        user=actor,
    )


def start_variation(project: Any, *, reason: str, actor: Any) -> GrantAgreement:
    """A new version of a signed agreement, to change its schedule or terms; the signed one stays in
    force until the new one is signed."""
    hold_project(project)
    require_officer(actor, "vary an agreement")
    check_running(project, "vary its agreement")
    if not (reason or "").strip():
        raise FundingError("Give the reason for the variation", field="reason")
    current = signed_agreement(project.id)
    if current is None:
        raise FundingError("Only a signed agreement can be varied. Change the draft instead.")
    if open_agreement(project.id) is not None:
        raise FundingError("A new version of this agreement is already being prepared.")
    version = max(agreement.version for agreement in agreements_of(project.id)) + 1
    agreement = GrantAgreement(
        project_id=project.id,
        version=version,
        status=AgreementStatus.DRAFT,
        award_pence=project.award_pence,
        variation_reason=reason.strip(),
    )
    write_words(agreement, project)
    db.session.add(agreement)
    db.session.flush()
    audit.record(
        "funding.variation_started",
        agreement,
        actor=actor,
        after={"version": version, "reason": agreement.variation_reason},
    )
    return agreement


def withdraw_variation(agreement: GrantAgreement, *, actor: Any) -> None:
    """Abandon a variation before it is signed: the signed version stays in force, and the schedule
    goes back to what that version says."""
    project = agreement.project
    hold_project(project)
    require_officer(actor, "withdraw a variation")
    check_running(project, "withdraw a variation")
    lock_and_refresh(db.session, agreement)
    if agreement.version == 1:
        raise FundingError("The first version of an agreement cannot be withdrawn; change it instead.")
    AGREEMENT_WORKFLOW.move(agreement, AgreementStatus.WITHDRAWN, actor=actor, action="funding.variation_withdrawn")
    _restore_signed_schedule(project, actor=actor)


def _restore_signed_schedule(project: Any, *, actor: Any) -> None:
    """Back to the amounts and dates of the signed version, for the tranches not yet paid."""
    signed = signed_agreement(project.id)
    if signed is None:  # a variation is only ever made of a signed agreement
        raise RuntimeError(f"project {project.id} has no signed agreement to go back to")
    by_sequence = {sequence: (amount, due) for sequence, amount, due in (signed.schedule or [])}
    changed = False
    for tranche in tranches_of(project.id):
        if tranche.status == TrancheStatus.RELEASED or tranche.sequence not in by_sequence:
            continue
        amount, due = by_sequence[tranche.sequence]
        if (tranche.amount_pence, tranche.due_on.isoformat()) != (amount, due):
            tranche.amount_pence, tranche.due_on, changed = amount, date.fromisoformat(due), True
    if changed:
        db.session.flush()
        audit.record("funding.schedule_restored", project, actor=actor, after={"tranches": schedule_of(project.id)})
