"""Anonymising a withdrawn applicant: checked, changed in one transaction, audited; the caller commits.

What goes: their name and email address, their password and second factor, their recovery codes and
API tokens, the contacts named in their withdrawn bids and those bids' withdrawal reasons, the words
they wrote in answer to their withdrawn bids' questions (short and long text, replaced by "Removed")
and the files answering them (the answer taken away with the file), the emails sent to them (linked to
their account) and the invitations their withdrawn bids sent to partners, the files uploaded to their
withdrawn bids, and the conversations on those bids like the bids themselves: every message's words (theirs,
their colleagues' and the programme team's, which may name them) become "Removed", and the files sent with
them go with the bids' other files. What stays, exactly as it was: every amount, budget line, match-funding pledge,
answer that is a figure, a date or a choice, decision, reference and organisation, every row of the
funding tables, every row of other people's bids and projects (their messages there included, shown under their
anonymised name), and the audit trail (append-only, by a database
trigger: it is the record of how public money was handled and may still hold the email address they
used and their withdrawal reasons).

Only their own rows and their withdrawn bids' rows are changed: while their email address is a partner
contact on a bid that is not withdrawn, or a leadership participant, anonymising is refused, because it
would mean rewriting someone else's live record.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, event, func
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session, SessionTransaction

from grants.accounts.models import RecoveryCode, User
from grants.api.models import ApiToken
from grants.applications.models import Application, ApplicationStatus, Partner
from grants.bidforms.kinds import is_empty
from grants.bidforms.queries import Form, forms_of
from grants.conversations.models import Message
from grants.core import audit
from grants.core.db import lock_and_refresh, utcnow
from grants.core.errors import GrantsError
from grants.core.permissions import STAFF_ROLES
from grants.core.times import format_date
from grants.documents import storage
from grants.documents.models import Document
from grants.extensions import db
from grants.notifications.models import Notification, NotificationStatus
from grants.privacy import queries

log = logging.getLogger(__name__)

REMOVED = "Removed"
# The kinds of answer that are someone's own words.
WRITTEN_KINDS = frozenset({"short_text", "long_text"})
REMOVED_SUBJECT = "Removed: personal data anonymised"
REMOVED_FILENAME = "removed"
# Files to delete once the anonymisation has committed (a rollback keeps them).
FILES_TO_REMOVE = "grants.privacy.files_to_remove"


class AnonymiseRefused(GrantsError):
    """This person may not be anonymised (yet); nothing was changed."""


def anonymised_name(user_id: int) -> str:
    return f"Anonymised person {user_id}"


def anonymised_email(user_id: int) -> str:
    return f"anonymised-{user_id}@anonymised.invalid"


def refusal_reason(person: User, now: datetime | None = None) -> str | None:
    """Why ``person`` may not be anonymised now, or None if they may."""
    now = now or utcnow()
    if person.anonymised_at is not None:
        return f"This person’s personal data was already anonymised on {format_date(person.anonymised_at)}."
    staff = sorted(role.label for role in person.roles & STAFF_ROLES)
    if staff:
        return f"This person holds staff roles ({', '.join(staff)}). Only applicants can be anonymised."
    record = queries.lead_record(person.id)
    if record.bids == 0:
        return "This person leads no bids. Only applicants whose bids were all withdrawn can be anonymised."
    if record.not_withdrawn:
        bids = "bid this person leads is" if record.not_withdrawn == 1 else "bids this person leads are"
        return (
            f"{record.not_withdrawn} {bids} not withdrawn. "
            "Only applicants whose bids were all withdrawn can be anonymised."
        )
    partner_bids, participants = queries.named_elsewhere(person.email)
    if partner_bids:
        if partner_bids == 1:
            bids, until = "1 bid that is", "that bid names another contact or is withdrawn"
        else:
            bids, until = f"{partner_bids} bids that are", "those bids name other contacts or are withdrawn"
        return (
            f"This person’s email address is a partner contact on {bids} not withdrawn. Anonymising them "
            f"would change another partnership’s bid, so they can be anonymised only once {until}."
        )
    if participants:
        places = "a leadership self-assessment" if participants == 1 else f"{participants} leadership self-assessments"
        return (
            f"This person’s email address is a participant in {places} of a funded project. "
            "Anonymising them would change that project’s records, so they cannot be anonymised."
        )
    if record.last_withdrawn_at is None:
        return "This person’s withdrawal has no date, so the retention period cannot be worked out."
    kept_until = record.last_withdrawn_at + timedelta(days=queries.retention_days())
    if kept_until > now:
        return (
            f"This person’s last bid was withdrawn on {format_date(record.last_withdrawn_at)}. Their personal data is "
            f"within the retention period until {format_date(kept_until)}."
        )
    return None


def anonymise_person(person: User, *, actor: Any, now: datetime | None = None) -> dict[str, int]:
    """Remove ``person``'s personal data, keeping the money trail; returns how many of each thing changed."""
    now = now or utcnow()
    lock_and_refresh(db.session, person)
    reason = refusal_reason(person, now)
    if reason:
        raise AnonymiseRefused(reason)
    old_name, old_email = person.name, person.email
    new_name, new_email = anonymised_name(person.id), anonymised_email(person.id)
    bids = db.session.scalars(
        db.select(Application)
        .where(Application.lead_applicant_id == person.id, Application.status == ApplicationStatus.WITHDRAWN)
        .order_by(Application.id)
    ).all()
    partner_emails = _blank_bids(bids)
    counts = {
        "withdrawn_bids": len(bids),
        "partner_contacts_removed": len(partner_emails),
        "notifications_removed": _scrub_notifications(person, old_name, old_email, set(partner_emails.values())),
        "recovery_codes_deleted": _delete_where(RecoveryCode, RecoveryCode.user_id == person.id),
        "api_tokens_deleted": _delete_where(ApiToken, ApiToken.user_id == person.id),
        "messages_removed": _blank_messages([bid.id for bid in bids], now),
        **_remove_documents([bid.id for bid in bids]),
    }
    person.name, person.email = new_name, new_email
    person.password_hash = None
    person.totp_secret = person.two_factor_enabled_at = person.totp_last_step = None
    person.is_active = False
    person.end_all_sessions()
    person.anonymised_at = now
    db.session.flush()
    audit.record(
        "privacy.person_anonymised",
        person,
        actor=actor,
        after={**counts, "retention_days": queries.retention_days()},
    )
    return counts


def _blank_bids(bids: Sequence[Application]) -> dict[int, str]:
    """The withdrawn bids' withdrawal reasons, their written answers and their partners' contacts (who
    are named, how to reach them, what they wrote back); returns each blanked partner's old email
    address, by id."""
    forms = forms_of({bid.round_id for bid in bids}) if bids else {}
    for bid in bids:
        bid.withdrawal_reason = None
        bid.answers = _blank_answers(bid.answers, forms[bid.round_id])
    partners = db.session.scalars(
        db.select(Partner).where(Partner.application_id.in_([bid.id for bid in bids])).order_by(Partner.id)
    ).all()
    emails = {}
    for partner in partners:
        emails[partner.id] = partner.contact_email.lower()
        partner.contact_name, partner.contact_email = REMOVED, ""
        partner.response_note = None
        partner.invitation_nonce = secrets.token_hex(16)  # any link still in a mailbox stops working
    return emails


def _blank_answers(answers: dict[str, Any] | None, form: Form) -> dict[str, Any]:
    """Words they wrote become "Removed" and a file's answer goes with the file; an answer to a question
    the form no longer has may be words too, so it goes."""
    blanked: dict[str, Any] = {}
    for key, value in (answers or {}).items():
        question = form.by_key.get(key)
        if question is None or question.kind == "file":
            continue
        blanked[key] = REMOVED if question.kind in WRITTEN_KINDS and not is_empty(value) else value
    return blanked


def _scrub_notifications(person: User, old_name: str, old_email: str, partner_emails: set[str]) -> int:
    """Emails sent to the person (linked to their account: an address alone proves nothing), and the
    invitations their withdrawn bids sent to partners (which name them): the address replaced, the
    content removed, and any not yet sent cancelled."""
    to_them = db.session.scalars(
        db.select(Notification).where(Notification.recipient_id == person.id).order_by(Notification.id)
    ).all()
    invitations = []
    if partner_emails:
        invitations = [
            notification
            for notification in db.session.scalars(
                db.select(Notification)
                .where(
                    Notification.template == "partner_invitation",
                    func.lower(Notification.recipient_email).in_(partner_emails),
                )
                .order_by(Notification.id)
            )
            if (notification.context or {}).get("lead_applicant") == old_name
        ]
    for notification in to_them:
        _scrub(notification, anonymised_email(person.id), old_email)
    for notification in invitations:
        _scrub(notification, "", old_email)
    return len(to_them) + len(invitations)


def _scrub(notification: Notification, recipient_email: str, old_email: str) -> None:
    notification.recipient_email = recipient_email
    notification.subject = REMOVED_SUBJECT
    notification.context = {}
    notification.body_html = None
    notification.last_error = None
    if notification.status in (NotificationStatus.PENDING, NotificationStatus.FAILED):
        notification.status = NotificationStatus.CANCELLED  # never sent to an address that no longer exists
    notification.body_text = None if notification.status == NotificationStatus.CANCELLED else ""
    if re.search(re.escape(old_email), notification.dedupe_key, flags=re.IGNORECASE):
        notification.dedupe_key = f"anonymised:{notification.id}"


def _blank_messages(bid_ids: list[int], now: datetime) -> int:
    """The withdrawn bids' conversations: each message's words become "Removed" and it is marked anonymised
    in the same update, the one change the database lets anyone make to a sent message. A message already
    anonymised is left as it is (the database would refuse a second change)."""
    if not bid_ids:
        return 0
    result = db.session.execute(
        db.update(Message)
        .where(Message.application_id.in_(bid_ids), Message.anonymised_at.is_(None))
        .values(body=REMOVED, anonymised_at=now)
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", result).rowcount


def _delete_where(model: type[Any], condition: ColumnElement[bool]) -> int:
    result = db.session.execute(db.delete(model).where(condition).execution_options(synchronize_session=False))
    return cast("CursorResult[Any]", result).rowcount


def _documents_pointed_at(document_ids: list[int]) -> set[int]:
    """Those of the documents another row refers to (match funding evidence, learning evidence ...)."""
    referenced: set[int] = set()
    for table in db.metadata.tables.values():
        for column in table.columns:
            if any(key.column.table.name == "documents" for key in column.foreign_keys):
                referenced.update(db.session.scalars(db.select(column).where(column.in_(document_ids))))
    return referenced


def _remove_documents(bid_ids: list[int]) -> dict[str, int]:
    """The withdrawn bids' files are deleted (after the commit); a document another row still points
    at keeps its row, marked removed, so that row is unchanged. The files sent with messages on a bid are
    kept with the bid (``application_id``), so they go too: a document points at its message, never the
    other way, so the message is unchanged."""
    documents = db.session.scalars(
        db.select(Document).where(Document.application_id.in_(bid_ids)).order_by(Document.id)
    ).all()
    kept = _documents_pointed_at([document.id for document in documents]) if documents else set()
    for document in documents:
        db.session.info.setdefault(FILES_TO_REMOVE, []).append(document.stored_name)
        if document.id in kept:
            document.original_filename = REMOVED_FILENAME
        else:
            db.session.delete(document)
    return {"documents_deleted": len(documents) - len(kept), "documents_kept_as_removed": len(kept)}


@event.listens_for(Session, "after_commit")
def _remove_files(session: Session) -> None:
    """The data is committed: a file that cannot be deleted is logged for someone to delete by hand,
    and the others are still deleted (never an error page for a change that has been made)."""
    for stored_name in session.info.pop(FILES_TO_REMOVE, []):
        try:
            storage.discard(stored_name)
        except OSError:
            log.exception("Could not delete the anonymised person's file %s: delete it by hand", stored_name)


@event.listens_for(Session, "after_soft_rollback")
def _keep_files(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(FILES_TO_REMOVE, None)
