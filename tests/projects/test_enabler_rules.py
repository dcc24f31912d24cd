"""The finer rules of enablers and projects: who is offered, who is told, who sees which reasons,
conflicts of interest, and two assignments of one enabler at the same moment."""

import threading
from datetime import date, timedelta

import pytest

from grants.accounts.models import User
from grants.core.audit import AuditEvent
from grants.core.db import utcnow
from grants.core.permissions import Role
from grants.enablers import matching, services
from grants.enablers.models import EnablerAssignment
from grants.extensions import db as _db
from grants.notifications.models import Notification
from grants.projects import services as project_services
from grants.projects.models import Project, ProjectUpdate
from grants.reviews.models import ConflictDeclaration
from tests.factories import EnablerProfileFactory, OrganisationFactory, UserFactory, assign, funded_project
from tests.fixtures.clients import sign_in_client
from tests.helpers import error_summary, field_error, text


@pytest.fixture
def project(db):
    return funded_project()


# --- Who is offered -----------------------------------------------------------------------------------


def test_only_active_enablers_are_offered_or_listed(db, project, programme_officer_client):
    offered = EnablerProfileFactory(user__name="Offered Enabler")
    EnablerProfileFactory(user__name="Left The Pool", user__is_active=False)
    former = EnablerProfileFactory(user__name="No Longer An Enabler", user__roles=[Role.STEERING_MEMBER])
    db.session.commit()
    assert former.user.has_role(Role.STEERING_MEMBER) and not former.user.has_role(Role.ENABLER)
    ranked, linked = matching.rank(project)
    assert [match.enabler.name for match in ranked + linked] == ["Offered Enabler"]
    pool = text(programme_officer_client.get("/manage/enablers").get_data(as_text=True))
    assert offered.user.name in pool and "Left The Pool" not in pool and "No Longer An Enabler" not in pool


def test_the_pool_is_paginated(db, app, programme_officer_client):
    app.config["PAGE_SIZE"] = 2
    try:
        names = [EnablerProfileFactory(user__name=f"Enabler {letter}").user.name for letter in "ABCDE"]
        first = text(programme_officer_client.get("/manage/enablers").get_data(as_text=True))
        third = text(programme_officer_client.get("/manage/enablers?page=3").get_data(as_text=True))
    finally:
        app.config["PAGE_SIZE"] = 20
    assert "5 enablers" in first and names[0] in first and names[2] not in first
    assert names[4] in third and names[0] not in third


def test_a_capacity_override_is_kept_only_when_capacity_was_exceeded(db, project, officer):
    profile = EnablerProfileFactory(capacity=2)
    assignment = services.assign_enabler(
        project, profile.user, reason=None, override_reason="Just in case", actor=officer
    )
    assert assignment.capacity_override_reason is None
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "enabler.assigned")).one()
    assert event.after["capacity_override_reason"] is None


# --- Who is told ------------------------------------------------------------------------------------


def test_a_reassignment_tells_the_outgoing_enabler_and_the_lead_once(db, project, officer):
    first, second = EnablerProfileFactory(), EnablerProfileFactory()
    assign(project, first.user)
    services.reassign_enabler(project, second.user, reason="Moved region", override_reason=None, actor=officer)
    db.session.commit()
    sent = sorted((n.recipient_email, n.template) for n in db.session.scalars(db.select(Notification)))
    assert sent == sorted(
        [
            (first.user.email, "enabler_ended_enabler"),
            (second.user.email, "enabler_assigned_enabler"),
            (project.application.lead_applicant.email, "enabler_assigned_lead"),
        ]
    )


def test_ending_support_tells_the_enabler_and_the_lead(db, project, officer):
    profile = EnablerProfileFactory()
    assign(project, profile.user)
    services.end_assignment(project, reason="Project paused", actor=officer)
    db.session.commit()
    sent = sorted((n.recipient_email, n.template) for n in db.session.scalars(db.select(Notification)))
    assert sent == sorted(
        [
            (profile.user.email, "enabler_ended_enabler"),
            (project.application.lead_applicant.email, "enabler_ended_lead"),
        ]
    )


# --- Forms on the matching page --------------------------------------------------------------------


def test_the_matching_page_errors_link_to_their_fields(db, project, programme_officer_client):
    EnablerProfileFactory()
    assign(project, EnablerProfileFactory().user)
    html = programme_officer_client.post(f"/manage/projects/{project.id}/enabler", data={}).get_data(as_text=True)
    assert 'href="#enabler_id"' in html and 'id="enabler_id"' in html
    assert '<input class="govuk-radios__input" id="enabler_id"' in html
    response = programme_officer_client.post(f"/manage/projects/{project.id}/enabler/end", data={"end-reason": " "})
    html = response.get_data(as_text=True)
    assert error_summary(html) == ["Give the reason"]
    assert 'href="#end-reason"' in html and field_error(html, "end-reason") == "Give the reason"
    assert field_error(html, "reason") is None  # the change-of-enabler reason is a different field


# --- Who sees what --------------------------------------------------------------------------------


def test_end_and_override_reasons_are_kept_from_applicants(db, app, project, officer, programme_officer_client):
    first = EnablerProfileFactory()
    assign(project, first.user)
    services.reassign_enabler(
        project,
        EnablerProfileFactory().user,
        reason="Concerns about their approach",
        override_reason=None,
        actor=officer,
    )
    project_services.override_rag(project, "red", "Partnership at risk of collapse", actor=officer)
    db.session.commit()
    applicant = text(
        sign_in_client(app, project.application.lead_applicant).get(f"/projects/{project.id}").get_data(as_text=True)
    )
    assert first.user.name in applicant and "RAG set by the programme team" in applicant
    assert "Concerns about their approach" not in applicant and "Partnership at risk" not in applicant
    staff = text(programme_officer_client.get(f"/projects/{project.id}").get_data(as_text=True))
    assert "Concerns about their approach" in staff and "Partnership at risk of collapse" in staff


@pytest.mark.parametrize("role", [Role.STEERING_MEMBER, Role.STEERING_CHAIR])
def test_a_conflicted_steering_member_does_not_see_the_project(db, app, project, role):
    other = funded_project(project.round)
    member = UserFactory(roles=[role])
    db.session.add(
        ConflictDeclaration(
            application_id=project.application_id,
            reviewer_id=member.id,
            has_conflict=True,
            nature="Trustee of the lead",
        )
    )
    db.session.commit()
    client = sign_in_client(app, member)
    assert client.get(f"/projects/{project.id}").status_code == 404
    assert client.get(f"/projects/{other.id}").status_code == 200
    listing = text(client.get("/projects/").get_data(as_text=True))
    assert other.reference in listing and project.reference not in listing


def test_a_steering_member_does_not_see_their_own_organisations_project(db, app, project):
    member = UserFactory(roles=[Role.STEERING_MEMBER], organisation=project.lead_organisation)
    assert sign_in_client(app, member).get(f"/projects/{project.id}").status_code == 404


def test_programme_staff_see_projects_whatever_their_declarations(db, app, project):
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER, Role.STEERING_MEMBER])
    db.session.add(
        ConflictDeclaration(
            application_id=project.application_id,
            reviewer_id=officer.id,
            has_conflict=True,
            nature="Trustee of the lead",
        )
    )
    db.session.commit()
    assert sign_in_client(app, officer).get(f"/projects/{project.id}").status_code == 200


@pytest.mark.parametrize("value", ["99999999999", "-1", "1e3", "١", "abc"])
def test_an_impossible_round_filter_is_ignored(db, project, programme_officer_client, value):
    response = programme_officer_client.get(f"/projects/?round={value}")
    assert response.status_code == 200 and project.reference in text(response.get_data(as_text=True))


def test_the_round_filter_lists_only_that_rounds_projects(db, project, programme_officer_client):
    other = funded_project()
    listing = text(programme_officer_client.get(f"/projects/?round={project.round_id}").get_data(as_text=True))
    assert project.reference in listing and other.reference not in listing


# --- The RAG --------------------------------------------------------------------------------------


def _values(day, rag="green"):
    return {
        "happened_on": day,
        "kind": "workshop",
        "hours": 2,
        "what_happened": "Met the partnership.",
        "shifting": "",
        "risks": "",
        "rag": rag,
        "next_steps": "",
        "private_note": "",
    }


def test_a_new_update_replaces_the_override_but_an_edit_does_not(db, project, officer):
    enabler = EnablerProfileFactory().user
    assign(project, enabler)
    older = project_services.log_update(project, _values(date.today() - timedelta(days=5)), actor=enabler)
    project_services.override_rag(project, "red", "Funding withdrawn", actor=officer)
    project_services.edit_update(older, _values(older.happened_on, rag="amber"), actor=enabler)
    assert (project.rag, project.rag_override) == ("red", "red")
    project_services.log_update(project, _values(date.today() - timedelta(days=6), rag="green"), actor=enabler)
    # the newest entry is still the amber one, but a new update lifts the officer's override
    assert (project.rag, project.rag_override, project.rag_override_reason) == ("amber", None, None)
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "project.update_logged").order_by(AuditEvent.id.desc())
    ).first()
    assert event.after["rag_override_cleared"] is True


def test_an_update_cannot_predate_the_round(db, project):
    enabler = EnablerProfileFactory().user
    assign(project, enabler)
    closed = project.round.closes_at
    with pytest.raises(project_services.ProjectError, match="when bids for this round closed"):
        project_services.log_update(project, _values((closed - timedelta(days=3)).date()), actor=enabler)
    assert db.session.scalars(db.select(ProjectUpdate)).all() == []
    assert closed < utcnow()


# --- A link declared while supporting a project ------------------------------------------------------


def test_a_link_declared_while_supporting_the_project_is_flagged(db, app, project, programme_officer_client):
    profile = EnablerProfileFactory()
    assign(project, profile.user)
    OrganisationFactory()  # unrelated: declaring it flags nothing
    client = sign_in_client(app, profile.user)
    response = client.post(
        "/enabler/profile", data={"capacity": "3", "links": project.lead_organisation.org_id}, follow_redirects=True
    )
    page = text(response.get_data(as_text=True))
    assert f"partnership of {project.reference}" in page
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "enabler.linked_with_current_project")
    ).one()
    assert event.after == {"projects": [project.reference]}
    pool = text(programme_officer_client.get("/manage/enablers").get_data(as_text=True))
    assert f"Linked with the partnership of {project.reference}" in pool
    project_page = text(programme_officer_client.get(f"/projects/{project.id}").get_data(as_text=True))
    assert "has declared a link with an organisation in this partnership" in project_page


def test_an_unrelated_link_flags_nothing(db, app, project, programme_officer_client):
    profile = EnablerProfileFactory()
    assign(project, profile.user)
    unrelated = OrganisationFactory()
    sign_in_client(app, profile.user).post("/enabler/profile", data={"capacity": "3", "links": unrelated.org_id})
    assert [o.id for o in profile.links] == [unrelated.id]
    assert matching.links_with_current_projects() == {}
    assert "declared a link" not in text(programme_officer_client.get(f"/projects/{project.id}").get_data(as_text=True))


# --- Two assignments of one enabler at once, on PostgreSQL with real commits ------------------------------


def test_one_enabler_assigned_to_two_projects_at_once_stays_within_capacity(app, committed_db):
    profile = EnablerProfileFactory(capacity=1)
    officer_id = UserFactory(roles=[Role.PROGRAMME_OFFICER]).id
    enabler_id = profile.user_id
    round_ = funded_project().round
    projects = [funded_project(round_).id for _ in range(6)]
    results = []

    def attempt(project_id, barrier):
        with app.app_context():
            project = _db.session.get(Project, project_id)
            enabler, officer = _db.session.get(User, enabler_id), _db.session.get(User, officer_id)
            project.application  # noqa: B018 - everything loaded before both start
            barrier.wait(10)
            try:
                services.assign_enabler(project, enabler, reason=None, override_reason=None, actor=officer)
                _db.session.commit()
                results.append("assigned")
            except services.EnablerError:
                _db.session.rollback()
                results.append("refused")

    for pair in (projects[0:2], projects[2:4], projects[4:6]):  # three rounds of two at once
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=attempt, args=(project_id, barrier)) for project_id in pair]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        _db.session.execute(_db.update(EnablerAssignment).values(ends_on=date.today(), end_reason="Next round"))
        _db.session.commit()
    assert sorted(results) == ["assigned"] * 3 + ["refused"] * 3


def test_an_enabler_without_a_profile_is_offered_marked_and_can_be_assigned(db, app, project, programme_officer_client):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "new.enabler@example.org", "--name", "New Enabler", "--role", "enabler"],
        env={"GRANTS_NEW_USER_PASSWORD": "a long enough password 42"},
    )
    assert result.exit_code == 0, result.output
    enabler = db.session.scalars(db.select(User).where(User.email == "new.enabler@example.org")).one()
    assert services.profile_of(enabler) is None
    ranked, linked = matching.rank(project)
    [match] = ranked
    assert match.enabler == enabler and not match.profile_filled_in and linked == []
    assert "Profile not filled in: their specialisms and places are not known" in match.reasons()
    assert "Supporting 0 of 3 projects" in match.reasons()
    page = text(programme_officer_client.get(f"/manage/projects/{project.id}/enabler").get_data(as_text=True))
    assert "New Enabler Profile not filled in" in page and "There are no enablers to offer" not in page
    pool = text(programme_officer_client.get("/manage/enablers").get_data(as_text=True))
    assert "New Enabler Profile not filled in" in pool and "0 of 3" in pool
    response = programme_officer_client.post(f"/manage/projects/{project.id}/enabler", data={"enabler_id": enabler.id})
    assert response.status_code == 302
    assignment = db.session.scalars(
        db.select(EnablerAssignment).where(EnablerAssignment.project_id == project.id)
    ).one()
    assert assignment.enabler_id == enabler.id
    assert services.profile_of(enabler).capacity == 3  # an empty profile, for them to fill in


def test_the_matching_page_says_why_nobody_is_offered(db, project, programme_officer_client):
    page = text(programme_officer_client.get(f"/manage/projects/{project.id}/enabler").get_data(as_text=True))
    assert "There are no enablers to offer: no active account has the enabler role." in page
    linked = EnablerProfileFactory(user__name="Linked Enabler")
    linked.user.organisation_id = project.lead_organisation_id
    db.session.commit()
    page = text(programme_officer_client.get(f"/manage/projects/{project.id}/enabler").get_data(as_text=True))
    assert "everyone in the pool is linked to the partnership" in page and "Linked Enabler: works for" in page
