"""The programme officer's home: case studies and insights sent for review."""

from __future__ import annotations

from tests.factories import funded_project
from tests.learning.test_learning import write_item
from tests.work_queues import home_queue

KEY = "learning.reviews"


def test_learning_sent_for_review_waits_until_the_officer_decides(db, programme_officer_client):
    project = funded_project()
    lead = project.application.lead_applicant
    item = write_item(project, lead, title="Getting home safely")
    write_item(project, lead, title="Still a draft", submit=False)
    queue = home_queue(programme_officer_client, KEY)
    assert queue.count == 1
    assert f"Review “Getting home safely” {project.reference}, sent by {lead.name}" in queue.words
    assert "Still a draft" not in queue.words
    assert queue.links == [f"/projects/{project.id}/learning/items/{item.id}"]
    response = programme_officer_client.post(queue.links[0] + "/review", data={"decision": "publish", "comment": ""})
    assert response.status_code == 302
    queue = home_queue(programme_officer_client, KEY)
    assert queue.count == 0
    assert "No case study or insight is waiting for review." in queue.words
