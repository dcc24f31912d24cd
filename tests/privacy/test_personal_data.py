"""A person's own personal data: the page, and the download of everything held about them, without a
single secret, in a fixed number of queries."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from grants.accounts.models import User
from grants.api import services as api_services
from grants.api.models import ApiToken
from grants.applications.services import _invite as invite_partner
from grants.core.audit import AuditEvent
from grants.core.db import utcnow
from grants.core.permissions import Role
from grants.core.times import london_today
from grants.extensions import db as _db
from grants.funding.models import GrantAgreement
from grants.leadership.models import Participant
from grants.notifications.models import Notification
from grants.privacy.personal_data import is_secret, sources
from grants.progress.models import ProgressCompilation
from grants.projects.models import ProjectUpdate
from tests.factories import EnablerProfileFactory, PartnerFactory, UserFactory, assign
from tests.fixtures.mail import emailed_link
from tests.helpers import QueryCounter, h1, register, text

DOWNLOAD = "/account/personal-data/download"
# Words that name a credential: a column or key named with one must never be in the download.
CREDENTIAL_WORDS = ("password", "hash", "secret", "token")


def download(client) -> dict:
    response = client.get(DOWNLOAD)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return json.loads(response.get_data(as_text=True))


def keys_in(value, path="") -> list[str]:
    """Every key in the document, as a dotted path."""
    if isinstance(value, dict):
        return [k for key, item in value.items() for k in [f"{path}.{key}", *keys_in(item, f"{path}.{key}")]]
    if isinstance(value, list):
        return [k for item in value for k in keys_in(item, path)]
    return []


# --- The page --------------------------------------------------------------------------------------------


def test_the_page_says_what_is_held_why_and_for_how_long(db, client_for):
    response = client_for(UserFactory()).get("/account/personal-data")
    page = text(response.get_data(as_text=True))
    assert response.status_code == 200
    assert h1(response.get_data(as_text=True)) == "Your personal data"
    for heading in ("What we hold", "Why we hold it", "How long we keep it", "Download your data"):
        assert heading in page
    assert "365 days after the last withdrawal" in page
    assert f'href="{DOWNLOAD}"' in response.get_data(as_text=True)


def test_the_page_says_records_naming_their_address_are_asked_for_and_the_audit_trail_stays(app, db, client_for):
    response = client_for(UserFactory()).get("/account/personal-data")
    html, page = response.get_data(as_text=True), text(response.get_data(as_text=True))
    assert "Records that name your email address" in page
    assert "A record that names your email address but is not linked to your account is not in it" in page
    assert "a partner organisation’s contact on another organisation’s bid" in page
    support = app.config["SUPPORT_EMAIL"]
    assert f"To have them, ask the programme team at {support}" in page and f'href="mailto:{support}"' in html
    assert "The audit trail is kept unchanged, even when your personal data is anonymised" in page
    assert "as the record of how public money was handled" in page
    assert "It may hold the email address you used and what you wrote when you withdrew a bid" in page


def test_visitors_are_sent_to_sign_in(client):
    for path in ("/account/personal-data", DOWNLOAD):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == f"/sign-in?next={path}"


# --- The download ----------------------------------------------------------------------------------------


def test_the_download_is_a_dated_json_attachment_and_is_audited(db, client_for):
    person = UserFactory()
    response = client_for(person).get(DOWNLOAD)
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="grants-personal-data-{london_today().isoformat()}.json"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "privacy.personal_data_downloaded")
    ).one()
    assert (event.actor_id, event.object_type, event.object_id) == (person.id, "user", str(person.id))


def test_it_holds_their_account_bids_partner_contacts_emails_and_audit_trail(db, client_for, scene):
    data = download(client_for(scene.lead))
    tables = data["tables"]
    assert data["person_id"] == scene.lead.id
    (account,) = tables["users"]
    assert (account["id"], account["name"], account["email"]) == (scene.lead.id, "Dana Whitmore", scene.lead.email)
    assert account["roles"] == ["applicant"]
    assert account["organisation"]["name"] == scene.bid.lead_organisation.name
    assert [bid["id"] for bid in tables["applications"]] == [scene.bid.id]
    assert tables["applications"][0]["amount_requested_pence"] == 2_700_000
    # Only what is linked to their account: not the partner contacts of other organisations' bids.
    assert "partners" not in tables and "assessment_participants" not in tables
    assert {row["template"] for row in tables["notifications"]} == {
        "application_withdrawn",
        "reminder_round_closing",
        "partner_response",
    }
    assert [row["name"] for row in tables["api_tokens"]] == ["Our warehouse"]
    actions = [event["action"] for event in tables["audit_events"]]
    assert "application.withdrawn" in actions and "api_token.created" in actions
    assert all(set(event) == {"occurred_at", "action", "object_type", "object_id"} for event in tables["audit_events"])


def test_their_bids_answers_are_in_it_with_the_questions_they_answer(db, client_for, scene):
    scene.bid.answers = {**scene.bid.answers, "learning_plan": "A case study.", "gone": "An old answer"}
    db.session.commit()
    (bid,) = download(client_for(scene.lead))["tables"]["applications"]
    assert bid["answers"] == [
        {
            "key": "issue",
            "question": "The issue",
            "answer": "Older people move between hospital and home without a plan.",
            "in_words": "Older people move between hospital and home without a plan.",
        },
        {
            "key": "shared_vision",
            "question": "Your shared vision",
            "answer": "Everyone gets home safely, with the right support.",
            "in_words": "Everyone gets home safely, with the right support.",
        },
        {
            "key": "systems_leadership",
            "question": "Why a systems-leadership approach",
            "answer": "No single service owns the journey home.",
            "in_words": "No single service owns the journey home.",
        },
        {
            "key": "outcomes",
            "question": "Intended outcomes",
            "answer": "Fewer delayed discharges.",
            "in_words": "Fewer delayed discharges.",
        },
        {
            "key": "learning_plan",
            "question": "How you will share what you learn",
            "answer": "A case study.",
            "in_words": "A case study.",
        },
        {"key": "gone", "question": None, "answer": "An old answer", "in_words": None},  # still theirs
    ]


def test_times_are_iso_8601_in_utc(db, client_for, scene):
    data = download(client_for(scene.lead))
    withdrawn_at = data["tables"]["applications"][0]["withdrawn_at"]
    assert withdrawn_at.endswith("+00:00")
    assert datetime.fromisoformat(withdrawn_at) == scene.bid.withdrawn_at.astimezone(UTC)
    assert datetime.fromisoformat(data["generated_at"]).tzinfo is not None


def test_no_secret_is_ever_in_it(db, client_for, scene):
    scene.lead.totp_secret = "encrypted-authenticator-secret"
    scene.lead.two_factor_enabled_at = utcnow()
    db.session.add(
        Notification(
            recipient_email=scene.lead.email,
            recipient_id=scene.lead.id,
            template="password_reset",
            subject="Reset your password",
            body_text="Follow https://grants.example.org/password/reset/private-link-abc",
            body_html="<p>private-link-abc</p>",
            context={"link": "private-link-abc"},
            sensitive=True,
            status="captured",
        )
    )
    db.session.commit()
    user = db.session.get(User, scene.lead.id)
    secrets = [user.password_hash, user.session_token, user.totp_secret, "c" * 64, "private-link-abc", "t" * 40]
    secrets += db.session.scalars(db.select(ApiToken.secret_hash).where(ApiToken.user_id == user.id)).all()

    response = client_for(user).get(DOWNLOAD)
    body = response.get_data(as_text=True)

    columns = [f"{name}{key}" for name, rows in json.loads(body)["tables"].items() for key in keys_in(rows)]
    leaked = [column for column in columns if any(word in column.rsplit(".", 1)[-1] for word in CREDENTIAL_WORDS)]
    assert leaked == [], f"columns that hold secrets are in the download: {leaked}"
    assert [secret for secret in secrets if secret in body] == []
    reset = next(row for row in json.loads(body)["tables"]["notifications"] if row["template"] == "password_reset")
    assert (reset["subject"], reset["body_text"], reset["body_html"], reset["context"]) == (
        "Reset your password",
        None,
        None,
        None,
    )


def test_every_credential_column_in_the_schema_is_recognised(app):
    """Whatever tables are added, a column named for a credential is one the download leaves out."""
    with app.app_context():
        for name in ("password_hash", "session_token", "totp_secret", "secret_hash", "code_hash", "token_digest"):
            assert is_secret(name), name
        credentials = [
            f"{table.name}.{column.name}"
            for table in _db.metadata.tables.values()
            for column in table.columns
            if column.name in ("password_hash", "session_token", "totp_secret", "secret_hash", "code_hash")
        ]
        assert credentials and all(is_secret(name.split(".")[1]) for name in credentials)


def test_new_tables_are_found_by_their_foreign_keys_and_never_by_email_address(app):
    with app.app_context():
        found = {source.table.name: source for source in sources()}
        expected = {
            table.name
            for table in _db.metadata.tables.values()
            if table.name not in ("users", "audit_events")
            and any(key.column.table.name == "users" for column in table.columns for key in column.foreign_keys)
        }
        assert found.keys() == expected
        assert "partners" not in found  # it names people only by an email address
        for source in found.values():
            assert all(column.name.endswith("_by_id") for column in source.actor), source.table.name
            assert not any(column.name.endswith("_by_id") for column in source.subject), source.table.name
        assert [c.name for c in found["grant_agreements"].actor] == ["issued_by_id", "signed_by_id"]
        assert found["grant_agreements"].subject == ()
        assert [c.name for c in found["notifications"].subject] == ["recipient_id"]
        assert [c.name for c in found["assessment_participants"].actor] == ["added_by_id"]


def test_what_they_did_as_staff_is_in_it_too(db, client_for):
    from tests.factories import funded_project

    enabler = EnablerProfileFactory(user=UserFactory(roles=[Role.ENABLER])).user
    project = funded_project()
    assign(project, enabler)
    db.session.add(
        ProjectUpdate(
            project_id=project.id,
            author_id=enabler.id,
            happened_on=london_today() - timedelta(days=1),
            kind="workshop",
            what_happened="The partners mapped the journey home.",
            rag="green",
        )
    )
    db.session.commit()
    tables = download(client_for(enabler))["tables"]
    assert [row["what_happened"] for row in tables["project_updates"]] == ["The partners mapped the journey home."]
    assert [row["project_id"] for row in tables["enabler_assignments"]] == [project.id]
    assert "applications" not in tables


@pytest.fixture
def busy_officer(db, scene):
    """An officer who acted on other people's records: issued an agreement the project's lead signed,
    revoked the lead's API token, added a leadership participant and compiled a progress report."""
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER], name="Olu Officer", email="olu.officer@example.org")
    signer = scene.project.application.lead_applicant
    now = utcnow()
    # The draft the project was created with, issued by the officer and signed by the project's lead.
    agreement = db.session.scalars(db.select(GrantAgreement).where(GrantAgreement.project_id == scene.project.id)).one()
    officer_id, signer_id = officer.id, signer.id
    agreement.terms = "The grant is for the partnership's work in Wigan."
    agreement.issued_at, agreement.issued_by_id = now - timedelta(days=5), officer_id
    agreement.signed_at, agreement.signed_by_id = now - timedelta(days=3), signer_id
    agreement.signed_name, agreement.signed_ip = "Priya Signatory", "203.0.113.77"
    agreement.signed_user_agent = "SignerBrowser/9.9"
    agreement.status = "signed"
    participant = Participant(
        project_id=scene.project.id,
        name="Sam Participant",
        email="sam.participant@example.net",
        organisation_name="Wigan Hospice",
        added_by_id=officer.id,
    )
    compilation = ProgressCompilation(
        status="done",
        trigger="officer",
        requested_by_id=officer.id,
        started_at=now,
        finished_at=now,
        projects_total=1,
        projects_done=1,
        figures={"projects": 1},
        rows=[{"reference": scene.project.reference, "lead": "Whole Portfolio Row"}],
    )
    db.session.add_all([participant, compilation])
    db.session.commit()
    token, _ = api_services.create_token(signer, name="Signer warehouse", roles=["applicant"], expires_in_days=None)
    api_services.revoke_token(token, actor=officer)
    db.session.commit()
    return SimpleNamespace(
        user=officer, signer=signer, agreement=agreement, participant=participant, compilation=compilation, token=token
    )


# What someone else's row may show to the person who acted on it: its key, the link, its times.
def actor_keys(table_name: str, link: str) -> set[str]:
    table = _db.metadata.tables[table_name]
    return {"id", link} | {column.name for column in table.columns if column.name.endswith(("_at", "_on"))}


def test_their_learning_is_in_it_without_the_words_the_search_works_out_from_it(db, client_for):
    from grants.learning.models import LearningItem
    from tests.factories import funded_project

    enabler = EnablerProfileFactory(user=UserFactory(roles=[Role.ENABLER])).user
    project = funded_project()
    assign(project, enabler)
    db.session.add(
        LearningItem(project_id=project.id, author_id=enabler.id, kind="insight", title="Walking the ward together")
    )
    db.session.commit()
    rows = download(client_for(enabler))["tables"]["learning_items"]
    assert [row["title"] for row in rows] == ["Walking the ward together"]
    assert "search_words" not in rows[0] and "summary" in rows[0]


def test_nobody_elses_data_is_in_it(db, client_for, scene, busy_officer):
    body = client_for(busy_officer.user).get(DOWNLOAD).get_data(as_text=True)
    others = [
        scene.lead.email,
        "Dana Whitmore",
        busy_officer.signer.email,
        busy_officer.signer.name,
        "Priya Signatory",
        "203.0.113.77",
        "SignerBrowser",
        "partnership's work in Wigan",
        "Signer warehouse",
        busy_officer.token.prefix,
        "Sam Participant",
        "sam.participant@example.net",
        "Wigan Hospice",
        "Whole Portfolio Row",
    ]
    assert [value for value in others if value.lower() in body.lower()] == []
    tables = json.loads(body)["tables"]
    for name, rows in tables.items():
        if name in ("users", "audit_events", "user_roles"):
            continue
        for row in rows:
            links = {key for key, value in row.items() if key.endswith("_by_id") and value == busy_officer.user.id}
            assert links and set(row) <= set().union(*(actor_keys(name, link) for link in links)), (name, row)


def test_what_they_did_to_others_records_is_in_it_as_what_and_when(db, client_for, scene, busy_officer):
    tables = download(client_for(busy_officer.user))["tables"]
    officer_id, agreement = busy_officer.user.id, busy_officer.agreement
    assert tables["grant_agreements"] == [
        {
            "id": agreement.id,
            "issued_at": agreement.issued_at.astimezone(UTC).isoformat(),
            "issued_by_id": officer_id,
            "signed_at": agreement.signed_at.astimezone(UTC).isoformat(),
            "superseded_at": None,
            "created_at": agreement.created_at.astimezone(UTC).isoformat(),
            "updated_at": agreement.updated_at.astimezone(UTC).isoformat(),
        }
    ]
    (token,) = tables["api_tokens"]
    assert set(token) == {"id", "revoked_by_id", "created_at", "last_used_at", "expires_at", "revoked_at"}
    assert (token["id"], token["revoked_by_id"], token["revoked_at"]) == (
        busy_officer.token.id,
        officer_id,
        busy_officer.token.revoked_at.astimezone(UTC).isoformat(),
    )
    assert [set(row) for row in tables["assessment_participants"]] == [{"id", "added_by_id", "created_at"}]
    assert [row["id"] for row in tables["assessment_participants"]] == [busy_officer.participant.id]
    (compilation,) = tables["progress_compilations"]
    assert set(compilation) == {"id", "requested_by_id", "requested_at", "started_at", "finished_at"}
    assert "api_token.revoked" in [event["action"] for event in tables["audit_events"]]


def test_the_signer_gets_their_signature_but_not_the_agreement(db, client_for, scene, busy_officer):
    (row,) = download(client_for(busy_officer.signer))["tables"]["grant_agreements"]
    assert (row["signed_by_id"], row["signed_name"], row["signed_ip"], row["signed_user_agent"]) == (
        busy_officer.signer.id,
        "Priya Signatory",
        "203.0.113.77",
        "SignerBrowser/9.9",
    )
    assert "terms" not in row and "issued_by_id" not in row and "award_pence" not in row


def test_someone_registered_with_a_partner_contacts_address_gets_none_of_their_records(db, client, scene):
    """Rows that only name an address are not in the download, even for someone who registered it."""
    address = "partner.contact@example.net"
    lead = scene.project.application.lead_applicant
    partner = PartnerFactory(application=scene.project.application, contact_email=address, status="invited")
    invite_partner(partner, actor=lead)
    db.session.add(Participant(project_id=scene.project.id, name="Pat Partner", email=address, added_by_id=lead.id))
    db.session.commit()
    link_token = emailed_link(address, "/partner/").removeprefix("/partner/")  # the partner's confirmation link

    register(client, name="Not Pat", email="Partner.Contact@example.net", password="a long enough secret")
    response = client.get(DOWNLOAD)
    body = response.get_data(as_text=True)

    assert response.status_code == 200
    tables = json.loads(body)["tables"]
    assert set(tables) <= {"users", "user_roles", "audit_events", "notifications"}
    assert [row["template"] for row in tables.get("notifications", [])] == ["confirm_email"]  # their own only
    assert link_token not in body and partner.invitation_nonce not in body
    assert "Pat Partner" not in body and partner.contact_name not in body
    assert scene.project.application.title not in body and lead.name not in body


def test_the_download_takes_a_fixed_number_of_queries(db, client_for, scene):
    client = client_for(scene.lead)
    with QueryCounter() as few:
        download(client)
    for n in range(20):
        db.session.add(
            Notification(
                recipient_email=scene.lead.email,
                recipient_id=scene.lead.id,
                template="reminder_report_due",
                subject=f"Reminder {n}",
                body_text="A report is due.",
                status="captured",
            )
        )
    db.session.commit()
    with QueryCounter() as many:
        data = download(client)
    assert len(data["tables"]["notifications"]) == 23
    assert many.count == few.count
