"""Enablers: matched with the reasons shown, assigned with history, and only their projects visible."""

from datetime import date, timedelta

import pytest

from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from grants.enablers import matching, services
from grants.enablers.models import EnablerAssignment, EnablerProfile
from grants.notifications.models import Notification
from tests.factories import EnablerProfileFactory, PlaceFactory, UserFactory, assign, funded_project
from tests.fixtures.clients import sign_in_client
from tests.helpers import error_summary, field_error, text


@pytest.fixture
def project(db):
    return funded_project()


def test_an_enabler_sees_only_the_projects_they_support(db, app, project):
    theirs = EnablerProfileFactory().user
    other = EnablerProfileFactory().user
    assign(project, theirs)
    assert sign_in_client(app, theirs).get(f"/projects/{project.id}").status_code == 200
    client = sign_in_client(app, other)
    assert client.get(f"/projects/{project.id}").status_code == 404
    assert client.get(f"/projects/{project.id}/updates/new").status_code == 404
    assert project.reference not in client.get("/enabler").get_data(as_text=True)


def test_a_replaced_enabler_loses_the_project(db, app, project):
    first, second = EnablerProfileFactory().user, EnablerProfileFactory().user
    assign(project, first)
    services.reassign_enabler(
        project, second, reason="Moved region", override_reason=None, actor=UserFactory(roles=[Role.PROGRAMME_OFFICER])
    )
    db.session.commit()
    assert sign_in_client(app, first).get(f"/projects/{project.id}").status_code == 404
    assert sign_in_client(app, second).get(f"/projects/{project.id}").status_code == 200


def test_the_match_ranking_follows_the_documented_reasons(db, project):
    themes = list(project.application.themes)
    [theme] = themes
    place = project.place
    place.region = "North West"
    second_theme = project.round.themes[1]
    project.application.themes = [theme, second_theme]
    db.session.commit()
    both = [theme, second_theme]

    def enabler(name, **kwargs):
        return EnablerProfileFactory(user__name=name, **kwargs)

    enabler("Ada", themes=both, places=[place], capacity=2)  # best: two themes, the place, no load
    enabler("Bea", themes=both, regions=["North West"], capacity=2)  # the region, not the place
    cal = enabler("Cal", themes=both, regions=["North West"], capacity=2)  # as Bea, with a heavier load
    enabler("Dee", themes=[theme], places=[place], capacity=2)  # one theme fewer
    eve = enabler("Eve", themes=both, places=[place], capacity=1)  # full
    enabler("Fin", themes=both, places=[place], capacity=2, available_until=date.today() - timedelta(days=1))
    gus = enabler("Gus", themes=both, places=[place], capacity=2)  # works for the lead organisation
    gus.user.organisation_id = project.lead_organisation_id
    for busy in (cal, eve):
        assign(funded_project(project.round), busy.user)
    ranked, linked = matching.rank(project)
    assert [m.enabler.name for m in ranked] == ["Ada", "Bea", "Cal", "Dee", "Eve", "Fin"]
    assert [m.enabler.name for m in linked] == ["Gus"]
    reasons = {m.enabler.name: m.reasons() for m in ranked}
    assert f"Specialises in {', '.join(sorted(t.name for t in both))}" in reasons["Ada"]
    assert "Covers the project's place" in reasons["Ada"] and "Works in the project's region" in reasons["Bea"]
    assert "Supporting 1 of 1 projects: at or over capacity" in reasons["Eve"]
    assert "Not available at the moment" in reasons["Fin"]


def test_assigning_over_capacity_needs_a_reason(db, programme_officer_client, project):
    profile = EnablerProfileFactory(capacity=1)
    assign(funded_project(project.round), profile.user)
    html = programme_officer_client.post(
        f"/manage/projects/{project.id}/enabler", data={"enabler_id": profile.user_id}
    ).get_data(as_text=True)
    assert field_error(html, "override_reason").startswith(f"{profile.user.name} is already supporting 1 of 1")
    assert (
        db.session.scalars(db.select(EnablerAssignment).where(EnablerAssignment.project_id == project.id)).all() == []
    )
    programme_officer_client.post(
        f"/manage/projects/{project.id}/enabler",
        data={"enabler_id": profile.user_id, "override_reason": "The only enabler who knows this place."},
    )
    assignment = db.session.scalars(
        db.select(EnablerAssignment).where(EnablerAssignment.project_id == project.id)
    ).one()
    assert assignment.capacity_override_reason == "The only enabler who knows this place."


def test_assignment_emails_the_enabler_and_the_project_lead(db, programme_officer_client, project):
    profile = EnablerProfileFactory()
    response = programme_officer_client.post(
        f"/manage/projects/{project.id}/enabler", data={"enabler_id": profile.user_id}
    )
    assert response.headers["Location"] == f"/projects/{project.id}"
    recipients = {n.recipient_email: n.template for n in db.session.scalars(db.select(Notification))}
    assert recipients == {
        profile.user.email: "enabler_assigned_enabler",
        project.application.lead_applicant.email: "enabler_assigned_lead",
    }


def test_reassignment_keeps_the_history_and_is_audited(db, programme_officer_client, project):
    first, second = EnablerProfileFactory(), EnablerProfileFactory()
    programme_officer_client.post(f"/manage/projects/{project.id}/enabler", data={"enabler_id": first.user_id})
    html = programme_officer_client.post(
        f"/manage/projects/{project.id}/enabler", data={"enabler_id": second.user_id}
    ).get_data(as_text=True)
    assert field_error(html, "reason") == "Give the reason for the change of enabler"
    programme_officer_client.post(
        f"/manage/projects/{project.id}/enabler", data={"enabler_id": second.user_id, "reason": "First enabler's leave"}
    )
    history = db.session.scalars(db.select(EnablerAssignment).order_by(EnablerAssignment.id)).all()
    assert [(a.enabler_id, a.ends_on is None, a.end_reason) for a in history] == [
        (first.user_id, False, "First enabler's leave"),
        (second.user_id, True, None),
    ]
    actions = db.session.scalars(
        db.select(AuditEvent.action).where(AuditEvent.action.like("enabler.%")).order_by(AuditEvent.id)
    ).all()
    assert actions == ["enabler.assigned", "enabler.assign_refused", "enabler.ended", "enabler.assigned"]
    page = text(programme_officer_client.get(f"/projects/{project.id}").get_data(as_text=True))
    assert "Enablers over time" in page and first.user.name in page and "First enabler's leave" in page


def test_a_linked_enabler_is_never_assigned(db, project):
    profile = EnablerProfileFactory()
    profile.links = [project.lead_organisation]
    db.session.commit()
    with pytest.raises(services.EnablerError, match="cannot support this project"):
        services.assign_enabler(
            project,
            profile.user,
            reason=None,
            override_reason="Anyway",
            actor=UserFactory(roles=[Role.PROGRAMME_OFFICER]),
        )


def test_ending_support_needs_a_reason(db, programme_officer_client, project):
    assign(project, EnablerProfileFactory().user)
    response = programme_officer_client.post(f"/manage/projects/{project.id}/enabler/end", data={"end-reason": ""})
    assert response.status_code == 400 and error_summary(response.get_data(as_text=True)) == ["Give the reason"]
    programme_officer_client.post(f"/manage/projects/{project.id}/enabler/end", data={"end-reason": "Project paused"})
    assert db.session.scalars(db.select(EnablerAssignment)).one().ends_on == date.today()


def test_an_enabler_keeps_their_own_profile(db, app):
    profile = EnablerProfileFactory()
    place = PlaceFactory()
    client = sign_in_client(app, profile.user)
    response = client.post(
        "/enabler/profile",
        data={
            "bio": "Coach",
            "regions": ["London"],
            "approaches": ["Action learning"],
            "places": [place.id],
            "capacity": "4",
            "links": "",
        },
    )
    assert response.headers["Location"] == "/enabler"
    db.session.refresh(profile)
    assert (profile.capacity, profile.regions, [p.id for p in profile.places]) == (4, ["London"], [place.id])
    html = client.post("/enabler/profile", data={"capacity": "4", "links": "GB-XXX-NOPE"}).get_data(as_text=True)
    assert field_error(html, "links") == "No organisation in Grants has the identifier GB-XXX-NOPE"


def test_programme_officers_invite_enablers(db, programme_officer_client):
    response = programme_officer_client.post(
        "/manage/enablers/invite", data={"name": "Nadia Hussain", "email": "nadia@example.org"}
    )
    assert response.status_code == 302
    profile = db.session.scalars(db.select(EnablerProfile)).one()
    assert profile.user.has_role(Role.ENABLER) and profile.user.password_hash is None
    invitation = db.session.scalars(db.select(Notification)).one()
    assert invitation.template == "enabler_invitation" and invitation.sensitive


def test_only_programme_officers_match_and_assign(db, app, project):
    profile = EnablerProfileFactory()
    for role in (Role.ENABLER, Role.STEERING_CHAIR, Role.APPLICANT):
        client = sign_in_client(app, UserFactory(roles=[role]))
        assert (
            client.post(f"/manage/projects/{project.id}/enabler", data={"enabler_id": profile.user_id}).status_code
            == 403
        )
    assert db.session.scalars(db.select(EnablerAssignment)).all() == []


# --- Sent twice ----------------------------------------------------------------------------------------


def test_an_assignment_sent_twice_assigns_once(db, programme_officer_client, project):
    profile = EnablerProfileFactory()
    path = f"/manage/projects/{project.id}/enabler"
    first = programme_officer_client.post(path, data={"enabler_id": profile.user_id})
    again = programme_officer_client.post(path, data={"enabler_id": profile.user_id})
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    page = text(programme_officer_client.get(again.headers["Location"]).get_data(as_text=True))
    assert f"{profile.user.name} already supports {project.reference}." in page
    assert len(db.session.scalars(db.select(EnablerAssignment)).all()) == 1
    assert len(db.session.scalars(db.select(Notification)).all()) == 2  # the enabler and the lead, once each


def test_a_change_of_enabler_sent_twice_changes_once(db, programme_officer_client, project):
    first, second = EnablerProfileFactory(), EnablerProfileFactory()
    assign(project, first.user)
    path = f"/manage/projects/{project.id}/enabler"
    data = {"enabler_id": second.user_id, "reason": "First enabler's leave"}
    assert programme_officer_client.post(path, data=data).status_code == 302
    again = programme_officer_client.post(path, data=data)
    assert again.status_code == 303 and again.headers["Location"] == f"/projects/{project.id}"
    history = db.session.scalars(db.select(EnablerAssignment).order_by(EnablerAssignment.id)).all()
    assert [(a.enabler_id, a.ends_on is None) for a in history] == [(first.user_id, False), (second.user_id, True)]


def test_a_change_of_enabler_waits_for_the_projects_lock(db, project):
    from unittest import mock

    first, second = EnablerProfileFactory(), EnablerProfileFactory()
    assign(project, first.user)
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    with mock.patch.object(services, "lock_and_refresh", wraps=services.lock_and_refresh) as lock:
        services.reassign_enabler(project, second.user, reason="Leave", override_reason=None, actor=officer)
    assert lock.call_args_list[0] == mock.call(db.session, project)  # before the current enabler is read
    db.session.rollback()


def test_ending_support_twice_ends_it_once(db, programme_officer_client, project):
    assign(project, EnablerProfileFactory().user)
    path = f"/manage/projects/{project.id}/enabler/end"
    first = programme_officer_client.post(path, data={"end-reason": "Project paused"})
    again = programme_officer_client.post(path, data={"end-reason": "Project paused"})
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    page = text(programme_officer_client.get(again.headers["Location"]).get_data(as_text=True))
    assert f"The enabler's support for {project.reference} had already ended." in page
    ended = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "enabler.ended")).all()
    assert len(ended) == 1


def test_ending_support_of_a_project_that_never_had_an_enabler_is_explained(db, programme_officer_client, project):
    response = programme_officer_client.post(
        f"/manage/projects/{project.id}/enabler/end", data={"end-reason": "Project paused"}
    )
    assert response.status_code == 400
    assert error_summary(response.get_data(as_text=True)) == ["This project has no enabler at the moment."]


def test_an_invitation_sent_twice_invites_once(db, programme_officer_client):
    from grants.core.once import ALREADY
    from tests.helpers import form_key

    key = form_key(programme_officer_client.get("/manage/enablers/invite").get_data(as_text=True))
    data = {"name": "Nadia Hussain", "email": "nadia@example.org", "submission": key}
    first = programme_officer_client.post("/manage/enablers/invite", data=data)
    again = programme_officer_client.post("/manage/enablers/invite", data=data)
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert ALREADY in text(programme_officer_client.get(again.headers["Location"]).get_data(as_text=True))
    assert len(db.session.scalars(db.select(Notification)).all()) == 1


# --- Refused ------------------------------------------------------------------------------------------


def refusals(db, action):
    return db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_an_assignment_over_capacity_is_refused_and_recorded_once(db, programme_officer_client, project):
    profile = EnablerProfileFactory(capacity=1)
    assign(funded_project(project.round), profile.user)
    response = programme_officer_client.post(
        f"/manage/projects/{project.id}/enabler", data={"enabler_id": profile.user_id}
    )
    assert response.status_code == 400
    [event] = refusals(db, "enabler.assign_refused")
    assert (event.object_type, event.object_id) == ("project", str(project.id))
    assert event.after["reason"].startswith(f"{profile.user.name} is already supporting 1 of 1")
    assert (
        db.session.scalars(db.select(EnablerAssignment).where(EnablerAssignment.project_id == project.id)).all() == []
    )


def test_an_unknown_organisation_in_a_profile_is_refused_beside_the_links_and_recorded_once(db, app):
    person = EnablerProfileFactory().user
    client = sign_in_client(app, person)
    response = client.post("/enabler/profile", data={"capacity": "2", "links": "GB-CHC-0000000"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "links") == "No organisation in Grants has the identifier GB-CHC-0000000"
    [event] = refusals(db, "enabler.profile_refused")
    assert (event.object_type, event.object_id) == ("user", str(person.id))


def test_ending_support_twice_records_the_repeat_once_and_never_fails(db, programme_officer_client, project):
    assign(project, EnablerProfileFactory().user)
    path = f"/manage/projects/{project.id}/enabler/end"
    responses = [programme_officer_client.post(path, data={"end-reason": "Project paused"}) for _ in range(3)]
    assert [r.status_code for r in responses] == [302, 303, 303]
    assert len(refusals(db, "enabler.end_refused")) == 2  # each repeat, once
    assert len(refusals(db, "enabler.ended")) == 1
