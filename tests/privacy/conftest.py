"""A withdrawn applicant with a trail through the service: a complete bid (partner, pledge, budget, an
uploaded letter) withdrawn 400 days ago, the invitation it sent its partner, emails sent to them,
pending and failed, a recovery code and an API token. In the same round, another partnership's funded
project with its tranches and match funding, which names them nowhere."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from grants.accounts.models import RecoveryCode
from grants.api import services as api_services
from grants.applications.services import withdraw_application
from grants.core.db import utcnow
from grants.documents import storage
from grants.documents.models import Document
from grants.extensions import db as _db
from grants.notifications.models import Notification
from tests.factories import ApplicantFactory, RoundFactory, funded_project, under_review_bid

WITHDRAWN_DAYS_AGO = 400


def withdrawn_bid(round_=None, days_ago: int = WITHDRAWN_DAYS_AGO, lead=None):
    """A complete bid, submitted, then withdrawn by its lead ``days_ago`` days ago."""
    lead = lead or ApplicantFactory()
    bid = under_review_bid(round_, lead_organisation=lead.organisation, lead_applicant=lead)
    withdraw_application(bid, "Our board could not confirm the match funding this year.", actor=lead)
    bid.withdrawn_at = utcnow() - timedelta(days=days_ago)
    _db.session.commit()
    return bid


def write_file(document: Document) -> None:
    path = storage.path_of(document.stored_name)
    path.write_bytes(b"%PDF-1.4 a pledge letter\n")


@pytest.fixture
def scene(db):
    round_ = RoundFactory(status="assessing", assessment_deadline=utcnow().date() + timedelta(days=30))
    lead = ApplicantFactory(name="Dana Whitmore", email="dana.whitmore@example.org")
    bid = withdrawn_bid(round_, lead=lead)
    letter = db.session.scalars(db.select(Document).where(Document.application_id == bid.id)).one()
    letter.uploaded_by_id = lead.id
    db.session.commit()
    write_file(letter)
    partner = bid.partners[0]

    project = funded_project(round_)
    db.session.add_all(
        [
            Notification(
                recipient_email=partner.contact_email,
                template="partner_invitation",
                context={"lead_applicant": lead.name, "contact_name": partner.contact_name, "token": "t" * 40},
                subject="Confirm your part in a bid",
                body_text=f"{lead.name} of Wigan is bidding. Reply to {lead.email}.",
                status="captured",
            ),
            Notification(
                recipient_email=lead.email,
                recipient_id=lead.id,
                template="reminder_round_closing",
                dedupe_key=f"reminder:closing:{lead.email}",
                subject="A round closes soon",
                status="pending",
            ),
            Notification(
                recipient_email=lead.email,
                recipient_id=lead.id,
                template="partner_response",
                subject="Your partner replied",
                body_text=f"Dear {lead.name}",
                status="failed",
                attempts=6,
                last_error=f"550 mailbox {lead.email} unavailable",
            ),
            RecoveryCode(user_id=lead.id, code_hash="c" * 64),
        ]
    )
    db.session.commit()
    api_services.create_token(lead, name="Our warehouse", roles=["applicant"], expires_in_days=None)
    db.session.commit()
    return SimpleNamespace(round=round_, lead=lead, bid=bid, letter=letter, partner=partner, project=project)
