"""A programme seen through the API: two applicant organisations, a steering group with a conflict,
an enabler, programme staff; and helpers to make tokens and call the API with them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from grants.api import services
from grants.api.openapi import document
from grants.applications.models import Application
from grants.core.db import utcnow
from grants.core.permissions import Role
from grants.extensions import db
from grants.learning.models import LearningItem
from grants.reviews.models import ConflictDeclaration
from tests.api.openapi_check import ResponseChecker
from tests.factories import (
    ApplicantFactory,
    ApplicationFactory,
    OrganisationFactory,
    ReviewAssignmentFactory,
    RoundFactory,
    UserFactory,
    assign,
    funded_project,
    under_review_bid,
)


def make_token(user, roles=None, *, name="Council data warehouse", expires_in_days=None) -> str:
    """A token for ``user`` carrying ``roles`` (default: all of theirs); returns its secret."""
    chosen = [role.value for role in (roles if roles is not None else user.roles)]
    _token, secret = services.create_token(user, name=name, roles=chosen, expires_in_days=expires_in_days)
    db.session.commit()
    return secret


class Api:
    """``api.get("/rounds", token, expect=200)``: GETs under /api/v1, checks the status and that the
    response matches the OpenAPI document, and returns the parsed JSON."""

    def __init__(self, client, checker: ResponseChecker):
        self.client, self.checker = client, checker

    def get(self, path: str, token: str | None = None, *, expect: int = 200, **params):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.client.get(f"/api/v1{path}", headers=headers, query_string=params)
        assert response.status_code == expect, (response.status_code, response.get_data(as_text=True))
        assert response.mimetype == "application/json"
        self.checker.check(response)
        return response.get_json()

    def ids(self, path: str, token: str, **params) -> set[int]:
        body = self.get(path, token, per_page=100, **params)
        assert body["meta"]["pages"] <= 1, "the test's data fits one page"
        return {record["id"] for record in body["data"]}


@pytest.fixture(scope="session")
def checker():
    return ResponseChecker(document())


@pytest.fixture
def api(client, checker):
    return Api(client, checker)


@dataclass
class World:
    org_a: object
    org_b: object
    applicant_a: object
    applicant_b: object
    open_round: object
    draft_round: object
    draft_a: Application
    bid_b: Application
    project_a: object
    project_b: object
    member: object
    conflicted_member: object
    chair: object
    enabler: object
    officer: object
    finance: object
    admin: object
    published_item: LearningItem
    draft_item: LearningItem
    people: dict = field(default_factory=dict)


def _learning_item(project, status: str, title: str) -> LearningItem:
    published = status == "published"
    item = LearningItem(
        project_id=project.id,
        title=title,
        summary="What the partnership learnt.",
        status=status,
        consent_to_publish=published,
        published_at=utcnow() - timedelta(days=1) if published else None,
        place_id=project.place_id,
    )
    db.session.add(item)
    db.session.commit()
    return item


@pytest.fixture
def world(db, officer, finance) -> World:
    org_a, org_b = OrganisationFactory(name="Wigan Council"), OrganisationFactory(name="Tees Valley Council")
    applicant_a = ApplicantFactory(organisation=org_a, name="Applicant A")
    applicant_b = ApplicantFactory(organisation=org_b, name="Applicant B")
    open_round = RoundFactory(status="open")
    draft_round = RoundFactory(status="draft")
    draft_a = ApplicationFactory(round=open_round, lead_organisation=org_a, lead_applicant=applicant_a)
    bid_b = under_review_bid(lead_organisation=org_b, lead_applicant=applicant_b, title="Tees together")
    project_a = funded_project(lead_organisation=org_a, lead_applicant=applicant_a, title="Wigan deal")
    project_b = funded_project(lead_organisation=org_b, lead_applicant=applicant_b, title="Tees safeguarding")

    member = UserFactory(roles=[Role.STEERING_MEMBER], name="Steering Member")
    ReviewAssignmentFactory(application=bid_b, reviewer=member, status="in_progress")
    conflicted = UserFactory(roles=[Role.STEERING_MEMBER], name="Conflicted Member")
    for application in (bid_b, project_b.application):
        db.session.add(
            ConflictDeclaration(
                application_id=application.id,
                reviewer_id=conflicted.id,
                has_conflict=True,
                nature="My sister leads it.",
            )
        )
    ReviewAssignmentFactory(application=bid_b, reviewer=conflicted, status="conflicted")
    chair = UserFactory(roles=[Role.STEERING_CHAIR], name="Steering Chair")
    enabler = UserFactory(roles=[Role.ENABLER], name="Enabler")
    assign(project_a, enabler)
    admin = UserFactory(roles=[Role.ADMIN], name="Administrator")
    published_item = _learning_item(project_b, "published", "What Tees learnt")
    draft_item = _learning_item(project_a, "draft", "Wigan's first draft")
    db.session.commit()
    return World(
        org_a=org_a,
        org_b=org_b,
        applicant_a=applicant_a,
        applicant_b=applicant_b,
        open_round=open_round,
        draft_round=draft_round,
        draft_a=draft_a,
        bid_b=bid_b,
        project_a=project_a,
        project_b=project_b,
        member=member,
        conflicted_member=conflicted,
        chair=chair,
        enabler=enabler,
        officer=officer,
        finance=finance,
        admin=admin,
        published_item=published_item,
        draft_item=draft_item,
    )
