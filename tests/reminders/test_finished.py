"""No reminder of any kind goes for a project that has finished (closed, its award given up, or ended
early): not its reports, its learning commitments, its enabler's quiet spell nor its tranches. A
project in close-out is still reminded (it still owes its final report). Through the sweep itself, on
PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from grants.core.db import utcnow
from grants.extensions import db
from grants.funding.models import TrancheStatus
from grants.learning.models import LearningCommitment
from grants.monitoring.models import ProgressReport
from grants.notifications.models import Notification
from grants.projects import ending
from grants.projects.models import EnablerAssignment, ProjectStatus
from grants.reminders.rules import Moment
from grants.reminders.sweep import run_reminders, tell_officers_tranche_eligible
from tests.factories import funded_project
from tests.funding.conftest import confirm_match, give_enabler, issue_and_sign, tranches
from tests.projects.endings import ENDS, an_officer, close, finish, pay_first_tranche, start_closeout
from tests.reminders.test_sweep import noon, sweep

KINDS = ("report_due", "commitment_due", "quiet_enabler", "tranche_eligible")


@pytest.fixture
def today():
    return Moment.at(utcnow()).today


def reports_of(project) -> list[ProgressReport]:
    return list(
        db.session.scalars(
            db.select(ProgressReport).where(ProgressReport.project_id == project.id).order_by(ProgressReport.sequence)
        )
    )


def due_everything(project, today, *, paid=False):
    """A running project owed every reminder: a report due in ten days, a learning commitment due in
    five, an enabler quiet for 45 days and a tranche that has just become eligible."""
    officer = an_officer()
    if paid:  # the first tranche paid (so that the project can end early)
        pay_first_tranche(project, officer)
    else:
        issue_and_sign(project, officer)
        confirm_match(project, officer)
        give_enabler(project, officer)
    for report in reports_of(project):
        report.due_on = today + timedelta(days=10 if report.sequence == 1 else 200 + report.sequence)
    commitment = db.session.scalars(
        db.select(LearningCommitment).where(LearningCommitment.project_id == project.id)
    ).first()
    commitment.due_on = today + timedelta(days=5)
    assignment = db.session.scalars(
        db.select(EnablerAssignment).where(EnablerAssignment.project_id == project.id)
    ).one()
    assignment.starts_on = today - timedelta(days=45)
    waiting = [tranche for tranche in tranches(project) if tranche.status != TrancheStatus.RELEASED]
    for tranche in waiting:
        tranche.status, tranche.eligible_at = TrancheStatus.SCHEDULED, None
    waiting[0].status, waiting[0].eligible_at = TrancheStatus.ELIGIBLE, utcnow()
    db.session.commit()
    return project


def reminders_about(project) -> dict[str, set[str]]:
    """Template → who was sent something about ``project`` (its reference is in every subject)."""
    found: dict[str, set[str]] = {}
    for row in db.session.scalars(db.select(Notification).where(Notification.subject.contains(project.reference))):
        if row.template.startswith("reminder_") or row.template == "tranche_eligible":
            found.setdefault(row.template, set()).add(row.recipient_email)
    return found


@pytest.mark.parametrize("outcome", ENDS)
def test_no_reminder_of_any_kind_goes_for_a_finished_project(db, today, outcome):
    finished = due_everything(funded_project(), today, paid=outcome == ProjectStatus.ENDED_EARLY)
    running = due_everything(funded_project(finished.round), today)
    db.session.query(Notification).delete()  # what setting them up sent (an agreement issued, a tranche paid)
    db.session.commit()
    finish(finished, outcome)

    counts = sweep(noon(today))
    assert {kind: counts[kind] > 0 for kind in KINDS} == dict.fromkeys(KINDS, True), "the running project's"
    assert set(reminders_about(running)) == {
        "reminder_report_due",
        "reminder_commitment_due",
        "reminder_quiet_enabler",
        "tranche_eligible",
    }
    assert reminders_about(finished) == {}

    # Nor later, as each stage comes round: the report due in 3 days, then overdue, week after week.
    for days in (8, 12, 19, 40):
        sweep(noon(today + timedelta(days=days)))
    assert reminders_about(finished) == {}


def test_a_project_in_close_out_is_reminded_of_its_final_report_and_once_closed_is_not(db, today):
    project = start_closeout(funded_project())
    lead = project.application.lead_applicant
    final = reports_of(project)[-1]
    assert final.is_final
    for report in reports_of(project):
        report.due_on = today + timedelta(days=10 if report.is_final else 200 + report.sequence)
    db.session.commit()

    assert sweep(noon(today))["report_due"] == 1
    assert reminders_about(project)["reminder_report_due"] == {lead.email}
    close(project)
    for days in (8, 12, 19):
        assert sweep(noon(today + timedelta(days=days)))["report_due"] == 0
    rows = db.session.scalars(db.select(Notification).where(Notification.template == "reminder_report_due")).all()
    assert len(rows) == 1, "the 3-day and overdue stages never went"


def test_a_reminder_queued_before_the_project_ended_is_not_sent_after(db, today):
    officer = an_officer()
    project = start_closeout(funded_project(), officer)
    reports_of(project)[-1].due_on = today + timedelta(days=2)
    db.session.scalars(
        db.select(LearningCommitment).where(LearningCommitment.project_id == project.id)
    ).one().due_on = today + timedelta(days=2)
    db.session.commit()
    counts = run_reminders()
    assert (counts["report_due"], counts["commitment_due"]) == (1, 1)
    left = [item for item in ending.closeout_items(project) if not item.done]
    ending.close_project(project, note="Done.", exceptions={item.key: "No." for item in left}, actor=officer)
    db.session.commit()  # the reminders are written as they are sent, after the project closed
    rows = db.session.scalars(
        db.select(Notification).where(Notification.template.in_(("reminder_report_due", "reminder_commitment_due")))
    ).all()
    assert sorted((row.template, row.status, row.body_text) for row in rows) == [
        ("reminder_commitment_due", "cancelled", None),
        ("reminder_report_due", "cancelled", None),
    ]


@pytest.mark.parametrize("outcome", ENDS)
def test_a_tranche_of_a_finished_project_is_never_announced_even_if_marked_eligible(db, today, outcome):
    project = finish(due_everything(funded_project(), today, paid=outcome == ProjectStatus.ENDED_EARLY), outcome)
    db.session.query(Notification).delete()
    unpaid = [tranche for tranche in tranches(project) if tranche.status != TrancheStatus.RELEASED]
    assert {tranche.status for tranche in unpaid} == {TrancheStatus.CANCELLED}
    assert sweep(noon(today))["tranche_eligible"] == 0, "a cancelled tranche is never announced"

    unpaid[0].status, unpaid[0].eligible_at = TrancheStatus.ELIGIBLE, utcnow()  # whatever marked it so
    db.session.commit()
    assert sweep(noon(today))["tranche_eligible"] == 0
    assert tell_officers_tranche_eligible(unpaid[0].id) == 0
    db.session.commit()
    assert reminders_about(project) == {}
