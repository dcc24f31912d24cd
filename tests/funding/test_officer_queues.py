"""The programme officer's home: tranches ready to request (with their total), and conditions still
unmet on tranches already due."""

from __future__ import annotations

from datetime import date, timedelta

from grants.funding.services import conditions as conditions_service
from tests.fixtures.clients import sign_in_client
from tests.funding.conftest import ready_to_request, tranches
from tests.work_queues import home_queue

READY, OVERDUE = "funding.ready", "funding.conditions_overdue"


def test_a_tranche_ready_to_request_waits_until_it_is_requested(db, app, project, officer):
    client = sign_in_client(app, officer)
    queue = home_queue(client, READY)
    assert queue.count == 0 and "No tranche is ready to request." in queue.words
    tranche = ready_to_request(project, officer)
    queue = home_queue(client, READY)
    assert queue.count == 1
    assert f"Request tranche 1 for {project.reference}" in queue.words
    assert f"£13,500.00 to {project.lead_organisation.name}" in queue.words
    assert "£13,500.00 in total" in queue.words
    assert queue.links == [f"/projects/{project.id}/funding#tranche-1"]
    assert client.post(f"/funding/tranches/{tranche.id}/request").status_code == 302
    queue = home_queue(client, READY)
    assert queue.count == 0 and project.reference not in queue.words


def test_unmet_conditions_of_a_tranche_past_its_date_are_overdue_until_met(db, app, project, officer):
    client = sign_in_client(app, officer)
    first, second, _ = tranches(project)
    first.due_on = date.today() + timedelta(days=3)  # due soon, not yet
    db.session.commit()
    assert home_queue(client, OVERDUE).count == 0
    second.due_on = date.today() - timedelta(days=2)
    db.session.commit()
    condition = conditions_service.add_condition(
        second, kind="custom", description="Bank details checked", owner=officer, actor=officer
    )
    db.session.commit()
    queue = home_queue(client, OVERDUE)
    assert queue.count == 2  # the report it waits for, and the bank details
    assert f"{project.reference}, tranche 2: Bank details checked" in queue.words
    assert "Overdue since" in queue.words and "tranche 1" not in queue.words
    assert queue.links[0] == f"/projects/{project.id}/funding#tranche-2"
    response = client.post(f"/funding/conditions/{condition.id}/confirm", data={"note": "Checked on 3 May."})
    assert response.status_code == 302
    queue = home_queue(client, OVERDUE)
    assert queue.count == 1 and "Bank details checked" not in queue.words


def test_with_no_condition_overdue_the_queue_says_so(db, programme_officer_client):
    queue = home_queue(programme_officer_client, OVERDUE)
    assert queue.count == 0 and "No tranche that is due still waits for a condition." in queue.words
