"""What an area needs from an area above it, the area above fills in when the application is set up
(so the layers hold); an area asked before it is filled in refuses rather than answer wrongly."""

from __future__ import annotations

from datetime import date

import pytest

from grants.applications import permissions as application_permissions
from grants.applications import queries as application_queries
from grants.applications.queries import bid_counts_by_round
from grants.core.permissions import Role
from grants.enablers import queries as enabler_queries
from grants.enablers.matching import linked_with
from grants.funding.queries import conditions_owned_by
from grants.funding.services import agreements
from grants.learning.queries import agreement_commitments, commitments_due
from grants.progress.routes import compiled_progress
from grants.projects import permissions as project_permissions
from grants.projects import queries as project_queries
from grants.reviews.permissions import can_read_bid
from grants.reviews.queries import conflicted_application_ids, decision_in_effect
from grants.reviews.services import start_assessment
from grants.rounds import queries as round_queries
from grants.rounds import services as round_services


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
    assert application_queries._DECISIONS == [decision_in_effect]
    assert application_permissions._ASSESSING == [can_read_bid]
    assert round_services._ASSESSMENT_START == [start_assessment]
    assert project_queries._LINKS == [linked_with]
    assert project_queries._COMPILED == [compiled_progress]
    assert enabler_queries._COMMITMENTS_DUE == [commitments_due]
    assert enabler_queries._CONDITIONS_OWNED == [conditions_owned_by]


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


def test_no_bid_is_shown_undecided_while_nobody_says_where_decisions_are(app, monkeypatch):
    monkeypatch.setattr(application_queries, "_DECISIONS", [])
    with pytest.raises(RuntimeError, match="decision"):
        application_queries.decision_in_effect(1)


def test_no_bid_document_is_read_while_nobody_says_who_is_assessing(app, monkeypatch):
    monkeypatch.setattr(application_permissions, "_ASSESSING", [])
    with pytest.raises(RuntimeError, match="assessing"):
        application_permissions.can_read_documents(SteeringMember(), object())


def test_a_bid_s_documents_are_read_by_whoever_the_reviews_area_says_is_assessing(app, monkeypatch):
    monkeypatch.setattr(application_permissions, "_ASSESSING", [lambda user, application: application == "assessed"])
    assert application_permissions.can_read_documents(SteeringMember(), "assessed")
    assert not application_permissions.can_read_documents(SteeringMember(), "another")


def test_no_round_starts_its_assessment_without_its_bids(app, monkeypatch):
    monkeypatch.setattr(round_services, "_ASSESSMENT_START", [])
    with pytest.raises(RuntimeError, match="assessment"):
        round_services.move_round(object(), "assessing", actor=None)


def test_a_round_s_assessment_is_started_as_the_reviews_area_says(app, monkeypatch):
    started = []
    monkeypatch.setattr(round_services, "_ASSESSMENT_START", [lambda round_, *, actor: started.append((round_, actor))])
    round_services.move_round("round", "assessing", actor="officer")
    assert started == [("round", "officer")]


def test_no_enabler_s_links_are_judged_while_nobody_says_how(app, monkeypatch):
    monkeypatch.setattr(project_queries, "_LINKS", [])
    with pytest.raises(RuntimeError, match="links"):
        project_queries.enabler_linked_with(1, {2})


def test_the_enabler_s_home_shows_nothing_due_while_nobody_says_where_it_is(app, monkeypatch):
    monkeypatch.setattr(enabler_queries, "_COMMITMENTS_DUE", [])
    with pytest.raises(RuntimeError, match="learning commitments"):
        enabler_queries.commitments_due([1], date.today())
    monkeypatch.setattr(enabler_queries, "_CONDITIONS_OWNED", [])
    with pytest.raises(RuntimeError, match="tranche conditions"):
        enabler_queries.conditions_owned(1, [1])


def test_no_project_page_leaves_out_its_compiled_progress_while_nobody_says_where_it_is(app, monkeypatch):
    monkeypatch.setattr(project_queries, "_COMPILED", [])
    with pytest.raises(RuntimeError, match="compiled progress"):
        project_queries.compiled_progress(SteeringMember(), object())
