"""Progress reports: scheduled from the round, written by the project team, reviewed by a programme
officer who is not their author; accepted reports meet their tranches' conditions."""

from datetime import date, timedelta

import pytest

from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from grants.funding.models import Tranche
from grants.monitoring import services
from grants.monitoring.models import Milestone, OutcomeMeasure, OutcomeValue, ProgressReport
from grants.notifications.models import Notification
from tests.factories import ApplicantFactory, EnablerProfileFactory, UserFactory, assign, funded_project
from tests.fixtures.clients import sign_in_client
from tests.helpers import QueryCounter, error_summary, field_error, text
from tests.projects.endings import close


@pytest.fixture
def project(db):
    return funded_project()


@pytest.fixture
def lead(app, project):
    return sign_in_client(app, project.application.lead_applicant)


def _reports(db, project):
    return db.session.scalars(
        db.select(ProgressReport).where(ProgressReport.project_id == project.id).order_by(ProgressReport.sequence)
    ).all()


def _open(db, report, days_ago=1):
    """Move a report's period into the past, so that it can be submitted."""
    report.period_end = date.today() - timedelta(days=days_ago)
    report.period_start = report.period_end - timedelta(days=90)
    report.due_on = report.period_end + timedelta(days=14)
    db.session.commit()
    return report


def _complete(**changes):
    return {
        "narrative": "We mapped the journey home.",
        "partnership_change": "The NHS and council co-chair.",
        "rag": "green",
        **changes,
    }


def test_the_schedule_is_a_report_every_quarter_and_a_final_one():
    periods = services.report_periods(date(2026, 1, 1), date(2026, 12, 31), 3)
    assert periods == [
        (date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 14), False),
        (date(2026, 4, 1), date(2026, 6, 30), date(2026, 7, 14), False),
        (date(2026, 7, 1), date(2026, 9, 30), date(2026, 10, 14), False),
        (date(2026, 1, 1), date(2026, 12, 31), date(2027, 1, 31), True),
    ]
    assert [p[3] for p in services.report_periods(date(2026, 1, 1), date(2026, 10, 31), 4)] == [False, False, True]


def test_a_new_project_has_its_reports_and_the_measures_of_its_bid(db, project):
    reports = _reports(db, project)
    assert [(r.sequence, r.is_final, r.status) for r in reports] == [
        (1, False, "due"),
        (2, False, "due"),
        (3, False, "due"),
        (4, True, "due"),
    ]
    [measure] = db.session.scalars(db.select(OutcomeMeasure).where(OutcomeMeasure.project_id == project.id)).all()
    assert (measure.name, measure.baseline, measure.target, measure.direction) == ("Delayed discharges", 40, 20, "down")


def test_the_team_saves_a_draft_then_submits(db, project, lead):
    report = _open(db, _reports(db, project)[0])
    [measure] = db.session.scalars(db.select(OutcomeMeasure).where(OutcomeMeasure.project_id == project.id)).all()
    url = f"/projects/{project.id}/reports/{report.id}"
    response = lead.post(url, data={"narrative": "Half written", f"outcome_{measure.id}": "35", "save": "y"})
    assert response.status_code == 302
    stored = db.session.get(ProgressReport, report.id)
    assert (stored.status, stored.narrative) == ("due", "Half written")
    html = lead.post(url, data={"narrative": "Half written", "submit": "y"}).get_data(as_text=True)
    assert error_summary(html) == ["Say what changed in how the partners work together"]
    assert db.session.get(ProgressReport, report.id).status == "due"
    response = lead.post(url, data={**_complete(), f"outcome_{measure.id}": "32.5", "submit": "y"})
    assert response.status_code == 302
    stored = db.session.get(ProgressReport, report.id)
    assert (stored.status, stored.submitted_by_id, stored.submissions) == ("submitted", lead.user.id, 1)
    assert db.session.scalars(db.select(OutcomeValue.value).where(OutcomeValue.report_id == report.id)).all() == [32.5]
    assert lead.post(url, data={**_complete(), "save": "y"}).status_code == 400  # no changes once submitted


def test_a_report_cannot_be_submitted_before_its_period_is_nearly_over(db, project, lead):
    report = _reports(db, project)[1]
    html = lead.post(f"/projects/{project.id}/reports/{report.id}", data={**_complete(), "submit": "y"}).get_data(
        as_text=True
    )
    opens = report.period_end - timedelta(days=14)
    assert error_summary(html) == [f"You can submit this report from {opens.day} {opens:%B %Y}."]


def test_a_report_cannot_be_accepted_by_its_author_or_an_applicant(db, app, project):
    author = ApplicantFactory(organisation=project.lead_organisation, roles=[Role.APPLICANT, Role.PROGRAMME_OFFICER])
    report = _open(db, _reports(db, project)[0])
    services.save_report(
        report, services.ReportValues(**_complete(), outcomes={}, milestones_done={}), actor=author, submit=True
    )
    db.session.commit()
    client = sign_in_client(app, author)
    response = client.post(f"/projects/{project.id}/reports/{report.id}/review", data={"decision": "accept"})
    assert response.status_code == 403
    applicant = sign_in_client(app, ApplicantFactory(organisation=project.lead_organisation))
    assert (
        applicant.post(f"/projects/{project.id}/reports/{report.id}/review", data={"decision": "accept"}).status_code
        == 403
    )
    with pytest.raises(services.MonitoringError, match="someone else must review it"):
        services.review_report(report, accept=True, comment="", actor=author)
    db.session.rollback()
    assert db.session.get(ProgressReport, report.id).status == "submitted"


def _submitted(db, project, report):
    author = project.application.lead_applicant
    services.save_report(
        report, services.ReportValues(**_complete(), outcomes={}, milestones_done={}), actor=author, submit=True
    )
    db.session.commit()
    return report


def test_the_officer_accepts_or_asks_for_changes(db, project, programme_officer_client):
    report = _submitted(db, project, _open(db, _reports(db, project)[0]))
    url = f"/projects/{project.id}/reports/{report.id}/review"
    html = programme_officer_client.post(url, data={"decision": "changes", "comment": " "}).get_data(as_text=True)
    assert field_error(html, "comment") == "Say what needs to change"
    assert (
        programme_officer_client.post(url, data={"decision": "changes", "comment": "Add the figures"}).status_code
        == 302
    )
    stored = db.session.get(ProgressReport, report.id)
    assert (stored.status, stored.review_comment) == ("changes_requested", "Add the figures")
    told = db.session.scalars(db.select(Notification).where(Notification.template == "report_changes_requested")).one()
    assert told.recipient_email == project.application.lead_applicant.email and "Add the figures" in told.body_text
    _submitted(db, project, stored)  # changed and sent again
    assert db.session.get(ProgressReport, report.id).submissions == 2
    assert programme_officer_client.post(url, data={"decision": "accept"}).status_code == 302
    assert db.session.get(ProgressReport, report.id).status == "accepted"
    actions = db.session.scalars(
        db.select(AuditEvent.action)
        .where(AuditEvent.object_type == "progress_report", AuditEvent.action.like("monitoring.report_%"))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "monitoring.report_submitted",
        "monitoring.report_changes_requested",
        "monitoring.report_submitted",
        "monitoring.report_accepted",
    ]


def test_accepted_reports_meet_the_second_tranches_condition(db, project):
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    second = db.session.scalars(db.select(Tranche).where(Tranche.project_id == project.id, Tranche.sequence == 2)).one()
    first_report, second_report = _reports(db, project)[:2]
    _open(db, first_report, days_ago=60)
    _open(db, second_report, days_ago=1)
    second.due_on = date.today()
    db.session.commit()
    for report in (first_report, second_report):
        _submitted(db, project, report)

    def met():
        db.session.expire_all()
        return db.session.get(Tranche, second.id).conditions[0].is_met

    services.review_report(first_report, accept=True, comment="", actor=officer)
    db.session.commit()
    assert not met()  # the second report, also ended before the tranche is due, is not accepted yet
    services.review_report(second_report, accept=True, comment="", actor=officer)
    db.session.commit()
    assert met()
    # Its only condition is met; it is ready to request once tranche 1 is released.
    assert db.session.get(Tranche, second.id).status == "scheduled"


def test_milestones_are_kept_by_the_team_and_marked_done_in_a_report(db, project, lead):
    due = date.today() + timedelta(days=30)
    data = {
        "title": "Data sharing agreement signed",
        "due_on": [str(due.day), str(due.month), str(due.year)],
        "owner": "Council",
    }
    assert lead.post(f"/projects/{project.id}/milestones/new", data=data).status_code == 302
    milestone = db.session.scalars(db.select(Milestone)).one()
    html = lead.post(f"/projects/{project.id}/milestones/new", data={**data, "title": " "}).get_data(as_text=True)
    assert field_error(html, "title") == "Enter what the milestone is"
    report = _open(db, _reports(db, project)[0])
    done = date.today() - timedelta(days=2)
    lead.post(
        f"/projects/{project.id}/reports/{report.id}",
        data={
            **_complete(),
            f"milestone_{milestone.id}": [str(done.day), str(done.month), str(done.year)],
            "submit": "y",
        },
    )
    assert db.session.get(Milestone, milestone.id).done_on == done
    page = text(lead.get(f"/projects/{project.id}/monitoring").get_data(as_text=True))
    assert f"Done {done.day} {done:%B %Y}" in page


@pytest.mark.parametrize("who", ["enabler", "other_applicant", "steering"])
def test_who_sees_a_projects_reports(db, app, project, who):
    report = _reports(db, project)[0]
    if who == "enabler":
        user = EnablerProfileFactory().user
        assign(project, user)
        expected = 200
    elif who == "other_applicant":
        user, expected = ApplicantFactory(), 404
    else:
        user, expected = UserFactory(roles=[Role.STEERING_MEMBER]), 200
    client = sign_in_client(app, user)
    assert client.get(f"/projects/{project.id}/reports/{report.id}").status_code == expected
    assert client.get(f"/projects/{project.id}/monitoring").status_code == expected
    if expected == 200:  # seeing is not writing
        assert (
            client.post(f"/projects/{project.id}/reports/{report.id}", data={**_complete(), "save": "y"}).status_code
            == 403
        )


def test_the_monitoring_page_runs_a_fixed_number_of_queries(db, programme_officer_client):
    def count(milestones, values):
        project = funded_project()
        for number in range(milestones):
            db.session.add(Milestone(project_id=project.id, title=f"Step {number}", due_on=date.today()))
        measure = db.session.scalars(db.select(OutcomeMeasure).where(OutcomeMeasure.project_id == project.id)).one()
        for report in _reports(db, project)[:values]:
            report.status, report.submitted_at, report.submitted_by_id = (
                "submitted",
                report.created_at,
                project.application.lead_applicant_id,
            )
            db.session.add(
                OutcomeValue(measure_id=measure.id, report_id=report.id, recorded_on=report.period_end, value=30)
            )
        db.session.commit()
        with QueryCounter() as counter:
            page = programme_officer_client.get(f"/projects/{project.id}/monitoring")
        assert page.status_code == 200
        return len(counter.statements)

    assert count(1, 1) == count(30, 4)


def test_the_officer_sees_reports_waiting_for_review(db, project, programme_officer_client):
    report = _submitted(db, project, _open(db, _reports(db, project)[0]))
    page = text(programme_officer_client.get("/monitoring/reports").get_data(as_text=True))
    assert f"{project.reference}: {report.title}" in page
    overdue = text(programme_officer_client.get("/monitoring/reports?view=overdue").get_data(as_text=True))
    assert "No reports are overdue." in overdue


def test_a_tranche_due_before_any_period_ends_waits_for_the_first_report(db, project):
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    reports = _reports(db, project)
    second = db.session.scalars(db.select(Tranche).where(Tranche.project_id == project.id, Tranche.sequence == 2)).one()
    first = _open(db, reports[0])
    second.due_on = first.period_end - timedelta(days=10)  # before the first period ends
    db.session.commit()
    assert [r for r in reports if not r.is_final and r.period_end < second.due_on] == []
    assert not services.reports_accepted_for(project, second)
    _submitted(db, project, first)
    services.review_report(first, accept=True, comment="", actor=officer)
    db.session.commit()
    assert services.reports_accepted_for(project, db.session.get(Tranche, second.id))


def test_a_draft_is_the_teams_until_it_is_submitted(db, app, project, lead):
    report = _open(db, _reports(db, project)[0])
    lead.post(
        f"/projects/{project.id}/reports/{report.id}",
        data={**_complete(narrative="Half-written thoughts about the board"), "save": "y"},
    )
    enabler = EnablerProfileFactory().user
    assign(project, enabler)
    page = text(sign_in_client(app, enabler).get(f"/projects/{project.id}/reports/{report.id}").get_data(as_text=True))
    assert "Half-written thoughts" not in page and "has not submitted this report yet" in page
    assert "Half-written thoughts" in text(
        lead.get(f"/projects/{project.id}/reports/{report.id}").get_data(as_text=True)
    )
    lead.post(f"/projects/{project.id}/reports/{report.id}", data={**_complete(), "submit": "y"})
    page = text(sign_in_client(app, enabler).get(f"/projects/{project.id}/reports/{report.id}").get_data(as_text=True))
    assert "We mapped the journey home." in page


def test_a_milestone_date_in_a_report_is_checked_next_to_its_field(db, project, lead):
    milestone = Milestone(project_id=project.id, title="Board formed", due_on=date.today())
    db.session.add(milestone)
    db.session.commit()
    report = _open(db, _reports(db, project)[0])
    tomorrow = date.today() + timedelta(days=1)
    response = lead.post(
        f"/projects/{project.id}/reports/{report.id}",
        data={
            **_complete(),
            f"milestone_{milestone.id}": [str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)],
            "save": "y",
        },
    )
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), f"milestone_{milestone.id}") == (
        "The date it was done must be today or in the past"
    )
    assert db.session.get(Milestone, milestone.id).done_on is None


def test_a_closed_projects_record_is_kept(db, project, lead):
    """(Each end of a project, page by page, in test_finished.py.)"""
    close(project)
    data = {"title": "Late addition", "due_on": ["1", "1", "2027"], "owner": ""}
    response = lead.post(f"/projects/{project.id}/milestones/new", data=data)
    assert response.status_code == 302 and response.location.endswith(f"/projects/{project.id}/monitoring#milestones")
    assert db.session.scalars(db.select(Milestone).where(Milestone.project_id == project.id)).all() == []
    report = _reports(db, project)[0]
    with pytest.raises(services.MonitoringError, match=f"{project.reference} has closed: the project's reports"):
        services.save_report(
            report, services.ReportValues(**_complete(), outcomes={}, milestones_done={}), actor=lead.user, submit=False
        )
    db.session.rollback()


def test_a_submitted_report_keeps_the_milestones_as_they_stood(db, app, project, lead):
    due = date.today() + timedelta(days=30)
    early, later = (
        Milestone(project_id=project.id, title=title, due_on=due + timedelta(days=days), owner="Council")
        for title, days in (("Data sharing agreement signed", 0), ("Citizen panel held", 10))
    )
    db.session.add_all([early, later])
    db.session.commit()
    report = _open(db, _reports(db, project)[0])
    done = date.today() - timedelta(days=2)
    response = lead.post(
        f"/projects/{project.id}/reports/{report.id}",
        data={**_complete(), f"milestone_{early.id}": [str(done.day), str(done.month), str(done.year)], "submit": "y"},
    )
    assert response.status_code == 302
    assert db.session.get(ProgressReport, report.id).milestones_at_submission == [
        {
            "title": "Data sharing agreement signed",
            "due_on": due.isoformat(),
            "done_on": done.isoformat(),
            "owner": "Council",
        },
        {
            "title": "Citizen panel held",
            "due_on": (due + timedelta(days=10)).isoformat(),
            "done_on": None,
            "owner": "Council",
        },
    ]

    # The milestones change afterwards; the report reads as it was sent.
    officer = sign_in_client(app, UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    renamed = {"title": "Agreement signed by all", "due_on": [str(due.day), str(due.month), str(due.year)], "owner": ""}
    assert officer.post(f"/projects/{project.id}/milestones/{early.id}", data=renamed).status_code == 302
    assert officer.post(f"/projects/{project.id}/milestones/{later.id}/remove").status_code == 302
    page = text(officer.get(f"/projects/{project.id}/reports/{report.id}").get_data(as_text=True))
    assert "Milestones when the report was submitted" in page
    assert f"Data sharing agreement signed {due.day} {due:%B %Y} {done.day} {done:%B %Y}" in page
    assert "Citizen panel held" in page and "Not done" in page
    assert "Agreement signed by all" not in page


# --- Sent twice ----------------------------------------------------------------------------------------


def test_a_report_submitted_twice_is_submitted_once(db, project, lead):
    report = _open(db, _reports(db, project)[0])
    url = f"/projects/{project.id}/reports/{report.id}"
    first = lead.post(url, data={**_complete(), "submit": "y"})
    again = lead.post(url, data={**_complete(), "submit": "y"})
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert f"{report.title} had already been submitted." in text(lead.get(url).get_data(as_text=True))
    stored = db.session.get(ProgressReport, report.id)
    assert (stored.status, stored.submissions) == ("submitted", 1)
    refused = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "monitoring.report_refused"))
    assert refused.all() == []


def test_a_review_sent_twice_reviews_once(db, project, programme_officer_client):
    report = _submitted(db, project, _open(db, _reports(db, project)[0]))
    url = f"/projects/{project.id}/reports/{report.id}/review"
    first = programme_officer_client.post(url, data={"decision": "accept"})
    again = programme_officer_client.post(url, data={"decision": "accept"})
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    page = text(programme_officer_client.get(again.headers["Location"]).get_data(as_text=True))
    assert f"{report.title} for {project.reference} had already been accepted." in page
    accepted = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "monitoring.report_accepted"))
    assert len(accepted.all()) == 1
    emails = db.session.scalars(db.select(Notification).where(Notification.template == "report_accepted"))
    assert len(emails.all()) == 1


def test_a_milestone_removed_twice_is_removed_once(db, project, lead):
    milestone = Milestone(project_id=project.id, title="Data sharing agreement signed", due_on=date.today())
    db.session.add(milestone)
    db.session.commit()
    url = f"/projects/{project.id}/milestones/{milestone.id}/remove"
    first = lead.post(url)
    again = lead.post(url)
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    page = text(lead.get(f"/projects/{project.id}/monitoring").get_data(as_text=True))
    assert "That milestone had already been removed." in page
    removed = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "monitoring.milestone_removed"))
    assert len(removed.all()) == 1


def test_a_milestone_removed_a_moment_ago_is_refused_by_the_service(db, project):
    from sqlalchemy import delete

    milestone = Milestone(project_id=project.id, title="Gone", due_on=date.today())
    db.session.add(milestone)
    db.session.commit()
    db.session.execute(delete(Milestone).where(Milestone.id == milestone.id))  # as another request would
    with pytest.raises(services.MilestoneGone):
        services.remove_milestone(milestone, actor=project.application.lead_applicant, project=project)
    db.session.rollback()


# --- Refusals are recorded once ------------------------------------------------------------------------


def _events(db, action: str) -> list[AuditEvent]:
    return db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_a_refused_review_is_recorded_once_and_changes_nothing(db, project, programme_officer_client):
    report = _submitted(db, project, _open(db, _reports(db, project)[0]))
    url = f"/projects/{project.id}/reports/{report.id}/review"
    response = programme_officer_client.post(url, data={"decision": "changes", "comment": " "})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "comment") == "Say what needs to change"
    [refusal] = _events(db, "monitoring.review_refused")
    assert refusal.object_id == str(report.id) and refusal.after == {"reason": "Say what needs to change"}
    assert _events(db, "access.refused") == []
    assert db.session.get(ProgressReport, report.id).status == "submitted"


def test_a_milestone_refused_for_a_person_is_recorded_once_by_the_403(db, app, project):
    milestone = Milestone(project_id=project.id, title="Board formed", due_on=date.today())
    db.session.add(milestone)
    db.session.commit()
    enabler = EnablerProfileFactory().user
    assign(project, enabler)
    response = sign_in_client(app, enabler).post(f"/projects/{project.id}/milestones/{milestone.id}/remove")
    assert response.status_code == 403
    [refusal] = _events(db, "access.refused")
    assert refusal.actor_id == enabler.id
    assert _events(db, "monitoring.milestone_refused") == []
    assert db.session.get(Milestone, milestone.id) is not None


def test_a_refused_report_sent_again_is_refused_again_without_a_fault(db, project, lead):
    report = _open(db, _reports(db, project)[0])
    url = f"/projects/{project.id}/reports/{report.id}"
    for _ in range(2):
        response = lead.post(url, data={"narrative": "Half written", "submit": "y"})
        assert response.status_code == 400
    assert len(_events(db, "monitoring.report_refused")) == 2  # one each, never two for one
    assert db.session.get(ProgressReport, report.id).status == "due"
