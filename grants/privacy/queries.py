"""Who may be anonymised, and their bids. Lists are always ordered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, func

from grants.accounts.models import User, UserRole
from grants.applications.models import Application, ApplicationStatus, Partner
from grants.core.permissions import Role
from grants.extensions import db
from grants.leadership.models import Participant

DEFAULT_RETENTION_DAYS = 365


def retention_days() -> int:
    return int(current_app.config.get("PERSONAL_DATA_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


@dataclass(frozen=True)
class LeadRecord:
    """The bids a person leads: how many, how many are not withdrawn, and the latest withdrawal."""

    bids: int
    not_withdrawn: int
    last_withdrawn_at: datetime | None


def _led_bids():
    """Per lead applicant: their bids, those not withdrawn, and the latest withdrawal."""
    return db.select(
        Application.lead_applicant_id.label("user_id"),
        func.count(Application.id).label("bids"),
        func.coalesce(func.sum(case((Application.status != ApplicationStatus.WITHDRAWN, 1), else_=0)), 0).label(
            "not_withdrawn"
        ),
        func.max(Application.withdrawn_at).label("last_withdrawn_at"),
    ).group_by(Application.lead_applicant_id)


def lead_record(user_id: int) -> LeadRecord:
    row = db.session.execute(_led_bids().where(Application.lead_applicant_id == user_id)).first()
    if row is None:
        return LeadRecord(0, 0, None)
    return LeadRecord(row.bids, row.not_withdrawn, row.last_withdrawn_at)


def live_partner_contact(email):
    """Partner rows naming ``email`` (in any case) as the contact on a bid that is not withdrawn."""
    return (
        db.select(Partner.application_id)
        .join(Application, Application.id == Partner.application_id)
        .where(
            func.lower(Partner.contact_email) == func.lower(email), Application.status != ApplicationStatus.WITHDRAWN
        )
    )


def leadership_participant(email):
    """Leadership self-assessment participants (always on a funded project) with ``email``, in any case."""
    return db.select(Participant.id).where(func.lower(Participant.email) == func.lower(email))


def named_elsewhere(email: str) -> tuple[int, int]:
    """How many bids not withdrawn name ``email`` as a partner contact, and how many participants have it."""
    bids = live_partner_contact(email).distinct().subquery()
    partners = db.session.scalar(db.select(func.count()).select_from(bids))
    participants = db.session.scalar(db.select(func.count()).select_from(leadership_participant(email).subquery()))
    return partners, participants


def holds_staff_role():
    return (
        db.select(UserRole.user_id)
        .where(UserRole.user_id == User.id, UserRole.role != Role.APPLICANT.value)
        .correlate(User)
        .exists()
    )


def anonymisable_statement(cutoff: datetime):
    """People who may be anonymised now: applicants only, not yet anonymised, every bid they lead
    withdrawn, the last before ``cutoff``, their email address neither a partner contact on a bid not
    withdrawn nor a leadership participant. Longest withdrawn first."""
    led = _led_bids().subquery()
    return (
        db.select(User)
        .join(led, led.c.user_id == User.id)
        .where(
            User.anonymised_at.is_(None),
            ~holds_staff_role(),
            led.c.not_withdrawn == 0,
            led.c.last_withdrawn_at < cutoff,
            ~live_partner_contact(User.email).correlate(User).exists(),
            ~leadership_participant(User.email).correlate(User).exists(),
        )
        .order_by(led.c.last_withdrawn_at, User.id)
    )


def last_withdrawals(user_ids: list[int]) -> dict[int, tuple[int, datetime]]:
    """For a page of people: how many bids each withdrew, and when the last one was withdrawn."""
    if not user_ids:
        return {}
    rows = db.session.execute(_led_bids().where(Application.lead_applicant_id.in_(user_ids)))
    return {row.user_id: (row.bids, row.last_withdrawn_at) for row in rows}


def bids_led_by(user_id: int) -> list[Application]:
    return db.session.scalars(
        db.select(Application)
        .where(Application.lead_applicant_id == user_id)
        .order_by(Application.created_at, Application.id)
    ).all()


def cutoff_for(now: datetime) -> datetime:
    return now - timedelta(days=retention_days())
