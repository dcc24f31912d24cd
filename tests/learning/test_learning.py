"""Learning: commitments carried from the bid (overdue read from the date, applied learning linked
both ways), learning items published only by a programme officer, the public library with its
search, filters and feed, and the tranche condition a published item meets."""

import re
import xml.etree.ElementTree as ElementTree
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from grants.extensions import db as _db
from grants.funding.models import Tranche
from grants.learning import services
from grants.learning.models import LearningCommitment, LearningItem
from grants.notifications.models import Notification
from tests.factories import (
    ApplicantFactory,
    EnablerProfileFactory,
    PlaceFactory,
    ThemeFactory,
    UserFactory,
    assign,
    funded_project,
)
from tests.fixtures.clients import sign_in_client
from tests.helpers import QueryCounter, error_summary, field_error, text
from tests.performance import worlds

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def project(db):
    return funded_project()


@pytest.fixture
def lead(app, project):
    return sign_in_client(app, project.application.lead_applicant)


def commitment_of(project) -> LearningCommitment:
    return _db.session.scalars(
        _db.select(LearningCommitment)
        .where(LearningCommitment.project_id == project.id)
        .order_by(LearningCommitment.id)
    ).first()


def values(**changes) -> services.ItemValues:
    base = {
        "kind": "case_study",
        "title": "Getting home safely",
        "summary": "How four agencies agreed one plan for leaving hospital.",
        "body": "The partnership mapped twelve journeys home and found four hand-offs nobody owned.",
        "what_worked": "Front-line staff meeting every fortnight.",
        "what_did_not": "Sharing data before a data agreement was signed.",
        "theme_ids": [],
        "place_id": None,
        "commitment_id": None,
        "consent": True,
    }
    return services.ItemValues(**{**base, **changes})


def write_item(project, author, *, submit=True, **changes) -> LearningItem:
    changes.setdefault("theme_ids", [theme.id for theme in project.application.themes])
    changes.setdefault("place_id", project.place_id)
    item = services.save_item(project, None, values(**changes), actor=author, submit=submit)
    _db.session.commit()
    return item


def published(project, author, officer, **changes) -> LearningItem:
    item = write_item(project, author, **changes)
    services.review_item(item, decision="publish", comment="", actor=officer)
    _db.session.commit()
    return item


def item_form(**changes) -> dict:
    form = {
        "kind": "case_study",
        "title": "Getting home safely",
        "summary": "How four agencies agreed one plan.",
        "body": "The partnership mapped twelve journeys home.",
        "what_worked": "Fortnightly meetings.",
        "what_did_not": "Data sharing came late.",
        "place": "",
        "commitment": "",
        "consent": "y",
        "submit": "Submit for review",
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


# --- Commitments ------------------------------------------------------------------------------------


def test_commitments_come_from_the_bid_and_overdue_is_read_from_the_date(db, app, project, lead):
    commitment = commitment_of(project)
    assert (commitment.kind, commitment.status) == ("case_study", "planned")
    assert commitment.state(date.today()) == "planned"
    page = text(lead.get(f"/projects/{project.id}/learning").get_data(as_text=True))
    assert "Publish a case study" in page and "Overdue" not in page

    commitment.due_on = date.today() - timedelta(days=1)
    db.session.commit()
    page = text(lead.get(f"/projects/{project.id}/learning").get_data(as_text=True))
    assert "Overdue" in page
    assert db.session.get(LearningCommitment, commitment.id).status == "planned"  # nothing stored

    # Nobody can set it by hand: the form offers no such status and the database refuses one.
    response = lead.post(
        f"/projects/{project.id}/commitments/{commitment.id}",
        data={"status": "overdue", "evidence_url": "", "evidence_note": ""},
    )
    assert response.status_code == 400 and field_error(response.get_data(as_text=True), "status")
    assert db.session.get(LearningCommitment, commitment.id).status == "planned"
    with pytest.raises(Exception, match="known_status"):
        db.session.execute(
            _db.update(LearningCommitment).where(LearningCommitment.id == commitment.id).values(status="overdue")
        )
    db.session.rollback()

    # Done, it is no longer overdue, whatever the date says.
    response = lead.post(
        f"/projects/{project.id}/commitments/{commitment.id}",
        data={"status": "done", "evidence_url": "https://example.org/case-study", "evidence_note": ""},
    )
    assert response.status_code == 302
    done = db.session.get(LearningCommitment, commitment.id)
    assert done.status == "done" and done.done_at is not None and done.state(date.today()) == "done"
    assert "Overdue" not in text(lead.get(f"/projects/{project.id}/learning").get_data(as_text=True))


def test_a_commitment_is_done_only_with_evidence(db, project, lead):
    commitment = commitment_of(project)
    response = lead.post(
        f"/projects/{project.id}/commitments/{commitment.id}",
        data={"status": "done", "evidence_url": "", "evidence_note": "Trust us"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error_summary(html) == [
        "Add evidence before marking it done: a link, a file, or a learning item published for it"
    ]
    assert db.session.get(LearningCommitment, commitment.id).status == "planned"
    assert db.session.get(LearningCommitment, commitment.id).evidence_note == ""  # nothing half-saved
    refusal = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "learning.commitment_refused")).one()
    assert refusal.object_id == str(commitment.id)

    response = lead.post(
        f"/projects/{project.id}/commitments/{commitment.id}",
        data={"status": "in_progress", "evidence_url": "javascript:alert(1)", "evidence_note": ""},
    )
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "evidence_url") == "Enter a web address starting with https://"


def test_evidence_can_be_uploaded_and_only_people_who_see_the_project_download_it(db, app, project, lead):
    from io import BytesIO

    commitment = commitment_of(project)
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    response = lead.post(
        f"/projects/{project.id}/commitments/{commitment.id}",
        data={"status": "done", "evidence_url": "", "evidence_note": "", "evidence_file": (BytesIO(pdf), "study.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    download = lead.get(f"/projects/{project.id}/commitments/{commitment.id}/evidence")
    assert download.status_code == 200 and download.data == pdf
    stranger = sign_in_client(app, ApplicantFactory())
    assert stranger.get(f"/projects/{project.id}/commitments/{commitment.id}/evidence").status_code == 404
    assert app.test_client().get(f"/projects/{project.id}/commitments/{commitment.id}/evidence").status_code == 302


def applied_elsewhere(
    client, project, commitment, target, *, description="Their discharge team now runs our fortnightly huddle."
):
    """The team marks an 'apply elsewhere' commitment done, applied to ``target``."""
    return client.post(
        f"/projects/{project.id}/commitments/{commitment.id}",
        data={
            "status": "done",
            "evidence_url": "https://example.org/discharge",
            "evidence_note": "",
            "applied_theme": "",
            "applied_place": "",
            "applied_project": str(target.id),
            "applied_description": description,
        },
    )


def test_learning_applied_to_another_project_shows_on_both(db, app, project, lead, client):
    other = funded_project()
    commitment = services.add_commitment(
        project,
        services.CommitmentPlan("apply_elsewhere", "Use the approach on hospital discharge.", date.today()),
        actor=lead.user,
    )
    db.session.commit()
    response = applied_elsewhere(lead, project, commitment, project, description="")
    assert response.status_code == 400  # not to itself
    assert "Choose a project from the list" in text(response.get_data(as_text=True)) or "another project" in text(
        response.get_data(as_text=True)
    )
    response = applied_elsewhere(lead, project, commitment, other)
    assert response.status_code == 302
    assert db.session.get(LearningCommitment, commitment.id).applied_project_id == other.id

    # The other project's team sees where the learning came from, on its own learning page ...
    other_lead = sign_in_client(app, other.application.lead_applicant)
    page = text(other_lead.get(f"/projects/{other.id}/learning").get_data(as_text=True))
    assert "Learning applied here from other projects" in page and project.title in page
    assert "Their discharge team now runs our fortnightly huddle." in page
    # ... and both public pages show the link.
    assert f"applied its approach to {other.title}" in text(
        client.get(f"/learning/projects/{project.id}").get_data(as_text=True)
    )
    assert f"{project.title} ({project.lead_organisation.name}) applied its learning here" in text(
        client.get(f"/learning/projects/{other.id}").get_data(as_text=True)
    )


def _applied_to(project, other, lead) -> LearningCommitment:
    commitment = services.add_commitment(
        project,
        services.CommitmentPlan("apply_elsewhere", "Use the approach on hospital discharge.", date.today()),
        actor=lead.user,
    )
    _db.session.commit()
    assert applied_elsewhere(lead, project, commitment, other).status_code == 302
    return commitment


def test_the_project_it_was_applied_to_confirms_it(db, app, project, lead, client):
    other = funded_project()
    commitment = _applied_to(project, other, lead)
    confirm = f"/projects/{other.id}/learning/applied/{commitment.id}/confirm"
    assert lead.post(confirm).status_code == 404  # the sending project's team cannot reach the other project
    stranger = sign_in_client(app, UserFactory(roles=[Role.STEERING_MEMBER]))
    assert stranger.post(confirm).status_code == 403
    assert db.session.get(LearningCommitment, commitment.id).applied_confirmed_at is None
    stranger_html = stranger.get(f"/projects/{other.id}/learning").get_data(as_text=True)
    assert confirm not in stranger_html and "Not yet confirmed by this project" in text(stranger_html)

    other_lead = sign_in_client(app, other.application.lead_applicant)
    assert "Not yet confirmed by this project" not in project_page(other_lead, other)  # the team sees the button
    assert f'action="{confirm}"' in other_lead.get(f"/projects/{other.id}/learning").get_data(as_text=True)
    response = other_lead.post(confirm)
    assert response.status_code == 302 and response.headers["Location"].endswith("#applied-here")
    stored = db.session.get(LearningCommitment, commitment.id)
    assert stored.applied_confirmed_by_id == other_lead.user.id and stored.applied_confirmed_at is not None
    assert "Confirmed by this project" in project_page(other_lead, other)
    assert "Confirmed by this project." in text(client.get(f"/learning/projects/{other.id}").get_data(as_text=True))
    assert "Confirmed by that project." in text(client.get(f"/learning/projects/{project.id}").get_data(as_text=True))
    [event] = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "learning.application_confirmed")
    ).all()
    assert event.after == {"project_id": project.id, "applied_project_id": other.id}

    again = other_lead.post(confirm)  # already confirmed: refused, recorded, sent where the first led
    assert again.status_code == 303 and again.headers["Location"] == response.headers["Location"]
    refusals = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "learning.application_refused"))
    assert [refusal.after for refusal in refusals] == [{"reason": "This has been confirmed already."}]
    assert db.session.get(LearningCommitment, commitment.id).applied_confirmed_at == stored.applied_confirmed_at


def test_naming_another_project_clears_the_confirmation(db, app, project, lead):
    other, third = funded_project(), funded_project()
    commitment = _applied_to(project, other, lead)
    assert (
        sign_in_client(app, other.application.lead_applicant)
        .post(f"/projects/{other.id}/learning/applied/{commitment.id}/confirm")
        .status_code
        == 302
    )
    assert applied_elsewhere(lead, project, commitment, third).status_code == 302
    stored = db.session.get(LearningCommitment, commitment.id)
    assert (stored.applied_project_id, stored.applied_confirmed_at, stored.applied_confirmed_by_id) == (
        third.id,
        None,
        None,
    )
    # The project named before can no longer confirm it.
    old = sign_in_client(app, other.application.lead_applicant)
    assert old.post(f"/projects/{other.id}/learning/applied/{commitment.id}/confirm").status_code == 404


def project_page(client, project) -> str:
    return text(client.get(f"/projects/{project.id}/learning").get_data(as_text=True))


def test_applying_elsewhere_needs_to_say_where(db, project, lead):
    commitment = services.add_commitment(
        project, services.CommitmentPlan("apply_elsewhere", "Apply it to alcohol harm.", date.today()), actor=lead.user
    )
    db.session.commit()
    response = lead.post(
        f"/projects/{project.id}/commitments/{commitment.id}",
        data={
            "status": "done",
            "evidence_url": "https://example.org/x",
            "evidence_note": "",
            "applied_description": "",
        },
    )
    assert response.status_code == 400
    assert error_summary(response.get_data(as_text=True)) == [
        "Say where the learning was applied: another theme, another place or another project"
    ]


def test_other_organisations_cannot_see_or_change_a_projects_commitments(db, app, project):
    commitment = commitment_of(project)
    stranger = sign_in_client(app, ApplicantFactory())
    assert stranger.get(f"/projects/{project.id}/learning").status_code == 404
    assert (
        stranger.post(f"/projects/{project.id}/commitments/{commitment.id}", data={"status": "done"}).status_code == 404
    )
    enabler = EnablerProfileFactory().user
    assign(project, enabler)
    response = sign_in_client(app, enabler).post(
        f"/projects/{project.id}/commitments/{commitment.id}", data={"status": "in_progress"}
    )
    assert response.status_code == 403
    assert db.session.get(LearningCommitment, commitment.id).status == "planned"
    refusals = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action.like("%refused"))).all()
    assert [(refusal.action, refusal.actor_id) for refusal in refusals] == [("access.refused", enabler.id)]


# --- Learning items and their review ------------------------------------------------------------------


def test_the_team_writes_and_submits_and_the_officer_publishes(db, app, project, lead, officer, client):
    theme = project.application.themes[0]
    response = lead.post(
        f"/projects/{project.id}/learning/items/new", data=item_form(themes=str(theme.id), submit=None, save="Save")
    )
    assert response.status_code == 302
    item = db.session.scalars(db.select(LearningItem)).one()
    assert item.status == "draft" and item.author_id == lead.user.id
    response = lead.post(f"/projects/{project.id}/learning/items/{item.id}/edit", data=item_form(themes=str(theme.id)))
    assert response.status_code == 302 and db.session.get(LearningItem, item.id).status == "submitted"
    assert client.get(f"/learning/items/{item.id}").status_code == 404  # not before it is published

    officer_client = sign_in_client(app, officer)
    assert "Getting home safely" in text(officer_client.get("/learning/review").get_data(as_text=True))
    response = officer_client.post(
        f"/projects/{project.id}/learning/items/{item.id}/review", data={"decision": "publish", "comment": ""}
    )
    assert response.status_code == 302
    item = db.session.get(LearningItem, item.id)
    assert item.status == "published" and item.published_at is not None and item.reviewed_by_id == officer.id
    assert client.get(f"/learning/items/{item.id}").status_code == 200
    email = db.session.scalars(db.select(Notification).where(Notification.template == "learning_item_reviewed")).one()
    assert email.recipient_email == lead.user.email and email.context["outcome"] == "published"
    assert db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "learning.item_published")).one()


def test_only_a_programme_officer_publishes(db, app, project, lead, officer):
    item = write_item(project, lead.user)
    enabler = EnablerProfileFactory().user
    assign(project, enabler)
    people = [
        lead.user,
        ApplicantFactory(organisation=project.lead_organisation),
        enabler,
        UserFactory(roles=[Role.FINANCE_APPROVER]),
        UserFactory(roles=[Role.STEERING_CHAIR]),
        UserFactory(roles=[Role.STEERING_MEMBER]),
        UserFactory(roles=[Role.ADMIN]),
        UserFactory(roles=[Role.PROGRAMME_OFFICER, Role.APPLICANT]),
    ]
    forbidden = 0
    for person in people:
        response = sign_in_client(app, person).post(
            f"/projects/{project.id}/learning/items/{item.id}/review", data={"decision": "publish", "comment": ""}
        )
        assert response.status_code in (403, 404), person.roles
        assert db.session.get(LearningItem, item.id).status == "submitted"
        refused = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "access.refused", AuditEvent.actor_id == person.id)
        ).all()
        assert len(refused) == (1 if response.status_code == 403 else 0), person.roles  # audited once, by the 403
        forbidden += response.status_code == 403
    assert forbidden >= 5
    assert not db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "learning.review_refused")).all()
    for person in people:
        with pytest.raises(services.LearningError):
            services.review_item(db.session.get(LearningItem, item.id), decision="publish", comment="", actor=person)
        db.session.rollback()

    # An officer who wrote the item cannot publish their own.
    own = write_item(project, enabler)
    own.author_id = officer.id
    db.session.commit()
    with pytest.raises(services.LearningError, match="another programme officer"):
        services.review_item(own, decision="publish", comment="", actor=officer)
    db.session.rollback()

    services.review_item(db.session.get(LearningItem, item.id), decision="publish", comment="", actor=officer)
    db.session.commit()
    assert db.session.get(LearningItem, item.id).status == "published"


def test_returning_needs_a_comment_and_publishing_needs_consent(db, app, project, lead, officer):
    item = write_item(project, lead.user, consent=False)
    officer_client = sign_in_client(app, officer)
    response = officer_client.post(
        f"/projects/{project.id}/learning/items/{item.id}/review", data={"decision": "return", "comment": ""}
    )
    assert response.status_code == 400 and error_summary(response.get_data(as_text=True)) == [
        "Say what needs to change"
    ]
    response = officer_client.post(
        f"/projects/{project.id}/learning/items/{item.id}/review", data={"decision": "publish", "comment": ""}
    )
    assert response.status_code == 400
    assert "have not agreed to publish it" in error_summary(response.get_data(as_text=True))[0]
    assert db.session.get(LearningItem, item.id).status == "submitted"

    response = officer_client.post(
        f"/projects/{project.id}/learning/items/{item.id}/review",
        data={"decision": "return", "comment": "Ask the partners for consent, please."},
    )
    assert response.status_code == 302 and db.session.get(LearningItem, item.id).status == "returned"
    page = text(lead.get(f"/projects/{project.id}/learning/items/{item.id}/edit").get_data(as_text=True))
    assert "Ask the partners for consent, please." in page
    response = lead.post(
        f"/projects/{project.id}/learning/items/{item.id}/edit",
        data=item_form(themes=str(project.application.themes[0].id)),
    )
    assert response.status_code == 302 and db.session.get(LearningItem, item.id).status == "submitted"


def test_submitting_needs_every_part(db, project, lead):
    response = lead.post(f"/projects/{project.id}/learning/items/new", data=item_form(what_did_not="", themes=None))
    assert response.status_code == 400
    assert error_summary(response.get_data(as_text=True)) == ["Say what did not work, or what you would do differently"]
    assert db.session.scalars(db.select(LearningItem)).all() == []
    [refusal] = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "learning.item_refused")).all()
    assert refusal.object_type == "project" and refusal.object_id == str(project.id)


def test_a_published_item_cannot_be_edited_and_the_enabler_can_write(db, app, project, lead, officer):
    item = published(project, lead.user, officer)
    assert lead.get(f"/projects/{project.id}/learning/items/{item.id}/edit").status_code == 403
    enabler = EnablerProfileFactory().user
    assign(project, enabler)
    response = sign_in_client(app, enabler).post(
        f"/projects/{project.id}/learning/items/new", data=item_form(themes=str(project.application.themes[0].id))
    )
    assert response.status_code == 302
    assert db.session.scalars(db.select(LearningItem).where(LearningItem.author_id == enabler.id)).one()


# --- The public library ---------------------------------------------------------------------------------


def test_unpublished_items_never_appear_publicly_or_in_the_feed(db, app, project, lead, officer, client):
    draft = write_item(project, lead.user, submit=False, title="Draft zebra crossing")
    submitted = write_item(project, lead.user, title="Submitted zebra crossing")
    returned = write_item(project, lead.user, title="Returned zebra crossing")
    services.review_item(returned, decision="return", comment="More detail", actor=officer)
    internal = write_item(project, lead.user, title="Internal zebra crossing")
    services.review_item(internal, decision="internal", comment="", actor=officer)
    withdrawn = published(project, lead.user, officer, title="Withdrawn zebra crossing")
    services.withdraw_item(withdrawn, reason="A partner asked us to", actor=officer)
    public = published(project, lead.user, officer, title="Public zebra crossing")
    db.session.commit()
    assert [draft.status, submitted.status, returned.status, internal.status, withdrawn.status] == [
        "draft",
        "submitted",
        "returned",
        "internal",
        "internal",
    ]

    pages = [
        client.get("/learning/").get_data(as_text=True),
        client.get("/learning/?q=zebra").get_data(as_text=True),
        client.get(f"/learning/projects/{project.id}").get_data(as_text=True),
        client.get("/learning/feed.atom").get_data(as_text=True),
    ]
    for page in pages:
        assert "Public zebra crossing" in page
        for hidden in ("Draft", "Submitted", "Returned", "Internal", "Withdrawn"):
            assert f"{hidden} zebra crossing" not in page
    for item in (draft, submitted, returned, internal, withdrawn):
        assert client.get(f"/learning/items/{item.id}").status_code == 404
    assert client.get(f"/learning/items/{public.id}").status_code == 200


def test_the_feed_is_atom_with_the_newest_items(db, project, lead, officer, client):
    first = published(project, lead.user, officer, title="First <lesson> & more")
    second = published(project, lead.user, officer, title="Second lesson")
    response = client.get("/learning/feed.atom")
    assert response.mimetype == "application/atom+xml"
    feed = ElementTree.fromstring(response.data)  # noqa: S314 (the service's own feed)
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert [entry.find(f"{ATOM}title").text for entry in entries] == ["Second lesson", "First <lesson> & more"]
    assert entries[1].find(f"{ATOM}id").text.endswith(f"/learning/items/{first.id}")
    assert entries[0].find(f"{ATOM}link").get("href").endswith(f"/learning/items/{second.id}")
    assert feed.find(f"{ATOM}updated").text == second.published_at.isoformat()
    assert [c.get("term") for c in entries[0].findall(f"{ATOM}category")] == [
        theme.slug for theme in project.application.themes
    ]


def test_search_finds_a_word_in_the_body_and_respects_the_filters(db, app, project, lead, officer, client):
    other_theme, other_place = ThemeFactory(name="Alcohol harm"), PlaceFactory(name="Blackpool")
    other = funded_project()
    theme = project.application.themes[0]
    match = published(project, lead.user, officer, title="Hospital", body="Volunteers ran a befriending service.")
    published(project, lead.user, officer, title="Licensing", body="The licensing panel met the police.")
    other_lead = other.application.lead_applicant
    elsewhere = published(
        other,
        other_lead,
        officer,
        title="Befriending in Blackpool",
        body="Befriending helped people drink less.",
        theme_ids=[other_theme.id],
        place_id=other_place.id,
    )

    def titles(query: str) -> list[str]:
        html = client.get(f"/learning/?{query}").get_data(as_text=True)
        return [title for title in ("Hospital", "Licensing", "Befriending in Blackpool") if f">{title}</a>" in html]

    page = client.get("/learning/?q=befriending").get_data(as_text=True)
    assert page.index(">Befriending in Blackpool</a>") < page.index(">Hospital</a>")  # best match first
    assert "Licensing" not in text(page)
    assert set(titles("q=befriended")) == {"Hospital", "Befriending in Blackpool"}  # stemmed, on PostgreSQL
    assert titles("q=licensing+police") == ["Licensing"]
    assert titles("q=nothing-like-this") == []
    assert titles(f"q=befriending&theme={theme.slug}") == ["Hospital"]
    assert titles(f"q=befriending&theme={other_theme.slug}") == ["Befriending in Blackpool"]
    assert titles(f"place={other_place.id}") == ["Befriending in Blackpool"]
    assert set(titles(f"wave={project.round_id}")) == {"Hospital", "Licensing"}
    assert titles(f"wave={other.round_id}&q=licensing") == []
    # Hostile input is a search like any other.
    for query in ("q=%27%3B+DROP+TABLE+learning_items", "q=%25_%25", "place=abc", "wave=99999999999", "theme=<x>"):
        assert client.get(f"/learning/?{query}").status_code == 200
    assert match.id != elsewhere.id


def _options(page: str, name: str) -> list[str]:
    """The options of the page's ``name`` select, as drawn: ``<option value="1" selected>Wigan</option>``."""
    select = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S)
    assert select, f"no {name} select on the page"
    return re.findall(r"<option[^>]*>[^<]*</option>", select.group(0))


def test_the_library_filters_offer_what_has_published_learning_in_order(db, project, lead, officer, client):
    zennor, alnwick, morpeth = (PlaceFactory(name=name) for name in ("Zennor", "Alnwick", "Morpeth"))
    published(project, lead.user, officer, title="One", place_id=zennor.id)
    published(project, lead.user, officer, title="Two", place_id=alnwick.id)
    write_item(project, lead.user, title="Three", place_id=morpeth.id)  # not published: not offered
    unpublished_round = funded_project().round

    page = client.get(f"/learning/?place={zennor.id}&wave={project.round_id}").get_data(as_text=True)

    assert _options(page, "place") == [
        '<option value="">All places</option>',
        f'<option value="{alnwick.id}">Alnwick</option>',
        f'<option value="{zennor.id}" selected>Zennor</option>',
    ]
    assert _options(page, "wave") == [
        '<option value="">All waves</option>',
        f'<option value="{project.round_id}" selected>{project.round.title}</option>',
    ]
    assert unpublished_round.title not in page
    themes = sorted(project.application.themes, key=lambda theme: theme.name)
    assert _options(page, "theme") == [
        '<option value="">All themes</option>',
        *(f'<option value="{theme.slug}">{theme.name}</option>' for theme in themes),
    ]


def test_the_library_shows_twenty_results_a_page(db, project, officer, client):
    worlds.grow_library([project], 21, officer)
    first = client.get(f"/learning/?q={worlds.SEARCH_WORD}").get_data(as_text=True)
    second = client.get(f"/learning/?q={worlds.SEARCH_WORD}&page=2").get_data(as_text=True)
    assert "21 items matching" in text(first)
    assert first.count('<article class="grants-library-item">') == 20
    assert second.count('<article class="grants-library-item">') == 1
    assert 'href="/learning/?q=journeys&amp;page=2"' in first


def test_the_search_uses_the_full_text_index_on_postgresql(db, project, lead, officer):
    from sqlalchemy import text as sql

    from grants.learning import queries

    published(project, lead.user, officer)
    # The library's search expression, alone, so that the status index is no alternative.
    query = db.func.websearch_to_tsquery(sa.literal_column("'english'::regconfig"), "journeys")
    statement = db.select(LearningItem.id).where(LearningItem.search_words.op("@@")(query))
    compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    db.session.execute(sql("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(row[0] for row in db.session.execute(sql(f"EXPLAIN {compiled}")))  # noqa: S608
    assert "ix_learning_items_search_words" in plan
    # The library matches and ranks the words kept, never parsing an item's text again.
    library = str(queries.library_statement(queries.LibraryFilters(q="journeys")).compile(db.engine))
    assert "to_tsvector" not in library and "ts_rank(learning_items.search_words" in library


def ids_found(q: str) -> list[int]:
    from grants.learning import queries

    return [item.id for item in _db.session.scalars(queries.library_statement(queries.LibraryFilters(q=q)))]


def ids_found_parsing_every_item(q: str) -> list[int]:
    """The library's search as it was: each matching item's text parsed again, to match and to rank."""
    from grants.learning.models import SEARCH_DOCUMENT

    query = "websearch_to_tsquery('english'::regconfig, :q)"
    return list(
        _db.session.scalars(
            sa.text(
                f"SELECT id FROM learning_items WHERE status = 'published' AND {SEARCH_DOCUMENT} @@ {query} "  # noqa: S608
                f"ORDER BY ts_rank({SEARCH_DOCUMENT}, {query}) DESC, published_at DESC, id DESC"
            ),
            {"q": q},
        )
    )


SEARCHES = ("befriending", "befriended volunteers", "hospital -police", '"hand-offs nobody owned"', "data or journeys")


def test_the_search_finds_and_ranks_as_when_it_parsed_every_item(db, project, lead, officer):
    stories = [
        ("Befriending", "Befriending, befriending and befriending again.", ""),
        ("Hospital", "Volunteers ran a befriending service from the hospital.", "The police helped."),
        ("Volunteers", "Volunteers befriended people leaving hospital.", "Sharing data."),
        ("Journeys", "The partnership mapped twelve journeys home and found four hand-offs nobody owned.", ""),
        ("Twin", "The partnership mapped twelve journeys home and found four hand-offs nobody owned.", ""),
    ]
    for title, body, what_did_not in stories:
        published(project, lead.user, officer, title=title, body=body, what_did_not=what_did_not or "Nothing.")
    found = {q: ids_found(q) for q in SEARCHES}
    assert all(found.values()) and len(found["befriending"]) == 3
    assert found == {q: ids_found_parsing_every_item(q) for q in SEARCHES}


def test_changing_an_items_words_changes_what_the_search_finds(db, project, lead, officer):
    item = write_item(project, lead.user, title="Hospital", body="Volunteers ran a befriending service.")
    assert ids_found("befriending") == []  # not published yet
    services.review_item(item, decision="return", comment="Say more about the drivers.", actor=officer)
    db.session.commit()
    services.save_item(
        project,
        item,
        values(
            title="Hospital", body="Volunteer drivers took people home.", theme_ids=[project.application.themes[0].id]
        ),
        actor=lead.user,
        submit=True,
    )
    services.review_item(item, decision="publish", comment="", actor=officer)
    db.session.commit()
    assert ids_found("befriending") == [] and ids_found("driver") == [item.id]
    item.title = "Befriending at the hospital"  # any change of its words, however made
    db.session.flush()
    assert ids_found("befriending") == [item.id] == ids_found_parsing_every_item("befriending")


def test_the_library_runs_a_fixed_number_of_queries(db, project, lead, officer, client):
    published(project, lead.user, officer, title="One")
    client.get("/learning/")  # warm up
    with QueryCounter() as small:
        assert client.get("/learning/?q=journeys").status_code == 200
    others = [funded_project() for _ in range(3)]
    for number, other in enumerate(others):
        for _ in range(4):
            published(
                other, other.application.lead_applicant, officer, title=f"Lesson {number}", place_id=PlaceFactory().id
            )
    with QueryCounter() as large:
        html = client.get("/learning/?q=journeys").get_data(as_text=True)
    assert "13 items" in text(html)
    assert large.count == small.count
    with QueryCounter() as feed_small:
        client.get("/learning/feed.atom")
    published(project, lead.user, officer, title="Two")
    with QueryCounter() as feed_large:
        client.get("/learning/feed.atom")
    assert feed_small.count == feed_large.count


def test_the_network_shows_peers_on_a_theme_and_lessons_applied(db, app, project, lead, officer, client):
    theme = project.application.themes[0]
    peer = funded_project(round_=project.round)
    commitment = services.add_commitment(
        project, services.CommitmentPlan("apply_elsewhere", "Take it to alcohol harm.", date.today()), actor=lead.user
    )
    alcohol = ThemeFactory(name="Alcohol harm")
    services.record_progress(
        commitment,
        services.Progress(
            status="done",
            evidence_url="https://example.org/alcohol",
            evidence_note="",
            applied_theme_id=alcohol.id,
            applied_description="Same huddle, different issue.",
        ),
        actor=lead.user,
    )
    db.session.commit()
    page = text(client.get(f"/learning/network/{theme.slug}").get_data(as_text=True))
    assert project.title in page and peer.title in page
    assert f"{project.title} applied its approach to Alcohol harm" in page
    assert f"{project.title} applied its approach to Alcohol harm" in text(
        client.get(f"/learning/network/{alcohol.slug}").get_data(as_text=True)
    )
    assert client.get("/learning/network/no-such-theme").status_code == 404
    overview = text(client.get("/learning/network").get_data(as_text=True))
    assert theme.name in overview and "Alcohol harm" in overview


def test_publishing_the_case_study_a_commitment_promised_makes_it_done(db, app, project, lead, officer):
    commitment = commitment_of(project)
    assert (commitment.kind, commitment.status) == ("case_study", "planned")
    item = write_item(project, lead.user, commitment_id=commitment.id)
    assert db.session.get(LearningCommitment, commitment.id).status == "planned", "submitted is not yet published"
    response = sign_in_client(app, officer).post(
        f"/projects/{project.id}/learning/items/{item.id}/review", data={"decision": "publish", "comment": ""}
    )
    assert response.status_code == 302
    db.session.expire_all()
    done = db.session.get(LearningCommitment, commitment.id)
    assert done.status == "done" and done.done_at is not None
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "learning.commitment_done")).one()
    assert event.object_id == str(commitment.id) and event.after == {"status": "done", "evidenced_by": item.id}
    page = text(lead.get(f"/projects/{project.id}/learning").get_data(as_text=True))
    assert "Done Published learning" in page

    # Out of the library again, the item no longer evidences it: the commitment is in progress.
    services.withdraw_item(db.session.get(LearningItem, item.id), reason="Consent withdrawn", actor=officer)
    db.session.commit()
    reopened = db.session.get(LearningCommitment, commitment.id)
    assert reopened.status == "in_progress" and reopened.done_at is None


def test_a_published_item_does_not_finish_a_commitment_that_needs_more(db, project, lead, officer):
    commitment = commitment_of(project)
    commitment.kind = "apply_elsewhere"  # it also needs to say where the learning was applied
    db.session.commit()
    published(project, lead.user, officer, commitment_id=commitment.id)
    assert db.session.get(LearningCommitment, commitment.id).status == "planned"


# --- The tranche condition ------------------------------------------------------------------------------


def test_a_published_item_evidencing_a_commitment_meets_the_learning_condition(db, project, lead, officer):
    from grants.funding.services.conditions import is_automatic

    assert is_automatic("learning_evidenced")
    last = db.session.scalars(
        db.select(Tranche).where(Tranche.project_id == project.id).order_by(Tranche.sequence.desc())
    ).first()

    def met() -> bool:
        db.session.expire_all()
        condition = next(c for c in db.session.get(Tranche, last.id).conditions if c.kind == "learning_evidenced")
        return condition.is_met

    published(project, lead.user, officer, title="Not tied to a commitment")
    assert not met()
    item = published(project, lead.user, officer, commitment_id=commitment_of(project).id)
    assert met()
    services.withdraw_item(item, reason="Consent withdrawn", actor=officer)
    db.session.commit()
    assert not met()

    # Another project's commitment does not count.
    other = funded_project()
    with pytest.raises(services.LearningError, match="this project's commitments"):
        write_item(project, lead.user, commitment_id=commitment_of(other).id)


def test_bad_evidence_addresses_and_pasted_control_characters_are_handled(db, project, lead, officer, client):
    commitment = commitment_of(project)
    for address in ("https://[x", "http://a]b", "ftp://example.org/x", "https://exa mple.org"):
        response = lead.post(
            f"/projects/{project.id}/commitments/{commitment.id}",
            data={"status": "in_progress", "evidence_url": address, "evidence_note": ""},
        )
        assert response.status_code == 400, address
        assert (
            field_error(response.get_data(as_text=True), "evidence_url") == "Enter a web address starting with https://"
        )
    assert db.session.get(LearningCommitment, commitment.id).status == "planned"
    response = lead.post(
        f"/projects/{project.id}/learning/items/new",
        data=item_form(
            title="Pasted\x0b from a document",
            summary="Tab\tand\x01 bell",
            themes=str(project.application.themes[0].id),
        ),
    )
    assert response.status_code == 302
    item = db.session.scalars(db.select(LearningItem)).one()
    assert (item.title, item.summary) == ("Pasted from a document", "Tab\tand bell")
    services.review_item(item, decision="publish", comment="", actor=officer)
    db.session.commit()
    feed = ElementTree.fromstring(client.get("/learning/feed.atom").data)  # noqa: S314 (the service's own feed)
    assert feed.find(f"{ATOM}entry/{ATOM}title").text == "Pasted from a document"


def test_only_a_published_item_is_taken_out_and_reviews_go_through_the_workflow(db, app, project, lead, officer):
    item = write_item(project, lead.user)
    response = sign_in_client(app, officer).post(
        f"/projects/{project.id}/learning/items/{item.id}/withdraw", data={"reason": "Not yet published"}
    )
    assert response.status_code == 400 and db.session.get(LearningItem, item.id).status == "submitted"
    services.review_item(item, decision="publish", comment="", actor=officer)
    db.session.commit()
    with pytest.raises(services.LearningError, match="with a reason"):
        services.review_item(item, decision="internal", comment="", actor=officer)
    db.session.rollback()
    assert db.session.get(LearningItem, item.id).status == "published"


def test_learning_applied_here_shows_once_done_and_not_to_a_conflicted_member(db, app, project, lead):
    from grants.reviews.models import ConflictDeclaration

    other = funded_project(round_=project.round)
    commitment = services.add_commitment(
        project, services.CommitmentPlan("apply_elsewhere", "Share the huddle.", date.today()), actor=lead.user
    )
    progress = dict(evidence_url="https://example.org/x", evidence_note="", applied_project_id=other.id)
    services.record_progress(
        commitment,
        services.Progress(status="in_progress", applied_description="Planned so far", **progress),
        actor=lead.user,
    )
    db.session.commit()
    other_lead = sign_in_client(app, other.application.lead_applicant)
    assert "Planned so far" not in text(other_lead.get(f"/projects/{other.id}/learning").get_data(as_text=True))
    services.record_progress(
        commitment, services.Progress(status="done", applied_description="Done now", **progress), actor=lead.user
    )
    db.session.commit()
    assert "Done now" in text(other_lead.get(f"/projects/{other.id}/learning").get_data(as_text=True))
    member = UserFactory(roles=[Role.STEERING_MEMBER])
    db.session.add(
        ConflictDeclaration(
            application_id=project.application_id, reviewer_id=member.id, has_conflict=True, nature="Employee"
        )
    )
    db.session.commit()
    page = text(sign_in_client(app, member).get(f"/projects/{other.id}/learning").get_data(as_text=True))
    assert "Done now" not in page and project.reference not in page


def test_a_review_sent_twice_publishes_once(db, app, project, lead, officer):
    item = write_item(project, lead.user)
    officer_client = sign_in_client(app, officer)
    url = f"/projects/{project.id}/learning/items/{item.id}/review"
    first = officer_client.post(url, data={"decision": "publish", "comment": ""})
    again = officer_client.post(url, data={"decision": "publish", "comment": ""})
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    page = text(officer_client.get(again.headers["Location"]).get_data(as_text=True))
    assert f"“{item.title}” had already been published." in page
    published_events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "learning.item_published"))
    assert len(published_events.all()) == 1
    refusals = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "learning.review_refused"))
    assert refusals.all() == []


def test_taking_an_item_out_twice_takes_it_out_once(db, app, project, lead, officer):
    item = published(project, lead.user, UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    officer_client = sign_in_client(app, officer)
    url = f"/projects/{project.id}/learning/items/{item.id}/withdraw"
    first = officer_client.post(url, data={"reason": "A partner asked us to."})
    again = officer_client.post(url, data={"reason": "A partner asked us to."})
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    page = text(officer_client.get(again.headers["Location"]).get_data(as_text=True))
    assert f"“{item.title}” had already been taken out of the learning library." in page
    withdrawals = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "learning.item_withdrawn"))
    assert len(withdrawals.all()) == 1
