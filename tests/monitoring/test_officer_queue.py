"""The programme officer's home: progress reports waiting for review."""

from __future__ import annotations

from grants.extensions import db as _db
from grants.monitoring.models import ProgressReport
from tests.factories import funded_project
from tests.monitoring.test_reports import _open, _submitted
from tests.work_queues import home_queue

KEY = "monitoring.reports"


def _first_report(project) -> ProgressReport:
    return _db.session.scalars(
        _db.select(ProgressReport).where(ProgressReport.project_id == project.id).order_by(ProgressReport.sequence)
    ).first()


def test_a_submitted_report_waits_until_the_officer_accepts_it(db, programme_officer_client):
    project = funded_project()
    quiet = funded_project()  # its reports are not yet due: nothing to review
    report = _submitted(db, project, _open(db, _first_report(project)))
    queue = home_queue(programme_officer_client, KEY)
    assert queue.count == 1
    assert f"Review progress report 1 for {project.reference}" in queue.words
    assert project.title in queue.words and quiet.reference not in queue.words
    assert queue.links == [f"/projects/{project.id}/reports/{report.id}"]
    response = programme_officer_client.post(queue.links[0] + "/review", data={"decision": "accept"})
    assert response.status_code == 302
    queue = home_queue(programme_officer_client, KEY)
    assert queue.count == 0
    assert "No progress report is waiting for review." in queue.words
