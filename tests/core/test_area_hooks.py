"""What an area needs from an area above it, the area above fills in when the application is set up
(so the layers hold); an area asked before it is filled in refuses rather than answer wrongly."""

from __future__ import annotations

import pytest

from grants.applications.queries import bid_counts_by_round
from grants.core.permissions import Role
from grants.funding.services import agreements
from grants.learning.queries import agreement_commitments
from grants.projects import permissions as project_permissions
from grants.reviews.queries import conflicted_application_ids
from grants.rounds import queries as round_queries


class SteeringMember:
    id = 1
    organisation_id = None
    is_authenticated = True

    def has_any_role(self, *roles) -> bool:
        return Role.STEERING_MEMBER in roles

    def has_role(self, role) -> bool:
        return role == Role.STEERING_MEMBER


def test_the_areas_above_fill_in_what_the_areas_below_ask(app):
    assert conflicted_application_ids in project_permissions._HIDING
    assert round_queries._BID_COUNTER == [bid_counts_by_round]
    assert agreements._COMMITMENTS == [agreement_commitments]


def test_the_same_source_of_hidden_bids_twice_is_one(app, monkeypatch):
    monkeypatch.setattr(project_permissions, "_HIDING", [])
    project_permissions.hide_bids_with(conflicted_application_ids)
    project_permissions.hide_bids_with(conflicted_application_ids)
    assert project_permissions._HIDING == [conflicted_application_ids]


def test_hidden_bids_are_every_source_s(app, monkeypatch):
    monkeypatch.setattr(project_permissions, "_HIDING", [lambda user: {1, 2}, lambda user: {2, 3}])
    assert project_permissions.hidden_application_ids(SteeringMember()) == {1, 2, 3}


def test_no_project_is_shown_while_nobody_says_who_is_conflicted(app, monkeypatch):
    monkeypatch.setattr(project_permissions, "_HIDING", [])
    with pytest.raises(RuntimeError, match="hidden"):
        project_permissions.hidden_application_ids(SteeringMember())


def test_rounds_are_not_listed_with_bids_nobody_counted(app, monkeypatch):
    monkeypatch.setattr(round_queries, "_BID_COUNTER", [])
    with pytest.raises(RuntimeError, match="count"):
        round_queries.managed_rounds()


def test_no_agreement_is_worded_without_its_learning_commitments(app, monkeypatch):
    monkeypatch.setattr(agreements, "_COMMITMENTS", [])
    with pytest.raises(RuntimeError, match="learning commitments"):
        agreements.current_terms(object(), 1)
