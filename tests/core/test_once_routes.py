"""Each creating form wired to ``grants.core.once`` is carried out once: a partner, a leadership
participant, a milestone, a learning commitment and a tranche condition. The page draws a key; the
same page sent twice adds one row and sends the repeat (303) where the first led, with a message; the
page drawn again is a new submission; a first attempt the service refuses leaves the key free."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from grants.applications.models import Partner
from grants.core.audit import AuditEvent
from grants.core.once import ALREADY
from grants.core.permissions import Role
from grants.extensions import db as _db
from grants.funding.models import Tranche, TrancheCondition
from grants.leadership.models import Participant
from grants.learning.models import LearningCommitment
from grants.monitoring.models import Milestone
from tests.factories import ApplicationFactory, UserFactory, funded_project
from tests.helpers import field_error, form_key, text


@pytest.fixture
def project(db):
    return funded_project()


@pytest.fixture
def lead(client_for, project):
    return client_for(project.application.lead_applicant)


def key_on(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return form_key(response.get_data(as_text=True))


def count(model, *where) -> int:
    return _db.session.scalar(_db.select(_db.func.count()).select_from(model).where(*where))


def day(delta: int) -> list[str]:
    """A date ``delta`` days from today, as the three boxes of a date field."""
    when = date.today() + timedelta(days=delta)
    return [str(when.day), str(when.month), str(when.year)]


# Where a change leads: 303 through the action path (``grants.core.actions``), 302 where a route of an
# area not yet on it still redirects by itself.
REDIRECTED = {302, 303}


def sent_twice(client, path: str, data: dict, rows, *, led_to: str) -> str:
    """Draw the page, send its form, then send it again with the same key. The first adds one row and
    leads to ``led_to``; the repeat adds nothing and is sent there too, with a message. Returns the key."""
    before = rows()
    key = key_on(client, path)
    first = client.post(path, data={**data, "submission": key})
    assert first.status_code in REDIRECTED and first.headers["Location"] == led_to
    assert rows() == before + 1

    again = client.post(path, data={**data, "submission": key})
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert rows() == before + 1
    assert ALREADY in text(client.get(again.headers["Location"]).get_data(as_text=True))
    return key


def sent_anew(client, path: str, data: dict, earlier_key: str) -> None:
    """The page drawn again carries a new key: its form is carried out."""
    key = key_on(client, path)
    assert key != earlier_key
    assert client.post(path, data={**data, "submission": key}).status_code in REDIRECTED


# --- Partners -----------------------------------------------------------------------------------------

NEW_PARTNER = {
    "organisation_name": "Greater Manchester Police",
    "sector": "police",
    "org_id": "",
    "role": "Shares data on repeat callers.",
    "contact_name": "Sam Idowu",
    "contact_email": "sam.idowu@example.org",
}


def test_a_partner_sent_twice_is_added_once(db, client_for):
    bid = ApplicationFactory()
    lead = client_for(bid.lead_applicant)
    new = f"/applications/{bid.id}/partners/new"

    def partners():
        return count(Partner, Partner.application_id == bid.id)

    key = sent_twice(lead, new, NEW_PARTNER, partners, led_to=f"/applications/{bid.id}/partnership")
    sent_anew(lead, new, {**NEW_PARTNER, "organisation_name": "Wigan Council Housing"}, key)
    assert partners() == 2


def test_a_partner_refused_by_the_service_leaves_the_key_free(db, client_for):
    bid = ApplicationFactory()
    bid.lead_organisation.org_id = "GB-LAE-WGN"
    db.session.commit()
    lead = client_for(bid.lead_applicant)
    new = f"/applications/{bid.id}/partners/new"
    key = key_on(lead, new)

    refused = lead.post(new, data={**NEW_PARTNER, "org_id": "GB-LAE-WGN", "submission": key})
    html = refused.get_data(as_text=True)
    assert field_error(html, "org_id") == "Your own organisation leads the bid: add the other organisations"
    assert form_key(html) == key  # the corrected page is sent with the same key
    assert count(Partner, Partner.application_id == bid.id) == 0

    corrected = lead.post(new, data={**NEW_PARTNER, "org_id": "GB-POL-GMP", "submission": key})
    assert corrected.status_code == 302
    assert count(Partner, Partner.application_id == bid.id) == 1
    again = lead.post(new, data={**NEW_PARTNER, "org_id": "GB-POL-GMP", "submission": key})
    assert again.status_code == 303 and again.headers["Location"] == corrected.headers["Location"]
    assert count(Partner, Partner.application_id == bid.id) == 1


# --- Leadership participants --------------------------------------------------------------------------

ADA = {"name": "Ada Obi", "email": "ada.obi@example.org", "organisation_name": "Wigan Council"}


def test_a_participant_sent_twice_is_added_once(db, project, lead):
    new = f"/projects/{project.id}/leadership/participants/new"

    def participants():
        return count(Participant, Participant.project_id == project.id)

    key = sent_twice(lead, new, ADA, participants, led_to=f"/projects/{project.id}/leadership#participant-list")
    # The same email twice is refused by the service; another person is added.
    sent_anew(lead, new, {**ADA, "name": "Ben Hale", "email": "ben.hale@example.org"}, key)
    assert participants() == 2


def test_a_participant_refused_by_the_service_leaves_the_key_free(db, project, lead):
    new = f"/projects/{project.id}/leadership/participants/new"
    assert lead.post(new, data={**ADA, "submission": key_on(lead, new)}).status_code == 302
    key = key_on(lead, new)

    refused = lead.post(new, data={**ADA, "name": "Ada Obi again", "submission": key})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert field_error(html, "email") == "ada.obi@example.org is already a participant in this project"
    assert form_key(html) == key
    # The refusal is recorded and committed; the claim on the key was rolled back before it.
    assert count(AuditEvent, AuditEvent.action == "leadership.participant_refused") == 1

    corrected = lead.post(new, data={**ADA, "email": "ada@wigan.example.org", "submission": key})
    assert corrected.status_code == 302
    emails = _db.select(Participant.email).where(Participant.project_id == project.id)
    assert sorted(_db.session.scalars(emails)) == ["ada.obi@example.org", "ada@wigan.example.org"]


# --- Milestones ---------------------------------------------------------------------------------------


def test_a_milestone_sent_twice_is_added_once(db, project, lead):
    new = f"/projects/{project.id}/milestones/new"
    data = {"title": "Shared data agreement signed", "due_on": day(60), "owner": "Council"}

    def milestones():
        return count(Milestone, Milestone.project_id == project.id)

    key = sent_twice(lead, new, data, milestones, led_to=f"/projects/{project.id}/monitoring#milestones")
    sent_anew(lead, new, data, key)  # the same milestone again, on purpose
    assert milestones() == 2


def test_a_milestone_refused_by_the_service_leaves_the_key_free(db, project, lead):
    new = f"/projects/{project.id}/milestones/new"
    data = {"title": "Shared data agreement signed", "due_on": day(60), "owner": "Council"}
    key = key_on(lead, new)

    refused = lead.post(new, data={**data, "done_on": day(5), "submission": key})
    assert refused.status_code == 400
    assert field_error(refused.get_data(as_text=True), "done_on") == "The date it was done must be today or in the past"
    assert count(Milestone, Milestone.project_id == project.id) == 0

    assert lead.post(new, data={**data, "submission": key}).status_code == 302
    assert count(Milestone, Milestone.project_id == project.id) == 1


# --- Learning commitments -----------------------------------------------------------------------------


def test_a_commitment_sent_twice_is_added_once(db, project, lead):
    new = f"/projects/{project.id}/commitments/new"
    data = {"kind": "case_study", "description": "Publish how the journey home changed.", "due_on": day(200)}

    def commitments():
        return count(LearningCommitment, LearningCommitment.project_id == project.id)

    before = commitments()  # the bid's commitment is carried into the project
    key = sent_twice(lead, new, data, commitments, led_to=f"/projects/{project.id}/learning#commitments")
    sent_anew(lead, new, data, key)
    assert commitments() == before + 2


# --- Tranche conditions -------------------------------------------------------------------------------


def second_tranche(project) -> Tranche:
    where = (Tranche.project_id == project.id, Tranche.sequence == 2)
    return _db.session.scalars(_db.select(Tranche).where(*where)).one()


def test_a_condition_sent_twice_is_added_once(db, client_for, project):
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    client = client_for(officer)
    second = second_tranche(project)
    new = f"/funding/tranches/{second.id}/conditions/new"
    data = {"kind": "custom", "description": "Systems map shared with the board", "owner_id": str(officer.id)}

    def conditions():
        return count(TrancheCondition, TrancheCondition.tranche_id == second.id)

    before = conditions()  # the tranche's own conditions
    key = sent_twice(client, new, data, conditions, led_to=f"/projects/{project.id}/funding#tranche-2")
    sent_anew(client, new, {**data, "description": "Citizen panel report shared"}, key)
    assert conditions() == before + 2
    custom = _db.select(TrancheCondition.description).where(
        TrancheCondition.tranche_id == second.id, TrancheCondition.kind == "custom"
    )
    assert sorted(_db.session.scalars(custom)) == ["Citizen panel report shared", "Systems map shared with the board"]


def test_a_built_in_condition_sent_twice_is_added_once_though_its_kind_is_no_longer_a_choice(db, client_for, project):
    from grants.funding.models import CONDITION_KINDS

    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    client = client_for(officer)
    second = second_tranche(project)
    present = set(
        _db.session.scalars(_db.select(TrancheCondition.kind).where(TrancheCondition.tranche_id == second.id))
    )
    kind = next(kind for kind in CONDITION_KINDS if kind != "custom" and kind not in present)
    new = f"/funding/tranches/{second.id}/conditions/new"

    def conditions():
        return count(TrancheCondition, TrancheCondition.tranche_id == second.id, TrancheCondition.kind == kind)

    sent_twice(
        client,
        new,
        {"kind": kind, "description": "", "owner_id": "0"},
        conditions,
        led_to=f"/projects/{project.id}/funding#tranche-2",
    )
    assert conditions() == 1


def test_a_condition_refused_by_the_service_leaves_the_key_free(db, client_for, project):
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    client = client_for(officer)
    second = second_tranche(project)
    new = f"/funding/tranches/{second.id}/conditions/new"
    data = {"kind": "custom", "description": "", "owner_id": str(officer.id)}
    before = count(TrancheCondition, TrancheCondition.tranche_id == second.id)
    key = key_on(client, new)

    refused = client.post(new, data={**data, "submission": key})  # the form lets it by; the service does not
    assert refused.status_code == 400
    assert field_error(refused.get_data(as_text=True), "description") == "Describe the condition"
    assert count(TrancheCondition, TrancheCondition.tranche_id == second.id) == before

    corrected = {**data, "description": "Systems map shared with the board", "submission": key}
    assert client.post(new, data=corrected).status_code == 302
    assert count(TrancheCondition, TrancheCondition.tranche_id == second.id) == before + 1
