"""Monitoring at the end of a project: close-out waits for the final report, accepted (a project in
close-out still sends it); once the project has finished (closed, its award given up, or ended early)
its reports, milestones and outcome measures are kept as they stood, refused by the services with the
reason and offered by no button."""

from datetime import date, timedelta

import pytest

from grants.core.audit import AuditEvent
from grants.core.times import format_date
from grants.monitoring import services
from grants.monitoring.models import Milestone, OutcomeMeasure, ProgressReport
from grants.monitoring.queries import reports_statement
from grants.projects import ending
from grants.projects.models import ProjectStatus
from grants.projects.services import ProjectError
from tests.factories import funded_project
from tests.fixtures.clients import sign_in_client
from tests.helpers import text
from tests.monitoring.test_reports import _complete, _open, _reports
from tests.projects.endings import ENDS, an_officer, close, finish, start_closeout


@pytest.fixture
def project(db):
    return funded_project()


@pytest.fixture
def lead(app, project):
    return sign_in_client(app, project.application.lead_applicant)


def final_report(db, project) -> ProgressReport:
    return [report for report in _reports(db, project) if report.is_final][0]


def final_item(project):
    [item] = [item for item in ending.closeout_items(project) if item.key == "final_report"]
    return item


def values() -> services.ReportValues:
    return services.ReportValues(**_complete(), outcomes={}, milestones_done={})


def submit(db, report):
    services.save_report(report, values(), actor=report.project.application.lead_applicant, submit=True)
    db.session.commit()


def review(db, report, by, *, accept=True):
    services.review_report(report, accept=accept, comment="" if accept else "Add the figures.", actor=by)
    db.session.commit()


def test_close_out_looks_for_the_final_report_accepted_and_says_where_it_is(db, project):
    report = final_report(db, project)
    item = final_item(project)
    assert (item.title, item.done, item.endpoint, item.order) == (
        "Final progress report accepted",
        False,
        "monitoring.project",
        10,
    )
    assert item.detail == f"Due {format_date(report.due_on)}: not yet submitted"
    assert [item.key for item in ending.closeout_items(project)][0] == "final_report", "first on the list"

    _open(db, report)
    submit(db, report)
    assert (final_item(project).done, final_item(project).detail) == (False, "Submitted, waiting for review")
    reviewer = an_officer()
    review(db, report, reviewer, accept=False)
    assert (final_item(project).done, final_item(project).detail) == (
        False,
        "Changes requested, waiting for the project team",
    )
    submit(db, report)
    review(db, report, reviewer)
    assert (final_item(project).done, final_item(project).detail) == (
        True,
        f"Accepted on {format_date(report.reviewed_at)}",
    )


def test_a_regular_report_accepted_is_not_the_final_one(db, project):
    first = _open(db, _reports(db, project)[0])
    submit(db, first)
    review(db, first, an_officer())
    assert final_item(project).done is False


def test_a_project_in_close_out_still_sends_its_final_report_and_then_closes_without_excusing_it(
    db, app, project, lead
):
    by = an_officer()
    start_closeout(project, by)
    report = _open(db, final_report(db, project))
    with pytest.raises(ProjectError, match="Final progress report accepted"):
        ending.close_project(project, note="Done.", exceptions={}, actor=by)
    db.session.rollback()

    page = lead.get(f"/projects/{project.id}/reports/{report.id}").get_data(as_text=True)
    assert f'action="/projects/{project.id}/reports/{report.id}"' in page, "the team can still write it"
    response = lead.post(f"/projects/{project.id}/reports/{report.id}", data={**_complete(), "submit": "y"})
    assert response.status_code == 302
    reviewer = sign_in_client(app, an_officer())
    assert (
        reviewer.post(f"/projects/{project.id}/reports/{report.id}/review", data={"decision": "accept"}).status_code
        == 302
    )
    assert db.session.get(ProgressReport, report.id).status == "accepted"

    left = [item for item in ending.closeout_items(project) if not item.done]
    assert "final_report" not in {item.key for item in left}
    ending.close_project(project, note="Done.", exceptions={item.key: "Will not happen." for item in left}, actor=by)
    db.session.commit()
    assert project.status == ProjectStatus.CLOSED
    assert "final_report" not in (project.closeout_exceptions or {})


def _ended(project) -> str:
    return {
        ProjectStatus.CLOSED: f"{project.reference} has closed",
        ProjectStatus.WITHDRAWN: f"The award to {project.reference} has been given up",
        ProjectStatus.ENDED_EARLY: f"{project.reference} has ended early",
    }[project.status]


@pytest.mark.parametrize("outcome", ENDS)
def test_the_services_refuse_every_change_once_the_project_has_finished(db, project, outcome):
    team = project.application.lead_applicant
    by = an_officer()
    milestone = services.save_milestone(
        project, None, services.MilestoneValues("Partners' board meets", date.today(), None, ""), actor=team
    )
    submitted = _open(db, _reports(db, project)[0])
    submit(db, submitted)
    [measure] = db.session.scalars(db.select(OutcomeMeasure).where(OutcomeMeasure.project_id == project.id)).all()
    finish(project, outcome)

    changes = [
        (
            "milestones",
            lambda: services.save_milestone(
                project, milestone, services.MilestoneValues("Renamed", date.today(), None, ""), actor=team
            ),
        ),
        ("milestones", lambda: services.remove_milestone(milestone, actor=by, project=project)),
        (
            "outcome measures",
            lambda: services.save_measure(
                project, measure, services.MeasureValues("Renamed", "", 1, 2, "up", "Corrected"), actor=by
            ),
        ),
        ("reports", lambda: services.save_report(_reports(db, project)[1], values(), actor=team, submit=False)),
        ("reports", lambda: services.review_report(submitted, accept=True, comment="", actor=by)),
    ]
    for what, change in changes:
        with pytest.raises(services.MonitoringError) as refused:
            change()
        assert refused.value.message == (
            f"{_ended(project)}: the project's {what} are kept as a record and can no longer change."
        )
        db.session.rollback()
    assert db.session.get(Milestone, milestone.id).title == "Partners' board meets"
    assert db.session.get(ProgressReport, submitted.id).status == "submitted"
    assert db.session.get(OutcomeMeasure, measure.id).name != "Renamed"


@pytest.mark.parametrize("outcome", ENDS)
def test_a_finished_projects_monitoring_offers_no_change_and_says_why(db, app, project, lead, outcome):
    submitted = _open(db, _reports(db, project)[0])
    submit(db, submitted)
    finish(project, outcome)
    reviewer = sign_in_client(app, an_officer())
    monitoring = f"/projects/{project.id}/monitoring"

    for client in (lead, reviewer):
        page = text(client.get(monitoring).get_data(as_text=True))
        assert f"{project.status_label} on {format_date(project.finished_at)}." in page
        assert "Add a milestone" not in page and "Add an outcome measure" not in page
        assert "Overdue" not in page
    unsent = _reports(db, project)[1]
    unsent.due_on = date.today() - timedelta(days=3)  # overdue, were the project still running
    db.session.commit()
    assert "Overdue" not in text(lead.get(monitoring).get_data(as_text=True))
    page = lead.get(f"/projects/{project.id}/reports/{unsent.id}").get_data(as_text=True)
    assert "kept as it stood at the project&#39;s end" in page or "kept as it stood at the project's end" in text(page)
    assert f'action="/projects/{project.id}/reports/{unsent.id}"' not in page
    page = text(reviewer.get(f"/projects/{project.id}/reports/{unsent.id}").get_data(as_text=True))
    assert "The project ended before this report was submitted." in page
    page = reviewer.get(f"/projects/{project.id}/reports/{submitted.id}").get_data(as_text=True)
    assert f"/reports/{submitted.id}/review" not in page

    # A form asked for goes back to the monitoring, saying why.
    response = lead.get(f"/projects/{project.id}/milestones/new")
    assert response.status_code == 303 and response.location.endswith(f"{monitoring}#milestones")
    page = text(lead.get(response.location.split("#")[0]).get_data(as_text=True))
    assert f"{_ended(project)}: the project's milestones are kept as a record and can no longer change." in page
    assert reviewer.get(f"/projects/{project.id}/measures/new").status_code == 303

    # One sent from a page left open is refused by the service, recorded, and nothing changes.
    response = lead.post(f"/projects/{project.id}/reports/{unsent.id}", data={**_complete(), "submit": "y"})
    assert response.status_code == 302 and response.location.endswith(f"/reports/{unsent.id}")
    assert f"{_ended(project)}: the project's reports" in text(lead.get(response.location).get_data(as_text=True))
    response = reviewer.post(f"/projects/{project.id}/reports/{submitted.id}/review", data={"decision": "accept"})
    assert response.status_code == 302
    data = {"title": "Late addition", "due_on": ["1", "1", "2027"], "owner": ""}
    assert lead.post(f"/projects/{project.id}/milestones/new", data=data).status_code == 302
    db.session.expire_all()
    assert [report.status for report in _reports(db, project)][:2] == ["submitted", "due"]
    assert db.session.scalars(db.select(Milestone).where(Milestone.project_id == project.id)).all() == []
    refusals = db.session.scalars(
        db.select(AuditEvent.action).where(AuditEvent.action.like("monitoring.%_refused")).order_by(AuditEvent.id)
    ).all()
    assert refusals == ["monitoring.report_refused", "monitoring.review_refused", "monitoring.milestone_refused"]


def test_the_officers_lists_leave_out_finished_projects(db, project):
    running = funded_project(project.round)
    for each in (project, running):
        late = _reports(db, each)[0]
        late.due_on = date.today() - timedelta(days=5)
        submit(db, _open(db, _reports(db, each)[1]))
    db.session.commit()
    close(project)

    def listed(view):
        return {report.project_id for report in db.session.scalars(reports_statement(view))}

    assert listed("overdue") == {running.id}
    assert listed("submitted") == {running.id}
