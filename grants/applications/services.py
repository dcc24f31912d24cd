"""Changing bids. Each function checks, changes, flushes and audits; the route or task commits."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from grants.applications import rules
from grants.applications.models import (
    Application,
    ApplicationStatus,
    BudgetLine,
    CommitmentPlan,
    OutcomeMeasurePlan,
    Partner,
    PartnerStatus,
)
from grants.applications.permissions import can_start_application
from grants.applications.tokens import make_partner_token
from grants.applications.workflow import APPLICATION_WORKFLOW, WITHDRAWABLE
from grants.bidforms.kinds import is_empty
from grants.bidforms.models import FormPage, FormQuestion
from grants.bidforms.queries import Form, form_of
from grants.core import audit
from grants.core.db import lock_and_refresh, utcnow
from grants.core.errors import AlreadyDone, GrantsError, InvalidTransition
from grants.directory.models import Organisation, Place, Theme
from grants.documents.services import discard_documents, save_document
from grants.documents.storage import UploadError
from grants.extensions import db
from grants.notifications.services import queue_email
from grants.rounds.models import Round
from grants.rounds.services import next_reference


class ApplicationError(GrantsError):
    """A change to a bid refused; ``field`` names the bid's field it is about (``title``, ``org_id``)."""


class NotEditable(ApplicationError):
    pass


class AlreadySubmitted(NotEditable, AlreadyDone):
    """A second press of "Submit", or the slower of two at once: the bid is submitted already."""


class AlreadyWithdrawn(InvalidTransition, AlreadyDone):
    """A second press of "Withdraw", or the slower of two at once."""

    def __init__(self) -> None:
        super().__init__(
            "application",
            ApplicationStatus.WITHDRAWN,
            ApplicationStatus.WITHDRAWN,
            "This bid has already been withdrawn.",
        )


class PartnerGone(ApplicationError, AlreadyDone):
    """The partner was removed a moment ago, by another press of the button."""


class Incomplete(ApplicationError):
    """The section or bid has problems; nothing was kept. Each problem names its field of the bid."""

    def __init__(self, problems: list[rules.Problem]):
        super().__init__(problems[0].message, field=problems[0].field)
        self.problems = problems


def not_editable_message(application: Application) -> str:
    """Why a bid that is no longer a draft cannot be changed, in the words of its state."""
    if application.status == ApplicationStatus.WITHDRAWN:
        return "This bid has been withdrawn and can no longer be changed."
    return "This bid has been submitted and can no longer be changed."


def _check_editable(application: Application, now: datetime | None = None) -> None:
    """Refuse changes to a bid that is no longer a draft, checked under the bid's row lock so that a
    submission committed a moment ago is seen."""
    _lock(application)
    _refuse_unless_editable(application, now)


def _refuse_unless_editable(application: Application, now: datetime | None = None) -> None:
    if application.status != ApplicationStatus.DRAFT:
        raise NotEditable(not_editable_message(application))
    if not application.round.is_accepting(now):
        raise NotEditable("The round has closed: this bid can no longer be changed.")


def _lock(application: Application) -> None:
    """Reload the bid under a row lock, so two requests cannot both submit or withdraw it."""
    lock_and_refresh(db.session, application)


def _mark(application: Application, section: str, state: str) -> None:
    application.section_states = {**(application.section_states or {}), section: state}


# --- Starting a bid ---------------------------------------------------------------------------------


def live_application_for(round_id: int, organisation_id: int) -> Application | None:
    application: Application | None = db.session.scalar(
        db.select(Application).where(
            Application.round_id == round_id,
            Application.lead_organisation_id == organisation_id,
            Application.status != ApplicationStatus.WITHDRAWN,
        )
    )
    return application


class AlreadyStarted(ApplicationError):
    """The organisation has a live bid in the round already (perhaps started a moment ago)."""


def start_application(round_: Round, title: str, *, actor: Any, now: datetime | None = None) -> Application:
    """A draft bid, with its title, for the applicant's organisation. One live bid per organisation and
    round: a second start, or two at the same moment, raises ``AlreadyStarted`` (the database's unique
    index decides a race; on PostgreSQL the second insert waits for the first transaction)."""
    if not can_start_application(actor):
        raise ApplicationError("Set up your organisation's profile before you start a bid.")
    if not round_.is_accepting(now):
        raise ApplicationError("This round is not accepting bids.")
    title = (title or "").strip()
    if not title:
        raise ApplicationError("Enter a project title", field="title")
    if live_application_for(round_.id, actor.organisation_id):
        raise AlreadyStarted("Your organisation already has a bid in this round.")
    application = Application(
        round=round_,
        title=title,
        lead_organisation_id=actor.organisation_id,
        lead_applicant_id=actor.id,
        status=ApplicationStatus.DRAFT,
        section_states={},
        place_id=actor.organisation.place_id if actor.organisation else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(application)
    except IntegrityError:  # a colleague (or a second click) started one at the same moment
        raise AlreadyStarted("Your organisation already has a bid in this round.") from None
    audit.record("application.created", application, actor=actor, after={"round": round_.code, "title": title})
    return application


# --- Sections ---------------------------------------------------------------------------------------


# How a built-in block's values are kept on the bid: (application, values, actor).
Applier = Callable[[Application, dict[str, Any], Any], None]


def _apply_place_themes(application: Application, values: dict[str, Any], actor: Any) -> None:
    application.title = values["title"]
    place_id = values["place_id"]
    application.place_id = place_id if place_id and db.session.get(Place, place_id) else None
    in_scope = {theme.id for theme in application.round.themes}
    chosen = [theme_id for theme_id in values["theme_ids"] if theme_id in in_scope]
    application.themes = list(db.session.scalars(db.select(Theme).where(Theme.id.in_(chosen)))) if chosen else []


def _apply_measures(application: Application, values: dict[str, Any], actor: Any) -> None:
    application.measures = [
        OutcomeMeasurePlan(position=position, **measure) for position, measure in enumerate(values["measures"], 1)
    ]


def _apply_match(application: Application, values: dict[str, Any], actor: Any) -> None:
    application.match_funder = values["match_funder"]
    application.match_amount_pence = values["match_amount_pence"]
    if values.get("evidence") is not None:
        save_document(values["evidence"], kind="match_evidence", application=application, actor=actor)
        db.session.expire(application, ["documents"])


def _apply_commitments(application: Application, values: dict[str, Any], actor: Any) -> None:
    application.commitments = [
        CommitmentPlan(position=position, **commitment) for position, commitment in enumerate(values["commitments"], 1)
    ]


def _apply_budget(application: Application, values: dict[str, Any], actor: Any) -> None:
    application.amount_requested_pence = values["amount_requested_pence"]
    application.budget_lines = [
        BudgetLine(position=position, **line) for position, line in enumerate(values["budget_lines"], 1)
    ]


BLOCK_APPLIERS: dict[str, Applier] = {
    "partnership": lambda application, values, actor: None,  # partners are invited one by one
    "place_themes": _apply_place_themes,
    "measures": _apply_measures,
    "match_funding": _apply_match,
    "commitments": _apply_commitments,
    "budget": _apply_budget,
}


def _apply_answers(application: Application, form: Form, page: FormPage, answers: dict[str, Any], actor: Any) -> None:
    """Merge the page's answers into the bid's: an empty answer is dropped, a file is kept as a document
    (its answer the document's id; no new file keeps the one uploaded before), and answers to questions
    now hidden (an earlier answer changed) are dropped everywhere."""
    merged = dict(application.answers or {})
    for question in form.shown_questions(page, merged):
        if question.is_block or question.key not in answers:
            continue
        value = answers[question.key]
        if question.kind == "file":
            if value is None:
                continue
            try:
                value = save_document(value, kind="answer", application=application, actor=actor).id
            except UploadError as error:
                raise UploadError(error.message, field=question.key) from None
            db.session.expire(application, ["documents"])
        if is_empty(value):
            merged.pop(question.key, None)
        else:
            merged[question.key] = value
    before = dict(application.answers or {})
    application.answers = form.kept(merged)
    # A file answer replaced, or whose question is now hidden, is not kept: neither is its document.
    files = {question.key for question in form.answerable if question.kind == "file"}
    dropped = {
        before[key] for key in files if isinstance(before.get(key), int) and application.answers.get(key) != before[key]
    }
    if dropped:
        discard_documents(application, dropped, kind="answer", actor=actor, reason="answer replaced or not asked")
        db.session.expire(application, ["documents"])


def save_section(
    application: Application,
    page: FormPage,
    values: dict[str, Any],
    *,
    complete: bool,
    actor: Any,
    form: Form | None = None,
) -> None:
    """Keep what was entered on a page of the round's form (``form``, loaded once by the caller).
    Marking the section complete also checks it; if it has problems, ``Incomplete`` is raised and the
    caller rolls back, so nothing is kept."""
    form = form or form_of(application.round_id)
    _check_editable(application)
    for question in form.shown_questions(page, application.answers or {}):
        if question.is_block:
            BLOCK_APPLIERS[question.kind](application, values, actor)
    _apply_answers(application, form, page, values.get("answers", {}), actor)
    db.session.flush()
    if complete:
        # Marked completed, it must pass every rule the final check applies to it; all but partners' answers.
        problems = [problem for problem in rules.section_problems(application, form, page) if not problem.waiting]
        if problems:
            raise Incomplete(problems)
    state = "completed" if complete else "in_progress"
    _mark(application, page.key, state)
    db.session.flush()
    audit.record("application.section_saved", application, actor=actor, after={"section": page.key, "state": state})


# --- Partners ---------------------------------------------------------------------------------------


def _partnership_section(application: Application) -> str | None:
    """The key of the page the round's form asks for partners on."""
    block = db.session.scalar(
        db.select(FormQuestion).where(FormQuestion.round_id == application.round_id, FormQuestion.key == "partnership")
    )
    return block.page.key if block is not None and block.is_block else None


def _partner_organisation(application: Application, values: dict[str, Any]) -> Organisation:
    def same(text: str | None) -> str:
        return " ".join((text or "").split()).casefold()

    if any(same(partner.organisation.name) == same(values["organisation_name"]) for partner in application.partners):
        raise ApplicationError("This organisation is already a partner in the bid", field="organisation")
    organisation = None
    if values["org_id"]:
        organisation = db.session.scalar(db.select(Organisation).where(Organisation.org_id == values["org_id"]))
    if organisation is None:
        organisation = Organisation(name=values["organisation_name"], sector=values["sector"], org_id=values["org_id"])
        db.session.add(organisation)
        db.session.flush()
    if organisation.id == application.lead_organisation_id:
        raise ApplicationError("Your own organisation leads the bid: add the other organisations", field="org_id")
    if any(partner.organisation_id == organisation.id for partner in application.partners):
        raise ApplicationError("This organisation is already a partner in the bid", field="organisation")
    return organisation


def _invite(partner: Partner, *, actor: Any) -> None:
    partner.status = PartnerStatus.INVITED
    partner.invitation_nonce = secrets.token_hex(16)
    partner.invited_at = utcnow()
    partner.responded_at = None
    partner.response_note = None
    db.session.flush()
    application = partner.application
    queue_email(
        partner.contact_email,
        "partner_invitation",
        {
            "contact_name": partner.contact_name,
            "organisation": partner.organisation.name,
            "lead_organisation": application.lead_organisation.name,
            "lead_applicant": actor.name,
            "bid_title": application.display_title,
            "round_title": application.round.title,
            "role": partner.role,
            "token": make_partner_token(partner),
        },
    )


def add_partner(application: Application, values: dict[str, Any], *, actor: Any) -> Partner:
    _check_editable(application)
    with db.session.no_autoflush:
        organisation = _partner_organisation(application, values)
    partner = Partner(
        application=application,
        organisation=organisation,
        role=values["role"],
        contact_name=values["contact_name"],
        contact_email=values["contact_email"],
    )
    db.session.add(partner)
    _invite(partner, actor=actor)
    section = _partnership_section(application)
    if section and application.section_state(section) == "not_started":
        _mark(application, section, "in_progress")
    audit.record(
        "partner.invited",
        partner,
        actor=actor,
        after={
            "application_id": application.id,
            "organisation": organisation.name,
            "contact_email": partner.contact_email,
        },
    )
    return partner


def update_partner(application: Application, partner: Partner, values: dict[str, Any], *, actor: Any) -> None:
    """Change a partner's details. A new contact or role needs their confirmation again."""
    _check_editable(application)
    before = {
        "role": partner.role,
        "contact_name": partner.contact_name,
        "contact_email": partner.contact_email,
        "status": partner.status,
    }
    reconfirm = values["contact_email"] != partner.contact_email or values["role"] != partner.role
    partner.role, partner.contact_name = values["role"], values["contact_name"]
    partner.contact_email = values["contact_email"]
    if reconfirm:
        _invite(partner, actor=actor)
    db.session.flush()
    audit.record(
        "partner.updated",
        partner,
        actor=actor,
        before=before,
        after={
            "role": partner.role,
            "contact_name": partner.contact_name,
            "contact_email": partner.contact_email,
            "status": partner.status,
        },
    )


def remove_partner(application: Application, partner_id: int, *, actor: Any) -> str:
    """Take a partner out of the bid; the name of its organisation. A second press finds it gone."""
    _check_editable(application)  # under the bid's lock, which a removal made a moment ago held too
    partner = next((partner for partner in application.partners if partner.id == partner_id), None)
    if partner is None:
        raise PartnerGone("That organisation is no longer a partner in this bid.")
    name = partner.organisation.name
    audit.record(
        "partner.removed",
        partner,
        actor=actor,
        before={"application_id": application.id, "organisation": name},
    )
    application.partners.remove(partner)
    section = _partnership_section(application)
    if section and not application.partners and application.section_state(section) == "completed":
        _mark(application, section, "in_progress")
    db.session.flush()
    return name


def resend_invitation(application: Application, partner: Partner, *, actor: Any) -> None:
    _check_editable(application)
    if partner.status != PartnerStatus.INVITED:
        raise ApplicationError("This partner has already responded.")
    _invite(partner, actor=actor)
    audit.record("partner.reinvited", partner, actor=actor, after={"contact_email": partner.contact_email})


RESPONDABLE = {ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED}


def respond_as_partner(partner: Partner, response: str, note: str | None) -> None:
    """The partner's contact confirms or declines, through their emailed link."""
    lock_and_refresh(db.session, partner)
    if partner.status != PartnerStatus.INVITED:
        raise ApplicationError("Your organisation has already responded to this invitation.")
    if partner.application.status not in RESPONDABLE:
        raise ApplicationError("This bid is no longer open to responses.")
    if response not in {PartnerStatus.CONFIRMED, PartnerStatus.DECLINED}:
        raise ApplicationError("Select whether your organisation will take part", field="status")
    partner.status = PartnerStatus(response)
    partner.responded_at = utcnow()
    partner.response_note = (note or "").strip() or None
    db.session.flush()
    audit.record(
        f"partner.{response}",
        partner,
        before={"status": PartnerStatus.INVITED},
        after={"status": response, "contact_email": partner.contact_email},
    )
    application = partner.application
    queue_email(
        application.lead_applicant.email,
        "partner_response",
        {
            "name": application.lead_applicant.name,
            "organisation": partner.organisation.name,
            "contact_name": partner.contact_name,
            "response": response,
            "note": partner.response_note,
            "bid_title": application.display_title,
            "application_id": application.id,
        },
        user=application.lead_applicant,
    )


# --- Submitting and withdrawing ---------------------------------------------------------------------


def submission_problems(
    application: Application, now: datetime | None = None, form: Form | None = None
) -> list[rules.Problem]:
    """Every reason the bid cannot be submitted: its sections' rules (the round's eligibility rules among
    them, the same rules the task list shows) and the round's closing time."""
    form = form or form_of(application.round_id)
    return rules.bid_problems(application, form) + rules.round_problems(application, now)


def submit_application(application: Application, *, actor: Any, now: datetime | None = None) -> str:
    now = now or utcnow()
    _lock(application)
    if application.reference is not None and application.status != ApplicationStatus.WITHDRAWN:
        raise AlreadySubmitted("This bid has already been submitted.")
    _refuse_unless_editable(application, now)
    problems = submission_problems(application, now)
    if problems:
        raise Incomplete(problems)
    application.reference = next_reference(application.round_id)
    application.submitted_at = now
    APPLICATION_WORKFLOW.move(application, ApplicationStatus.SUBMITTED, actor=actor, reference=application.reference)
    queue_email(
        actor.email,
        "application_submitted",
        {
            "name": actor.name,
            "reference": application.reference,
            "bid_title": application.display_title,
            "round_title": application.round.title,
            "application_id": application.id,
        },
        user=actor,
    )
    return application.reference


def withdrawal_refusal(application: Application) -> GrantsError | None:
    """Why the bid cannot be withdrawn now, in the words of its state; None when it can."""
    if application.status in WITHDRAWABLE:
        return None
    if application.status == ApplicationStatus.WITHDRAWN:
        return AlreadyWithdrawn()
    if application.status == ApplicationStatus.INELIGIBLE:
        message = "This bid was found ineligible, so it can no longer be withdrawn."
    else:
        message = "A decision has been made on this bid, so it can no longer be withdrawn."
    return InvalidTransition("application", application.status, ApplicationStatus.WITHDRAWN, message)


def withdraw_application(application: Application, reason: str, *, actor: Any) -> None:
    """Withdraw the bid, under its row lock: of two withdrawals sent at once, the second finds it withdrawn."""
    _lock(application)
    if (refusal := withdrawal_refusal(application)) is not None:
        raise refusal
    application.withdrawn_at = utcnow()
    application.withdrawal_reason = reason.strip()
    APPLICATION_WORKFLOW.move(
        application, ApplicationStatus.WITHDRAWN, actor=actor, reason=application.withdrawal_reason
    )
    queue_email(
        actor.email,
        "application_withdrawn",
        {
            "name": actor.name,
            "reference": application.reference,
            "bid_title": application.display_title,
            "reason": application.withdrawal_reason,
        },
        user=actor,
    )
