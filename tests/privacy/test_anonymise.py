"""Anonymising a withdrawn applicant: who may be, who may do it, what goes, and the money trail and audit
trail left exactly as they were."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import JSON, String, Text

from grants.accounts.models import RecoveryCode, User, UserRole
from grants.api.models import ApiToken
from grants.applications.models import Application, BudgetLine, Partner
from grants.core.audit import AuditEvent
from grants.core.db import utcnow
from grants.core.permissions import Role
from grants.core.times import format_date
from grants.documents import storage
from grants.documents.models import Document
from grants.funding.models import MatchFunding
from grants.leadership.models import Participant
from grants.notifications.models import Notification
from grants.privacy.services import anonymise_person, anonymised_email
from tests.factories import (
    PASSWORD,
    ApplicantFactory,
    ApplicationFactory,
    DocumentFactory,
    PartnerFactory,
    RoundFactory,
    UserFactory,
)
from tests.form_specs import EVERY_KIND, every_kind_answers
from tests.helpers import csrf_token, error_summary, field_error, h1, text
from tests.privacy.conftest import withdrawn_bid, write_file

FUNDING_MODULE = "grants.funding.models"
MONEY_TABLES = ("budget_lines", "decisions", "organisations", "projects", "application_themes")
UNKEPT_BID_COLUMNS = ("withdrawal_reason", "answers", "updated_at")


def url(person) -> str:
    return f"/manage/personal-data/people/{person.id}/anonymise"


def every_row(db, table) -> list[tuple]:
    return sorted(db.session.execute(db.select(table)).all(), key=repr)


def money_trail(db, round_) -> dict:
    """The round's figures added up, and every row of the tables that hold money and decisions."""
    bids = db.session.scalars(db.select(Application).where(Application.round_id == round_.id)).all()
    ids = [bid.id for bid in bids]
    figures = {
        "requested": sum(bid.amount_requested_pence or 0 for bid in bids),
        "match pledged": sum(bid.match_amount_pence or 0 for bid in bids),
        "budget lines": sum(
            db.session.scalars(db.select(BudgetLine.amount_pence).where(BudgetLine.application_id.in_(ids)))
        ),
        "match funding": sum(db.session.scalars(db.select(MatchFunding.amount_pence))),
        "bids": sorted(
            (b.id, b.reference, b.status, b.match_funder, b.amount_requested_pence, b.lead_organisation_id)
            for b in bids
        ),
    }
    funding = [mapper.local_table for mapper in db.Model.registry.mappers if mapper.class_.__module__ == FUNDING_MODULE]
    tables = [db.metadata.tables[name] for name in MONEY_TABLES] + funding
    rows = {table.name: every_row(db, table) for table in tables}
    # A bid's withdrawal reason and written answers are removed (and so it was updated); everything else
    # in it stays (its answers: see test_their_written_answers_and_answer_files_go).
    kept = [column for column in Application.__table__.columns if column.name not in UNKEPT_BID_COLUMNS]
    rows["applications"] = sorted(db.session.execute(db.select(*kept)).all(), key=repr)
    return figures | rows


def text_columns(db):
    for table in db.metadata.sorted_tables:
        if table.name == "audit_events":
            continue
        for column in table.columns:
            if isinstance(column.type, String | Text | JSON):
                yield table, column


def where_email_appears(db, email: str) -> list[str]:
    found = []
    for table, column in text_columns(db):
        for value in db.session.scalars(db.select(column)):
            if value is not None and email.lower() in str(value).lower():
                found.append(f"{table.name}.{column.name}")
    return found


def anonymise(client, person, password=PASSWORD):
    """Post the confirm form, with the officer's own password (every officer's is ``PASSWORD``)."""
    return client.post(url(person), data={"password": password})


# --- Anonymising ------------------------------------------------------------------------------------------


def test_a_withdrawn_applicant_is_anonymised_and_the_money_trail_is_unchanged(db, client_for, officer, scene):
    lead, old_email, old_session = scene.lead, scene.lead.email, scene.lead.session_token
    assert where_email_appears(db, old_email)
    money_before = money_trail(db, scene.round)
    events_before = db.session.scalar(db.select(db.func.count(AuditEvent.id)))

    response = anonymise(client_for(officer), lead)

    assert response.status_code == 302 and response.headers["Location"] == "/manage/personal-data/"
    assert money_trail(db, scene.round) == money_before
    assert where_email_appears(db, old_email) == []
    person = db.session.get(User, lead.id)
    assert (person.name, person.email) == (f"Anonymised person {lead.id}", f"anonymised-{lead.id}@anonymised.invalid")
    assert person.password_hash is None and person.totp_secret is None and person.two_factor_enabled_at is None
    assert person.is_active is False and person.anonymised_at is not None
    assert person.session_token != old_session
    assert person.organisation_id == scene.bid.lead_organisation_id and person.roles == {Role.APPLICANT}
    assert db.session.scalars(db.select(RecoveryCode).where(RecoveryCode.user_id == lead.id)).all() == []
    assert db.session.scalars(db.select(ApiToken).where(ApiToken.user_id == lead.id)).all() == []
    # The audit trail only grew: the record of the anonymisation, in counts.
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == events_before + 1
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "privacy.person_anonymised")).one()
    assert (event.actor_id, event.object_type, event.object_id) == (officer.id, "user", str(lead.id))
    assert event.after == {
        "withdrawn_bids": 1,
        "partner_contacts_removed": 1,
        "notifications_removed": 4,  # withdrawn, the reminder, the failed one, and the partner's invitation
        "recovery_codes_deleted": 1,
        "api_tokens_deleted": 1,
        "messages_removed": 0,
        "documents_deleted": 1,
        "documents_kept_as_removed": 0,
        "retention_days": 365,
    }
    assert "Dana" not in repr(event.after) and "whitmore" not in repr(event.after).lower()


def test_the_withdrawn_bid_keeps_its_figures_but_not_its_people(db, client_for, officer, scene):
    anonymise(client_for(officer), scene.lead)
    bid = db.session.get(Application, scene.bid.id)
    assert bid.withdrawal_reason is None
    assert (bid.status, bid.amount_requested_pence, bid.match_amount_pence) == ("withdrawn", 2_700_000, 1_000_000)
    partner = db.session.get(Partner, scene.partner.id)
    assert (partner.contact_name, partner.contact_email, partner.response_note) == ("Removed", "", None)
    assert partner.organisation_id == scene.partner.organisation_id and partner.role == scene.partner.role


def test_their_written_answers_and_answer_files_go_and_other_answers_stay(db, client_for, officer):
    round_ = RoundFactory(status="assessing", assessment_deadline=utcnow().date() + timedelta(days=30), form=EVERY_KIND)
    lead = ApplicantFactory()
    bid = withdrawn_bid(round_, lead=lead)
    plan = DocumentFactory(application_id=bid.id, kind="answer", original_filename="dana-whitmore-plan.pdf")
    write_file(plan)
    bid.answers = {**every_kind_answers(plan.id), "contact": "Dana Whitmore, 07700 900123", "gone": "Old words"}
    other = withdrawn_bid(round_)  # another lead's bid in the round
    other.answers = {"story": "Their own story.", "people": 30}
    db.session.commit()
    plan_id, path = plan.id, storage.path_of(plan.stored_name)

    assert anonymise(client_for(officer), lead).status_code == 302

    db.session.expire_all()
    assert db.session.get(Application, bid.id).answers == {
        "story": "Removed",
        "contact": "Removed",
        "people": 1200,
        "cost": 125_050,
        "start": "2027-03-01",
        "schools": "no",
        "size": "large",
        "ages": ["young", "old"],
    }
    assert db.session.get(Document, plan_id) is None and not path.exists()
    assert db.session.get(Application, other.id).answers == {"story": "Their own story.", "people": 30}


def test_their_emails_lose_their_content_and_are_never_sent(db, client_for, officer, scene):
    anonymise(client_for(officer), scene.lead)
    theirs = db.session.scalars(
        db.select(Notification).where(Notification.recipient_email == anonymised_email(scene.lead.id))
    ).all()
    assert len(theirs) == 3
    for notification in theirs:
        assert notification.context == {} and notification.body_html is None and notification.last_error is None
        assert notification.body_text in ("", None) and notification.subject == "Removed: personal data anonymised"
        assert notification.status in ("captured", "cancelled")
    assert {n.status for n in theirs if n.template in ("reminder_round_closing", "partner_response")} == {"cancelled"}
    invitation = db.session.scalars(db.select(Notification).where(Notification.template == "partner_invitation")).one()
    assert (invitation.recipient_email, invitation.context, invitation.body_text) == ("", {}, "")


def test_their_uploaded_file_is_deleted_after_the_commit(db, client_for, officer, scene):
    letter_id, path = scene.letter.id, storage.path_of(scene.letter.stored_name)
    assert path.exists()
    anonymise(client_for(officer), scene.lead)
    assert not path.exists()
    assert db.session.get(Document, letter_id) is None


def test_a_document_another_row_points_at_is_kept_as_removed(db, client_for, officer, scene):
    match = db.session.scalars(db.select(MatchFunding).where(MatchFunding.project_id == scene.project.id)).one()
    match.evidence_document_id = scene.letter.id
    db.session.commit()
    match_before = every_row(db, MatchFunding.__table__)

    anonymise(client_for(officer), scene.lead)

    document = db.session.get(Document, scene.letter.id)
    assert document.original_filename == "removed"
    assert not storage.path_of(document.stored_name).exists()
    assert every_row(db, MatchFunding.__table__) == match_before


def test_a_file_that_cannot_be_deleted_is_logged_and_the_others_still_go(
    db, client_for, officer, scene, monkeypatch, caplog
):
    second = DocumentFactory(application_id=scene.bid.id, uploaded_by_id=scene.lead.id)
    write_file(second)
    stuck, gone = storage.path_of(scene.letter.stored_name), storage.path_of(second.stored_name)
    unlink = Path.unlink

    def refuse_one(path, *args, **kwargs):
        if path.name == stuck.name:
            raise PermissionError(13, "Permission denied", str(path))
        return unlink(path, *args, **kwargs)

    monkeypatch.setattr(Path, "unlink", refuse_one)
    with caplog.at_level(logging.ERROR, logger="grants.privacy.services"):
        response = anonymise(client_for(officer), scene.lead)

    assert response.status_code == 302 and response.headers["Location"] == "/manage/personal-data/"
    assert db.session.get(User, scene.lead.id).anonymised_at is not None
    assert stuck.exists() and not gone.exists()
    (record,) = [r for r in caplog.records if r.name == "grants.privacy.services"]
    assert stuck.name in record.getMessage() and record.exc_info[0] is PermissionError


def test_they_can_no_longer_sign_in(db, app, client, client_for, officer, scene):
    their_session = client_for(scene.lead)
    assert their_session.get("/account").status_code == 200
    anonymise(client_for(officer), scene.lead)
    assert their_session.get("/account").status_code == 302
    for email in (scene.lead.email, anonymised_email(scene.lead.id)):
        response = client.post("/sign-in", data={"email": email, "password": PASSWORD})
        assert error_summary(response.get_data(as_text=True)) == ["Enter a correct email address and password"]
    assert client.get("/account").headers["Location"].startswith("/sign-in")


# --- Refused ----------------------------------------------------------------------------------------------


def refused(db, client, person, expected: str):
    """The refusal is explained, audited, and nothing about the person changed."""
    before = (person.name, person.email, person.password_hash, person.is_active, person.anonymised_at)
    response = anonymise(client, person)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert error_summary(html) == [expected]
    assert "Anonymise their personal data" not in html
    stored = db.session.get(User, person.id)
    assert (stored.name, stored.email, stored.password_hash, stored.is_active, stored.anonymised_at) == before
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "privacy.anonymise_refused")).one()
    assert (event.object_type, event.object_id, event.after) == ("user", str(person.id), {"reason": expected})
    assert person.name not in expected and person.email not in expected  # no personal data in the audit trail


def test_a_second_anonymisation_is_refused(db, client_for, officer, scene):
    client = client_for(officer)
    anonymise(client, scene.lead)
    person = db.session.get(User, scene.lead.id)
    when = format_date(person.anonymised_at)
    refused(db, client, person, f"This person’s personal data was already anonymised on {when}.")


def test_within_the_retention_period_is_refused_with_the_date(db, client_for, officer):
    bid = withdrawn_bid(days_ago=300)
    withdrawn, until = format_date(bid.withdrawn_at), format_date(bid.withdrawn_at + timedelta(days=365))
    refused(
        db,
        client_for(officer),
        bid.lead_applicant,
        f"This person’s last bid was withdrawn on {withdrawn}. Their personal data is within the retention period "
        f"until {until}.",
    )


def test_the_retention_period_is_a_setting(app, db, client_for, officer, monkeypatch):
    monkeypatch.setitem(app.config, "PERSONAL_DATA_RETENTION_DAYS", 30)
    bid = withdrawn_bid(days_ago=31)
    assert anonymise(client_for(officer), bid.lead_applicant).status_code == 302


def test_a_bid_not_withdrawn_is_refused(db, client_for, officer):
    lead = withdrawn_bid().lead_applicant
    ApplicationFactory(lead_applicant=lead, lead_organisation=lead.organisation)
    refused(
        db,
        client_for(officer),
        lead,
        "1 bid this person leads is not withdrawn. Only applicants whose bids were all withdrawn can be anonymised.",
    )


def test_someone_who_leads_no_bids_is_refused(db, client_for, officer):
    person = ApplicantFactory(name="Ola Newcombe")
    refused(
        db,
        client_for(officer),
        person,
        "This person leads no bids. Only applicants whose bids were all withdrawn can be anonymised.",
    )


def test_staff_are_refused(db, client_for, officer):
    lead = withdrawn_bid().lead_applicant
    db.session.add(UserRole(user_id=lead.id, role=Role.STEERING_MEMBER.value))
    db.session.commit()
    refused(
        db,
        client_for(officer),
        db.session.get(User, lead.id),
        "This person holds staff roles (Steering group member). Only applicants can be anonymised.",
    )


def test_a_partner_contact_on_a_funded_bid_is_refused_and_that_bid_is_unchanged(db, client_for, officer, scene):
    PartnerFactory(
        application=scene.project.application, contact_email="Dana.Whitmore@Example.org", contact_name="Dana Whitmore"
    )
    partners_before = every_row(db, Partner.__table__)
    refused(
        db,
        client_for(officer),
        scene.lead,
        "This person’s email address is a partner contact on 1 bid that is not withdrawn. Anonymising them would "
        "change another partnership’s bid, so they can be anonymised only once that bid names another contact or "
        "is withdrawn.",
    )
    assert every_row(db, Partner.__table__) == partners_before
    assert db.session.get(Application, scene.bid.id).withdrawal_reason is not None


def test_a_partner_contact_on_a_bid_still_being_written_is_refused(db, client_for, officer, scene):
    for _ in range(2):
        PartnerFactory(application=ApplicationFactory(), contact_email=scene.lead.email.upper())
    expected = (
        "This person’s email address is a partner contact on 2 bids that are not withdrawn. Anonymising them would "
        "change another partnership’s bid, so they can be anonymised only once those bids name other contacts or "
        "are withdrawn."
    )
    refused(db, client_for(officer), scene.lead, expected)


def test_a_leadership_participant_is_refused_and_the_participant_is_unchanged(db, client_for, officer, scene):
    db.session.add(
        Participant(
            project_id=scene.project.id, name="Dana Whitmore", email=scene.lead.email, organisation_name="Wigan Council"
        )
    )
    db.session.commit()
    participants_before = every_row(db, Participant.__table__)
    refused(
        db,
        client_for(officer),
        scene.lead,
        "This person’s email address is a participant in a leadership self-assessment of a funded project. "
        "Anonymising them would change that project’s records, so they cannot be anonymised.",
    )
    assert every_row(db, Participant.__table__) == participants_before


def test_another_leads_withdrawn_bid_naming_them_is_left_as_it_is(db, client_for, officer, scene):
    """Only their own rows and their own withdrawn bids change; the other lead's bid is theirs to anonymise."""
    other = withdrawn_bid(scene.round)
    PartnerFactory(application=other, contact_email=scene.lead.email, contact_name="Dana Whitmore")
    db.session.add(
        Notification(
            recipient_email=scene.lead.email,
            template="partner_invitation",
            context={"lead_applicant": other.lead_applicant.name, "contact_name": "Dana Whitmore"},
            subject="Confirm your part in a bid",
            body_text="Dana Whitmore, please confirm.",
            status="captured",
        )
    )
    db.session.commit()
    bids, partners = every_row(db, Application.__table__), every_row(db, Partner.__table__)
    their_invitation = (Notification.template == "partner_invitation") & (
        Notification.recipient_email == scene.partner.contact_email
    )
    # Every email but those sent to them and the one their own bid sent to its partner.
    not_theirs = (
        db.select(Notification.__table__)
        .where(Notification.recipient_id.is_distinct_from(scene.lead.id), ~their_invitation)
        .order_by(Notification.id)
    )
    emails_before = db.session.execute(not_theirs).all()
    assert scene.lead.email in {row.recipient_email for row in emails_before}
    same_emails = (
        db.select(Notification.__table__)
        .where(Notification.id.in_([row.id for row in emails_before]))
        .order_by(Notification.id)
    )

    assert anonymise(client_for(officer), scene.lead).status_code == 302

    changed_bids = [row.id for row in every_row(db, Application.__table__) if row not in bids]
    assert changed_bids == [scene.bid.id]  # its withdrawal reason, and nothing else
    changed_partners = [row.application_id for row in every_row(db, Partner.__table__) if row not in partners]
    assert changed_partners == [scene.bid.id]
    assert db.session.execute(same_emails).all() == emails_before


def test_the_confirm_page_says_why_not_without_a_button(db, client_for, officer):
    bid = withdrawn_bid(days_ago=10)
    html = client_for(officer).get(url(bid.lead_applicant)).get_data(as_text=True)
    assert h1(html) == f"Anonymise {bid.lead_applicant.name}"
    assert "They cannot be anonymised" in text(html) and "within the retention period" in text(html)
    assert "Anonymise their personal data" not in html
    assert db.session.scalars(db.select(AuditEvent).where(AuditEvent.action.startswith("privacy."))).all() == []


def test_the_confirm_page_lists_their_bids_and_what_stays(db, client_for, officer, scene):
    response = client_for(officer).get(url(scene.lead))
    page = text(response.get_data(as_text=True))
    assert response.status_code == 200
    assert scene.bid.reference in page and "£27,000" in page and "Withdrawn" in page
    assert "The audit trail is kept unchanged, as the record of how public money was handled" in page
    assert "It may still hold the email address this person used and what they wrote when they withdrew" in page
    assert 'type="password"' in response.get_data(as_text=True) and "Your password" in page
    assert "Anonymise their personal data" in page


def test_an_unknown_person_is_not_found(db, client_for, officer):
    assert client_for(officer).get("/manage/personal-data/people/999999/anonymise").status_code == 404


# --- Who may ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.ADMIN, Role.FINANCE_APPROVER, Role.STEERING_CHAIR])
def test_only_programme_officers_may(db, client_for, scene, role):
    client = client_for(ApplicantFactory() if role is Role.APPLICANT else UserFactory(roles=[role]))
    assert client.get("/manage/personal-data/").status_code == 403
    assert client.get(url(scene.lead)).status_code == 403
    assert anonymise(client, scene.lead).status_code == 403
    assert db.session.get(User, scene.lead.id).anonymised_at is None


def test_visitors_are_sent_to_sign_in(db, client, scene):
    assert client.get("/manage/personal-data/").headers["Location"] == "/sign-in?next=/manage/personal-data/"
    assert anonymise(client, scene.lead).headers["Location"].startswith("/sign-in")


def test_a_wrong_password_changes_nothing_and_is_audited(db, client_for, officer, scene):
    before = every_row(db, User.__table__)
    response = anonymise(client_for(officer), scene.lead, password="not-my-password")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(html, "password") == (
        "The password is not right. Enter your own password to anonymise this person"
    )
    assert every_row(db, User.__table__) == before
    assert storage.path_of(scene.letter.stored_name).exists()
    failed = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "auth.reauthentication_failed")).one()
    assert (failed.actor_id, failed.object_type, failed.object_id) == (officer.id, "user", str(scene.lead.id))
    assert failed.after == {"purpose": "anonymise"}
    assert db.session.scalars(db.select(AuditEvent).where(AuditEvent.action.startswith("privacy."))).all() == []


def test_the_password_must_be_entered(db, client_for, officer, scene):
    response = anonymise(client_for(officer), scene.lead, password="")
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "password") == "Enter your password"
    assert db.session.get(User, scene.lead.id).anonymised_at is None


def test_wrong_passwords_are_limited_per_account(db, app, client_for, officer, scene):
    client = client_for(officer)
    answers = [anonymise(client, scene.lead, password=f"wrong-{n}").status_code for n in range(6)]
    assert answers == [400] * 5 + [429]
    assert anonymise(client, scene.lead).status_code == 429  # even the right one waits
    assert db.session.get(User, scene.lead.id).anonymised_at is None
    other = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    assert anonymise(client_for(other), scene.lead).status_code == 302


def test_the_form_needs_its_csrf_token(app, db, client_for, officer, scene, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    client = client_for(officer)
    forged = anonymise(client, scene.lead)
    assert forged.status_code == 400
    assert db.session.get(User, scene.lead.id).anonymised_at is None
    token = csrf_token(client.get(url(scene.lead)).get_data(as_text=True))
    assert client.post(url(scene.lead), data={"csrf_token": token, "password": PASSWORD}).status_code == 302
    assert db.session.get(User, scene.lead.id).anonymised_at is not None


# --- The list --------------------------------------------------------------------------------------------


def test_the_list_shows_only_who_may_be_anonymised_longest_withdrawn_first(app, db, client_for, officer, scene):
    older = withdrawn_bid(days_ago=900).lead_applicant
    withdrawn_bid(days_ago=100)  # within the retention period
    busy = withdrawn_bid().lead_applicant
    ApplicationFactory(lead_applicant=busy, lead_organisation=busy.organisation)
    done = withdrawn_bid().lead_applicant
    done.anonymised_at = utcnow()
    partnered = withdrawn_bid().lead_applicant  # a partner contact on a funded bid
    PartnerFactory(application=scene.project.application, contact_email=partnered.email.upper())
    participant = withdrawn_bid().lead_applicant  # in a funded project's leadership self-assessment
    db.session.add(Participant(project_id=scene.project.id, name=participant.name, email=participant.email))
    db.session.commit()
    html = client_for(officer).get("/manage/personal-data/").get_data(as_text=True)
    assert h1(html) == "Personal data"
    page = text(html)
    assert "2 people can be anonymised" in page
    assert page.index(older.email) < page.index(scene.lead.email)
    assert busy.email not in page and done.email not in page
    assert partnered.email not in page and participant.email not in page
    assert "The audit trail is append-only" in page and "may still hold the email address" in page


def test_the_list_is_paginated(app, db, client_for, officer, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    leads = [withdrawn_bid(days_ago=400 + n).lead_applicant for n in range(3)]
    client = client_for(officer)
    first, second = (text(client.get(f"/manage/personal-data/?page={n}").get_data(as_text=True)) for n in (1, 2))
    assert leads[2].email in first and leads[1].email in first and leads[0].email not in first
    assert leads[0].email in second and "3 people can be anonymised" in second


def test_the_list_takes_a_fixed_number_of_queries(app, db, client_for, officer):
    from tests.helpers import QueryCounter

    client = client_for(officer)
    withdrawn_bid()
    with QueryCounter() as few:
        client.get("/manage/personal-data/")
    for _ in range(4):
        withdrawn_bid()
    with QueryCounter() as many:
        client.get("/manage/personal-data/")
    assert many.count == few.count


def test_a_change_that_rolls_back_keeps_the_file(db, officer, scene):
    path = storage.path_of(scene.letter.stored_name)
    anonymise_person(scene.lead, actor=officer)
    db.session.rollback()
    assert path.exists()
    assert db.session.get(User, scene.lead.id).email == "dana.whitmore@example.org"
