"""The enabler's home: the projects they support that are due an update, each with its RAG, and the
funding conditions they confirm."""

from __future__ import annotations

from datetime import date, timedelta

from grants.core.permissions import Role
from grants.enablers.services import end_assignment
from grants.funding.models import Tranche
from grants.funding.services import conditions as conditions_service
from tests.factories import EnablerProfileFactory, UserFactory, assign, funded_project
from tests.fixtures.clients import sign_in_client
from tests.projects.test_project_log import log
from tests.work_queues import home_queue

UPDATES, CONDITIONS = "enablers.updates", "funding.enabler_conditions"


def _active(db, project, rag=None):
    project.status, project.rag = "active", rag
    db.session.commit()
    return project


def test_projects_due_an_update_are_listed_with_their_rag_until_an_update_is_added(db, app):
    enabler = EnablerProfileFactory().user
    quiet = _active(db, funded_project(title="Healthy Harbour"), rag="red")
    recent = _active(db, funded_project(title="Safe at Home"), rag="green")
    soon = _active(db, funded_project(title="Moving Together"))
    assign(quiet, enabler, starts_on=date.today() - timedelta(days=40))  # due 10 days ago
    assign(recent, enabler, starts_on=date.today() - timedelta(days=5))  # due in 25 days
    assign(soon, enabler, starts_on=date.today() - timedelta(days=25))  # due in 5 days
    client = sign_in_client(app, enabler)
    queue = home_queue(client, UPDATES)
    assert queue.count == 2
    assert queue.links == [f"/projects/{quiet.id}/updates/new", f"/projects/{soon.id}/updates/new"]
    assert f"Add an update to {quiet.reference} Healthy Harbour RAG: red Overdue since" in queue.words
    assert f"{soon.reference} Moving Together RAG: not yet rated Due" in queue.words
    assert "Safe at Home" not in queue.words
    assert "You support 3 projects: 1 red, 1 green, 1 not yet rated." in queue.words
    assert log(client, quiet, rag="amber").status_code == 302
    queue = home_queue(client, UPDATES)
    assert queue.count == 1 and "Healthy Harbour" not in queue.words
    assert "You support 3 projects: 1 amber, 1 green, 1 not yet rated." in queue.words


def test_an_enabler_with_nothing_due_or_no_projects_is_told_so(db, app):
    enabler = EnablerProfileFactory().user
    client = sign_in_client(app, enabler)
    queue = home_queue(client, UPDATES)
    assert queue.count == 0 and "You are not supporting any projects at the moment." in queue.words
    assign(_active(db, funded_project()), enabler, starts_on=date.today())
    queue = home_queue(client, UPDATES)
    assert queue.count == 0 and "No update is due on your projects in the next week." in queue.words


def test_conditions_the_enabler_confirms_wait_until_confirmed(db, app, officer):
    enabler = EnablerProfileFactory().user
    project, other = funded_project(), funded_project()
    assign(project, enabler)
    assign(other, enabler)
    second = db.session.scalars(db.select(Tranche).where(Tranche.project_id == project.id, Tranche.sequence == 2)).one()
    condition = conditions_service.add_condition(
        second, kind="custom", description="Systems map shared with the board", owner=enabler, actor=officer
    )
    other_tranche = db.session.scalars(db.select(Tranche).where(Tranche.project_id == other.id)).first()
    conditions_service.add_condition(
        other_tranche, kind="custom", description="Workshop held", owner=enabler, actor=officer
    )
    db.session.commit()
    end_assignment(other, reason="Moved to another region", actor=officer)  # no longer theirs to confirm
    db.session.commit()
    client = sign_in_client(app, enabler)
    queue = home_queue(client, CONDITIONS)
    assert queue.count == 1
    assert f"Confirm “Systems map shared with the board” for {project.reference} Tranche 2 waits for it" in queue.words
    assert "Workshop held" not in queue.words
    assert queue.links == [f"/funding/conditions/{condition.id}/confirm"]
    assert client.post(queue.links[0], data={"note": "Shared on 3 May."}).status_code == 302
    queue = home_queue(client, CONDITIONS)
    assert queue.count == 0 and "No funding condition is waiting for you to confirm it." in queue.words


def test_others_do_not_see_the_enablers_queues(db, app):
    client = sign_in_client(app, UserFactory(roles=[Role.APPLICANT]))
    html = client.get("/").get_data(as_text=True)
    assert 'data-queue="enablers.updates"' not in html and 'data-queue="funding.enabler_conditions"' not in html
