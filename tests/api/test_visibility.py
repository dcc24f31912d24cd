"""A token sees exactly what its owner may see, through the roles it carries, and nothing once it is
revoked, has expired or its owner's account is deactivated."""

from __future__ import annotations

from datetime import timedelta

import pytest

from grants.accounts.models import UserRole
from grants.api.models import ApiToken
from grants.applications.models import Application
from grants.applications.permissions import can_view_application
from grants.core.audit import AuditEvent
from grants.core.db import utcnow
from grants.core.permissions import Role
from grants.extensions import db
from grants.funding.models import Tranche
from grants.learning.models import LearningItem
from grants.projects.models import Project
from grants.reviews.permissions import can_read_bid
from grants.rounds.models import Round
from tests.api.conftest import make_token
from tests.factories import enrol_two_factor

PEOPLE = [
    "applicant_a",
    "applicant_b",
    "member",
    "conflicted_member",
    "chair",
    "enabler",
    "officer",
    "finance",
    "admin",
]


def _all(model) -> list:
    return db.session.scalars(db.select(model).order_by(model.id)).all()


def expected(world, who: str) -> dict[str, set[int] | None]:
    """What each person sees, written out from the product's rules (None: refused, 403)."""
    w = world
    bids = {
        "applicant_a": {w.draft_a.id, w.project_a.application_id},
        "applicant_b": {w.bid_b.id, w.project_b.application_id},
        "member": {w.bid_b.id},
        "conflicted_member": set(),
        "chair": {w.bid_b.id, w.project_a.application_id, w.project_b.application_id},
        "officer": {a.id for a in _all(Application)},
    }.get(who)
    projects = {
        "applicant_a": {w.project_a.id},
        "applicant_b": {w.project_b.id},
        "member": {w.project_a.id, w.project_b.id},
        "conflicted_member": {w.project_a.id},
        "chair": {w.project_a.id, w.project_b.id},
        "enabler": {w.project_a.id},
        "officer": {w.project_a.id, w.project_b.id},
        "finance": {w.project_a.id, w.project_b.id},
    }.get(who)
    tranches = None
    if projects is not None:
        tranches = {t.id for t in _all(Tranche) if t.project_id in projects}
    items = {w.published_item.id} | ({w.draft_item.id} if projects and w.project_a.id in projects else set())
    rounds = {r.id for r in _all(Round) if r.status != "draft" or who == "officer"}
    return {
        "/applications": bids,
        "/projects": projects,
        "/tranches": tranches,
        "/learning-items": items,
        "/rounds": rounds,
    }


@pytest.mark.parametrize("who", PEOPLE)
def test_each_role_sees_exactly_what_the_product_rules_allow(api, world, who):
    token = make_token(getattr(world, who))
    for path, ids in expected(world, who).items():
        if ids is None:
            body = api.get(path, token, expect=403)
            assert "roles do not give access" in body["error"]["message"]
        else:
            assert api.ids(path, token) == ids, (who, path)


@pytest.mark.parametrize("who", PEOPLE)
def test_each_record_answers_as_the_list_does(api, world, who):
    """A record outside the token's list is a 404 on its own, so no one can learn it exists."""
    token = make_token(getattr(world, who))
    for path, model in (
        ("/applications", Application),
        ("/projects", Project),
        ("/learning-items", LearningItem),
        ("/rounds", Round),
    ):
        visible = expected(world, who)[path]
        for record in _all(model):
            if visible is None:
                api.get(f"{path}/{record.id}", token, expect=403)
            else:
                api.get(f"{path}/{record.id}", token, expect=200 if record.id in visible else 404)


@pytest.mark.parametrize("who", PEOPLE)
def test_bids_match_the_web_apps_own_rules(api, world, who):
    """The web app shows a bid to whoever ``can_view_application`` or ``can_read_bid`` allows."""
    user = getattr(world, who)
    token = make_token(user)
    web = {a.id for a in _all(Application) if can_view_application(user, a) or can_read_bid(user, a)}
    if expected(world, who)["/applications"] is None:
        assert web == set()
    else:
        assert api.ids("/applications", token) == web


@pytest.mark.parametrize("who", ["applicant_a", "applicant_b", "conflicted_member", "enabler", "finance", "admin"])
def test_projects_match_the_web_app_page_by_page(api, world, client_for, who):
    user = getattr(world, who)
    browser = client_for(user)
    token = make_token(user)
    for project in _all(Project):
        web_status = browser.get(f"/projects/{project.id}").status_code
        api_status = api.client.get(
            f"/api/v1/projects/{project.id}", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        if api_status == 403:  # the API refuses the whole collection where the web app refuses the list
            assert web_status in (403, 404)
        else:
            assert api_status == web_status, (who, project.reference)


def test_an_applicant_never_sees_another_organisations_bid(api, world):
    token = make_token(world.applicant_a)
    body = api.get(f"/applications/{world.bid_b.id}", token, expect=404)
    assert world.bid_b.title not in str(body)
    assert api.ids("/applications", token, organisation=str(world.org_b.id)) == set()
    assert api.ids("/applications", token, organisation=world.org_b.org_id) == set()


def test_a_conflicted_steering_member_does_not_see_the_bid_or_its_project(api, world):
    token = make_token(world.conflicted_member)
    api.get(f"/applications/{world.bid_b.id}", token, expect=404)
    api.get(f"/projects/{world.project_b.id}", token, expect=404)
    assert world.project_b.id not in api.ids("/projects", token)
    assert not {t["project"]["id"] for t in api.get("/tranches", token, per_page=100)["data"]} & {world.project_b.id}


def test_a_token_carries_only_the_roles_chosen(api, world, db):
    both = world.applicant_a
    both.role_grants.append(UserRole(role=Role.PROGRAMME_OFFICER.value))
    enrol_two_factor(both)  # officers need it, and a token of an officer without it is refused
    applicant_only = make_token(both, [Role.APPLICANT])
    everything = make_token(both)
    assert api.ids("/applications", applicant_only) == expected(world, "applicant_a")["/applications"]
    assert api.ids("/applications", everything) == {a.id for a in _all(Application)}
    assert world.draft_round.id not in api.ids("/rounds", applicant_only)
    assert world.draft_round.id in api.ids("/rounds", everything)


def test_taking_a_role_away_narrows_the_token_at_once(api, world, db):
    user = world.applicant_a
    user.role_grants.append(UserRole(role=Role.PROGRAMME_OFFICER.value))
    enrol_two_factor(user)
    token = make_token(user)
    assert api.ids("/applications", token) == {a.id for a in _all(Application)}

    user.role_grants = [grant for grant in user.role_grants if grant.role != Role.PROGRAMME_OFFICER.value]
    db.session.commit()
    assert api.ids("/applications", token) == expected(world, "applicant_a")["/applications"]

    user.role_grants = []
    db.session.commit()
    api.get("/applications", token, expect=403)
    assert api.ids("/rounds", token) == expected(world, "applicant_a")["/rounds"]  # public data still


def test_giving_a_role_back_does_not_widen_a_token_beyond_what_it_was_made_with(api, world, db):
    user = world.applicant_a
    token = make_token(user)
    user.role_grants.append(UserRole(role=Role.PROGRAMME_OFFICER.value))
    enrol_two_factor(user)
    assert api.ids("/applications", token) == expected(world, "applicant_a")["/applications"]


def _token_row(secret) -> ApiToken:
    from grants.api.models import hash_secret

    return db.session.scalar(db.select(ApiToken).where(ApiToken.secret_hash == hash_secret(secret)))


@pytest.mark.parametrize("who", ["applicant_a", "officer", "enabler"])
def test_after_revocation_everything_is_401(api, world, db, who):
    from grants.api.services import revoke_token

    user = getattr(world, who)
    token = make_token(user)
    api.get("/rounds", token)
    revoke_token(_token_row(token), actor=user)
    db.session.commit()
    paths = [
        "/rounds",
        "/applications",
        "/projects",
        "/tranches",
        "/learning-items",
        f"/rounds/{world.open_round.id}",
        f"/applications/{world.draft_a.id}",
        f"/projects/{world.project_a.id}",
        f"/learning-items/{world.published_item.id}",
    ]
    for path in paths:
        body = api.get(path, token, expect=401)
        assert "revoked" in body["error"]["message"]
    refused = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "api.refused")).all()
    assert len(refused) == len(paths)
    assert {event.actor_id for event in refused} == {user.id}


def test_an_expired_token_is_refused(api, world, db):
    token = make_token(world.applicant_a, expires_in_days=30)
    api.get("/rounds", token)
    row = _token_row(token)
    row.created_at = utcnow() - timedelta(days=31)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    body = api.get("/rounds", token, expect=401)
    assert "expired" in body["error"]["message"]


def test_a_deactivated_owner_s_token_stops_working(api, world, db):
    token = make_token(world.officer)
    api.get("/applications", token)
    world.officer.is_active = False
    db.session.commit()
    body = api.get("/applications", token, expect=401)
    assert "deactivated" in body["error"]["message"]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "Send an API token"),
        ("Bearer", "must be the word Bearer"),
        ("Basic dXNlcjpwYXNz", "must be the word Bearer"),
        ("Bearer grants_not-a-real-token", "not recognised"),
        ("Bearer something-else", "not recognised"),
    ],
)
def test_requests_without_a_good_token_are_401_with_a_bearer_challenge(client, world, header, message):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/rounds", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert message in response.get_json()["error"]["message"]


def test_the_browser_session_does_not_open_the_api(world, client_for):
    browser = client_for(world.officer)
    assert browser.get("/projects/").status_code == 200
    response = browser.get("/api/v1/projects")
    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers


def test_a_refused_collection_is_audited_with_the_token_s_owner(api, world, db):
    token = make_token(world.admin)
    body = api.get("/tranches", token, expect=403)
    assert body["error"]["message"] == "This API token's roles do not give access to tranches."
    [event] = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "api.refused")).all()
    assert event.actor_id == world.admin.id
    assert event.object_type == "api_token" and event.after["status"] == 403
    assert event.request_path == "/api/v1/tranches"


def test_a_chair_never_reads_a_bid_withdrawn_before_it_was_submitted(world, api):
    """Withdrawn straight from draft, a bid was never submitted: nobody assessing sees it, in the API
    as on the assessment pages."""
    world.draft_a.status, world.draft_a.withdrawn_at = "withdrawn", utcnow()
    db.session.commit()
    chair = make_token(world.chair)
    assert world.draft_a.id not in api.ids("/applications", chair)
    api.get(f"/applications/{world.draft_a.id}", chair, expect=404)
    assert world.draft_a.id in api.ids("/applications", make_token(world.officer))
