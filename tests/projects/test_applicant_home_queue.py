"""The applicant's home, for their funded projects: the agreement to sign, the changes asked of them,
the reports, learning commitments and self-assessments due. Each item links to where it is done and
leaves when it is done; a queue with nothing in it says so kindly."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from grants.core.permissions import Role
from grants.extensions import db as _db
from grants.learning import services as learning_services
from grants.learning.models import LearningCommitment
from grants.monitoring import services as monitoring_services
from grants.monitoring.models import ProgressReport
from tests.factories import ApplicantFactory, UserFactory, funded_project
from tests.fixtures.clients import sign_in_client
from tests.funding.conftest import agreement_of
from tests.leadership.test_stage_closure import _answer, _invite, _participant
from tests.learning.test_learning import item_form, write_item
from tests.projects.endings import close
from tests.work_queues import home_queue


@pytest.fixture
def project(db):
    return funded_project(title="Healthy Harbour")


@pytest.fixture
def lead(app, project):
    return sign_in_client(app, project.application.lead_applicant)


@pytest.fixture
def colleague(app, project):
    return sign_in_client(app, ApplicantFactory(organisation=project.application.lead_organisation))


@pytest.fixture
def officer(db):
    return UserFactory(roles=[Role.PROGRAMME_OFFICER])


def _reports(project) -> list[ProgressReport]:
    return list(
        _db.session.scalars(
            _db.select(ProgressReport).where(ProgressReport.project_id == project.id).order_by(ProgressReport.sequence)
        )
    )


def _open(report, *, ended_days_ago: int) -> ProgressReport:
    report.period_end = date.today() - timedelta(days=ended_days_ago)
    report.period_start = report.period_end - timedelta(days=90)
    report.due_on = report.period_end + timedelta(days=14)
    _db.session.commit()
    return report


REPORT = {
    "narrative": "We mapped the journey home.",
    "partnership_change": "The NHS and council co-chair.",
    "rag": "green",
}


# --- Agreements -------------------------------------------------------------------------------------------


def test_the_lead_signs_the_agreement_from_their_home(db, project, lead, colleague, officer):
    from grants.funding.services import agreements

    assert home_queue(lead, "funding.agreements").count == 0  # a draft is the programme team's
    agreements.issue_agreement(agreement_of(project), actor=officer)
    db.session.commit()
    count, words = home_queue(lead, "funding.agreements")[:2]
    assert count == 1 and f"Sign the grant agreement for {project.reference} Healthy Harbour" in words
    assert home_queue(colleague, "funding.agreements").count == 0  # only the lead applicant signs
    page = lead.get(f"/projects/{project.id}/agreement/1").get_data(as_text=True)
    digest = re.search(r'name="terms_digest"[^>]*value="([0-9a-f]{64})"', page).group(1)
    response = lead.post(
        f"/projects/{project.id}/agreement/1/sign",
        data={"full_name": lead.user.name, "confirm": "y", "terms_digest": digest},
    )
    assert response.status_code == 302
    count, words = home_queue(lead, "funding.agreements")[:2]
    assert count == 0 and "No grant agreement is waiting for your signature." in words


# --- Progress reports ---------------------------------------------------------------------------------------


def test_a_report_is_due_once_it_can_be_sent_and_leaves_when_submitted(db, project, lead, colleague):
    first, second, *_ = _reports(project)
    assert home_queue(lead, "monitoring.reports").count == 0  # the first period has not ended
    _open(first, ended_days_ago=20)  # due six days ago
    _open(second, ended_days_ago=-10)  # ends in ten days: it can be sent now
    count, words = home_queue(colleague, "monitoring.reports")[:2]
    assert count == 2
    assert f"Progress report 1 for {project.reference} Healthy Harbour" in words
    assert "Overdue since" in words and "Due" in words
    response = lead.post(f"/projects/{project.id}/reports/{first.id}", data={**REPORT, "submit": "y"})
    assert response.status_code == 302
    count, words = home_queue(lead, "monitoring.reports")[:2]
    assert count == 1 and "Progress report 1 " not in words and "Progress report 2" in words


def test_a_finished_projects_reports_are_not_asked_for(db, project, lead):
    _open(_reports(project)[0], ended_days_ago=20)
    close(project)
    count, words = home_queue(lead, "monitoring.reports")[:2]
    assert count == 0 and "No progress report is due from your projects at the moment." in words


# --- Changes asked --------------------------------------------------------------------------------------------


def test_changes_asked_on_a_report_and_on_learning_leave_when_sent_again(db, app, project, lead, officer):
    report = _open(_reports(project)[0], ended_days_ago=5)
    assert lead.post(f"/projects/{project.id}/reports/{report.id}", data={**REPORT, "submit": "y"}).status_code == 302
    monitoring_services.review_report(
        _db.session.get(ProgressReport, report.id), accept=False, comment="Add the outcome values.", actor=officer
    )
    item = write_item(project, lead.user, title="Getting home safely")
    learning_services.review_item(item, decision="return", comment="Ask for consent.", actor=officer)
    db.session.commit()
    count, words = home_queue(lead, "monitoring.changes")[:2]
    assert count == 2
    assert f"Change progress report 1 for {project.reference}" in words and "Changes requested" in words
    assert f"Revise ‘Getting home safely’ for {project.reference}" in words and "Learning returned" in words
    lead.post(f"/projects/{project.id}/reports/{report.id}", data={**REPORT, "submit": "y"})
    lead.post(
        f"/projects/{project.id}/learning/items/{item.id}/edit",
        data=item_form(themes=str(project.application.themes[0].id)),
    )
    count, words = home_queue(lead, "monitoring.changes")[:2]
    assert count == 0 and "The programme team has not asked you to change anything." in words


# --- Learning commitments ---------------------------------------------------------------------------------------


def test_a_commitment_due_within_a_month_waits_until_it_is_done(db, project, lead):
    [commitment] = _db.session.scalars(
        _db.select(LearningCommitment).where(LearningCommitment.project_id == project.id)
    ).all()
    assert home_queue(lead, "learning.commitments").count == 0  # due in a year
    commitment.due_on = date.today() - timedelta(days=3)
    db.session.commit()
    count, words = home_queue(lead, "learning.commitments")[:2]
    assert count == 1
    assert f"Publish a case study for {project.reference}" in words and "Publish what we learn." in words
    assert "Overdue since" in words
    response = lead.post(
        f"/projects/{project.id}/commitments/{commitment.id}",
        data={"status": "done", "evidence_url": "https://example.org/case-study", "evidence_note": ""},
    )
    assert response.status_code == 302
    count, words = home_queue(lead, "learning.commitments")[:2]
    assert count == 0 and "None of your projects' learning commitments is due in the next month." in words


# --- Self-assessments --------------------------------------------------------------------------------------------


def test_a_stage_with_answers_missing_waits_until_it_is_closed(db, project, lead):
    from grants.leadership import services

    framework = services.ensure_framework()
    db.session.commit()
    first, second, third = (_participant(project, n) for n in (1, 2, 3))
    for person in (first, second, third):
        _invite(framework, person, "baseline")
    _answer(framework, first, "baseline", 3)
    count, words = home_queue(lead, "leadership.assessments")[:2]
    assert count == 1
    assert f"Self-assessment at the start of {project.reference}" in words
    assert "1 of 3 invited has answered" in words
    response = lead.post(f"/projects/{project.id}/leadership/stages/baseline/close")
    assert response.status_code == 302
    count, words = home_queue(lead, "leadership.assessments")[:2]
    assert count == 0
    assert "Everyone invited to a self-assessment that is still open has answered it." in words


# --- Only one's own ----------------------------------------------------------------------------------------------


def test_another_organisations_project_work_is_not_shown(db, app, project, officer):
    from grants.funding.services import agreements

    agreements.issue_agreement(agreement_of(project), actor=officer)
    _open(_reports(project)[0], ended_days_ago=20)
    db.session.commit()
    stranger = sign_in_client(app, ApplicantFactory())
    for key in ("funding.agreements", "monitoring.reports", "monitoring.changes", "learning.commitments"):
        assert home_queue(stranger, key).count == 0, key


def test_a_person_without_an_organisation_sees_every_queue_empty(app, db):
    person = UserFactory(roles=[Role.APPLICANT])
    client = sign_in_client(app, person)
    page = client.get("/").get_data(as_text=True)
    keys = re.findall(r'data-queue="([^"]+)"', page)
    assert keys == [
        "conversations.unread",
        "applications.drafts",
        "applications.partners",
        "reviews.decisions",
        "funding.agreements",
        "monitoring.changes",
        "monitoring.reports",
        "learning.commitments",
        "leadership.assessments",
    ]
    assert set(re.findall(r'data-count="(\d+)"', page)) == {"0"}
    assert "Nothing needs you right now: every list below is clear." in page
