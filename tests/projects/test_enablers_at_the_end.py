"""Enablers at the end of a project: the support ends with it (closed, its award given up, or ended
early), no enabler can be assigned to it afterwards, capacity counts only live projects, and the
enabler's home keeps a short list of the projects they supported before."""

import pytest

from grants.core.audit import AuditEvent
from grants.core.db import utcnow
from grants.enablers import matching, services
from grants.enablers.models import EnablerAssignment
from grants.projects.models import ProjectStatus
from tests.factories import EnablerProfileFactory, assign, funded_project
from tests.fixtures.clients import sign_in_client
from tests.funding.conftest import give_enabler
from tests.helpers import text
from tests.projects.endings import ENDS, an_officer, finish

SUPPORT_ENDS = {
    ProjectStatus.CLOSED: "The project closed.",
    ProjectStatus.WITHDRAWN: "The partnership gave up its award.",
    ProjectStatus.ENDED_EARLY: "The project ended early.",
}


def ended(project) -> str:
    return {
        ProjectStatus.CLOSED: f"{project.reference} has closed",
        ProjectStatus.WITHDRAWN: f"The award to {project.reference} has been given up",
        ProjectStatus.ENDED_EARLY: f"{project.reference} has ended early",
    }[project.status]


def assignments(db, project) -> list[EnablerAssignment]:
    db.session.expire_all()
    return db.session.scalars(
        db.select(EnablerAssignment).where(EnablerAssignment.project_id == project.id).order_by(EnablerAssignment.id)
    ).all()


@pytest.mark.parametrize("outcome", ENDS)
def test_the_support_ends_with_the_project_and_no_enabler_can_be_assigned_after(db, project, outcome):
    enabler = give_enabler(project, an_officer())
    assert matching.current_loads()[enabler.id] == 1
    finish(project, outcome)
    [support] = assignments(db, project)
    assert support.ends_on is not None and support.end_reason == SUPPORT_ENDS[outcome]
    assert matching.current_loads()[enabler.id] == 0

    by, another = an_officer(), EnablerProfileFactory().user
    refusal = f"{ended(project)}: its enabler's support ended with it, and no enabler can be assigned now."
    for change in (
        lambda: services.assign_enabler(project, another, reason=None, override_reason=None, actor=by),
        lambda: services.reassign_enabler(project, another, reason="Fresh eyes", override_reason=None, actor=by),
        lambda: services.support_project(project, enabler, reason=None, override_reason=None, actor=by),
        lambda: services.end_assignment(project, reason="Again", actor=by),
    ):
        with pytest.raises(services.EnablerError) as refused:
            change()
        assert refused.value.message == refusal
        db.session.rollback()
    assert [(a.enabler_id, a.end_reason) for a in assignments(db, project)] == [(enabler.id, SUPPORT_ENDS[outcome])]


@pytest.mark.parametrize("outcome", ENDS)
def test_the_enabler_page_of_a_finished_project_offers_no_change(db, app, project, outcome):
    enabler = give_enabler(project, an_officer())
    EnablerProfileFactory()  # someone who could be offered, were the project running
    finish(project, outcome)
    officer = sign_in_client(app, an_officer())
    page = officer.get(f"/manage/projects/{project.id}/enabler").get_data(as_text=True)
    words = text(page)
    assert "no enabler can be assigned now" in words and "Who supported the project" in words
    assert enabler.name in words and SUPPORT_ENDS[outcome] in words
    assert 'name="enabler_id"' not in page and "Assign enabler" not in words and "End the enabler" not in words

    # Sent from a page left open: refused by the service, saying why, and recorded.
    response = officer.post(f"/manage/projects/{project.id}/enabler", data={"enabler_id": str(enabler.id)})
    assert response.status_code == 302 and response.location.endswith(f"/manage/projects/{project.id}/enabler")
    shown = text(officer.get(response.location).get_data(as_text=True))
    assert f"{ended(project)}: its enabler's support ended" in shown
    response = officer.post(f"/manage/projects/{project.id}/enabler/end", data={"end-reason": "Again"})
    assert response.status_code == 302
    refused = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "enabler.assign_refused")).all()
    assert len(refused) == 2
    assert len(assignments(db, project)) == 1


def test_capacity_counts_only_live_projects(db, project):
    """Whatever a finished project's assignments say (records kept from before projects ended with
    their support), its enabler is free for another."""
    enabler = EnablerProfileFactory(capacity=1).user
    assign(project, enabler)
    other = funded_project(project.round)
    with pytest.raises(services.EnablerError, match="already supporting 1 of 1 projects"):
        services.assign_enabler(other, enabler, reason=None, override_reason=None, actor=an_officer())
    db.session.rollback()

    project.status, project.finished_at = ProjectStatus.CLOSED, utcnow()
    db.session.commit()
    assert matching.current_loads()[enabler.id] == 0
    assert matching.links_with_current_projects([enabler.id]) == {}
    [ranked] = [match for match in matching.rank(other)[0] if match.enabler.id == enabler.id]
    assert ranked.load == 0 and ranked.has_capacity
    assignment = services.assign_enabler(other, enabler, reason=None, override_reason=None, actor=an_officer())
    db.session.commit()
    assert assignment.capacity_override_reason is None


def test_the_enablers_home_lists_the_projects_they_supported_before_apart(db, app, project):
    enabler = give_enabler(project, an_officer())
    running = funded_project(project.round)
    assign(running, enabler)
    finish(project, ProjectStatus.WITHDRAWN)
    home = sign_in_client(app, enabler).get("/enabler").get_data(as_text=True)
    current, _, past = home.partition("Projects you supported before")
    assert running.reference in current and project.reference not in current
    assert project.reference in past and "Award given up" in text(past)
    assert f'href="/projects/{project.id}"' not in home, "its pages are not theirs any more"
    assert SUPPORT_ENDS[ProjectStatus.WITHDRAWN] not in home, "the reason is the programme team's"
