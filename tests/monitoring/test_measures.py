"""A programme officer adds an outcome measure to a running project, or corrects one, with a reason:
values already reported stay, the next report asks for the new measure, and the audit trail keeps
what changed and why. Nobody else may; bad input changes nothing."""

from datetime import date

import pytest

from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from grants.monitoring.models import OutcomeMeasure, OutcomeValue, ProgressReport
from tests.factories import ApplicantFactory, EnablerProfileFactory, UserFactory, assign, funded_project
from tests.fixtures.clients import sign_in_client
from tests.helpers import error_summary, field_error, form_key, text
from tests.monitoring.test_reports import _complete, _open, _reports
from tests.projects.endings import close


@pytest.fixture
def project(db):
    return funded_project()


@pytest.fixture
def officer(app, db):
    return sign_in_client(app, UserFactory(roles=[Role.PROGRAMME_OFFICER]))


def measures(db, project) -> list[OutcomeMeasure]:
    db.session.expire_all()
    return db.session.scalars(
        db.select(OutcomeMeasure).where(OutcomeMeasure.project_id == project.id).order_by(OutcomeMeasure.position)
    ).all()


def events(db, action: str) -> list[AuditEvent]:
    return db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


NEW = {
    "name": "People supported at home",
    "unit": "people",
    "baseline": "120",
    "target": "200",
    "direction": "up",
    "reason": "The board asked for a measure of people kept at home.",
}


def test_an_officer_adds_a_measure_and_the_next_report_asks_for_it(db, app, project, officer):
    [from_bid] = measures(db, project)
    response = officer.post(f"/projects/{project.id}/measures/new", data=NEW)
    assert response.status_code == 302 and response.headers["Location"] == f"/projects/{project.id}/monitoring#outcomes"
    first, added = measures(db, project)
    assert first.id == from_bid.id
    assert (added.name, added.unit, added.baseline, added.target, added.direction, added.position) == (
        "People supported at home",
        "people",
        120,
        200,
        "up",
        2,
    )
    [event] = events(db, "monitoring.measure_added")
    assert event.after["reason"] == NEW["reason"] and event.after["target"] == 200 and event.before is None
    page = text(officer.get(f"/projects/{project.id}/monitoring").get_data(as_text=True))
    assert "People supported at home" in page and "Change this measure People supported at home" in page

    report = _open(db, _reports(db, project)[0])
    lead = sign_in_client(app, project.application.lead_applicant)
    url = f"/projects/{project.id}/reports/{report.id}"
    assert f'name="outcome_{added.id}"' in lead.get(url).get_data(as_text=True)
    data = {
        **_complete(),
        f"outcome_{from_bid.id}": "35",
        f"outcome_{added.id}": "140",
        "submit": "y",
    }
    assert lead.post(url, data=data).status_code == 302
    stored = db.session.scalars(db.select(OutcomeValue.value).where(OutcomeValue.measure_id == added.id)).all()
    assert stored == [140]


def test_an_officer_corrects_a_measure_and_reported_values_stay(db, project, officer):
    [measure] = measures(db, project)
    unit_before = measure.unit
    report = db.session.scalars(db.select(ProgressReport).where(ProgressReport.project_id == project.id)).first()
    db.session.add(OutcomeValue(measure_id=measure.id, report_id=report.id, recorded_on=date.today(), value=31))
    db.session.commit()
    page = officer.get(f"/projects/{project.id}/measures/{measure.id}").get_data(as_text=True)
    assert 'value="Delayed discharges"' in page and 'value="40"' in page and 'name="submission"' not in page

    change = {"name": "Delayed discharges", "unit": "per month", "baseline": "44", "target": "20", "direction": "down"}
    response = officer.post(
        f"/projects/{project.id}/measures/{measure.id}", data={**change, "reason": "The baseline was recounted."}
    )
    assert response.status_code == 302
    [stored] = measures(db, project)
    assert (stored.baseline, stored.target, stored.unit) == (44, 20, "per month")
    assert db.session.scalars(db.select(OutcomeValue.value).where(OutcomeValue.measure_id == measure.id)).all() == [31]
    [event] = events(db, "monitoring.measure_changed")
    assert event.before == {"baseline": 40, **({"unit": unit_before} if unit_before != "per month" else {})}
    assert event.after["baseline"] == 44 and event.after["reason"] == "The baseline was recounted."
    assert "name" not in event.after  # only what changed


def test_bad_input_is_explained_and_changes_nothing(db, project, officer):
    [measure] = measures(db, project)
    html = officer.post(
        f"/projects/{project.id}/measures/new", data={"name": " ", "baseline": "lots", "reason": ""}
    ).get_data(as_text=True)
    assert error_summary(html) == [
        "Enter the name of the measure",
        "Baseline (optional) must be a number, like 120 or 12.5",
        "Choose whether higher or lower is better",
        "Say why the measure is added or changed",
    ]
    unchanged = {"name": measure.name, "unit": measure.unit, "baseline": "40", "target": "20", "direction": "down"}
    response = officer.post(
        f"/projects/{project.id}/measures/{measure.id}", data={**unchanged, "reason": "Checking it again."}
    )
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "name") == "Nothing has changed: change the measure, or go back"
    assert [m.id for m in measures(db, project)] == [measure.id]
    assert events(db, "monitoring.measure_added") == events(db, "monitoring.measure_changed") == []
    assert len(events(db, "monitoring.measure_refused")) == 1


def test_only_programme_officers_adjust_measures_and_not_once_the_project_is_closed(db, app, project, officer):
    """(Each end of a project, and the service's refusal, in test_finished.py.)"""
    [measure] = measures(db, project)
    paths = [f"/projects/{project.id}/measures/new", f"/projects/{project.id}/measures/{measure.id}"]
    team = sign_in_client(app, project.application.lead_applicant)
    enabler_user = EnablerProfileFactory().user
    assign(project, enabler_user)
    enabler = sign_in_client(app, enabler_user)
    outsider = sign_in_client(app, ApplicantFactory())
    for path in paths:
        assert team.get(path).status_code == 403 and team.post(path, data=NEW).status_code == 403
        assert enabler.get(path).status_code == 403
        assert outsider.get(path).status_code == 404
    assert "Add an outcome measure" not in team.get(f"/projects/{project.id}/monitoring").get_data(as_text=True)
    other = funded_project()
    assert officer.get(f"/projects/{other.id}/measures/{measure.id}").status_code == 404
    close(project)
    response = officer.get(paths[0])
    assert response.status_code == 303 and response.location.endswith(f"/projects/{project.id}/monitoring#outcomes")
    assert "Add an outcome measure" not in officer.get(f"/projects/{project.id}/monitoring").get_data(as_text=True)
    assert [m.id for m in measures(db, project)] == [measure.id]


def test_a_new_measure_sent_twice_is_added_once(db, project, officer):
    key = form_key(officer.get(f"/projects/{project.id}/measures/new").get_data(as_text=True))
    assert officer.post(f"/projects/{project.id}/measures/new", data={**NEW, "submission": key}).status_code == 302
    assert officer.post(f"/projects/{project.id}/measures/new", data={**NEW, "submission": key}).status_code == 303
    assert len(measures(db, project)) == 2


def test_a_submitted_report_shows_the_target_it_was_sent_against(db, app, project, officer):
    [measure] = measures(db, project)
    report = _open(db, _reports(db, project)[0])
    lead = sign_in_client(app, project.application.lead_applicant)
    url = f"/projects/{project.id}/reports/{report.id}"
    data = {
        **_complete(),
        f"outcome_{measure.id}": "35",
        "submit": "y",
    }
    assert lead.post(url, data=data).status_code == 302
    assert db.session.get(ProgressReport, report.id).measures_at_submission == [
        {
            "id": measure.id,
            "name": "Delayed discharges",
            "unit": measure.unit,
            "baseline": 40,
            "target": 20,
            "direction": "down",
        }
    ]
    change = {"name": "Delayed discharges (per 1,000 people)", "unit": measure.unit, "baseline": "40", "target": "15"}
    response = officer.post(
        f"/projects/{project.id}/measures/{measure.id}",
        data={**change, "direction": "down", "reason": "Rebased on population."},
    )
    assert response.status_code == 302
    monitoring = text(officer.get(f"/projects/{project.id}/monitoring").get_data(as_text=True))
    assert "Delayed discharges (per 1,000 people)” has been saved." in monitoring
    page = text(officer.get(url).get_data(as_text=True))
    assert "Delayed discharges 35 20" in page  # as sent: its name and target then
    assert "per 1,000 people" not in page
