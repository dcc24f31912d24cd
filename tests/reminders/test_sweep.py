"""The reminder sweep, in-process: who is reminded of what, and only once per stage."""

from __future__ import annotations

from datetime import timedelta

import pytest

from grants.core.db import utcnow
from grants.core.permissions import Role
from grants.extensions import db
from grants.funding.models import Tranche
from grants.learning.models import LearningCommitment
from grants.monitoring.models import ProgressReport
from grants.notifications.models import Notification
from grants.projects.models import ProjectUpdate
from grants.reminders.rules import LONDON, Moment
from grants.reminders.sweep import run_reminders
from tests.factories import (
    ApplicantFactory,
    ApplicationFactory,
    ReviewAssignmentFactory,
    RoundFactory,
    UserFactory,
    assign,
    funded_project,
    under_review_bid,
)


def queued(kind_prefix: str = "") -> set[tuple[str, str, str]]:
    """(template, recipient, period) of every reminder in the outbox."""
    rows = db.session.scalars(db.select(Notification).where(Notification.dedupe_key.like(f"reminder:{kind_prefix}%")))
    return {(row.template, row.recipient_email, row.context["stage"]) for row in rows}


def sweep(now=None) -> dict[str, int]:
    counts = run_reminders(now)
    db.session.commit()
    return counts


@pytest.fixture
def today():
    return Moment.at(utcnow()).today


@pytest.fixture
def live_project(db, today):
    """An active project whose reports are all far off, with two people in its team and none outside it."""
    project = funded_project()
    project.status = "active"
    for report in db.session.scalars(db.select(ProgressReport).where(ProgressReport.project_id == project.id)):
        report.due_on = today + timedelta(days=200 + report.sequence)
    for tranche in db.session.scalars(db.select(Tranche).where(Tranche.project_id == project.id)):
        tranche.status, tranche.eligible_at = "scheduled", None
    db.session.commit()
    lead = project.application.lead_applicant
    colleague = ApplicantFactory(organisation=lead.organisation, email="colleague@example.org")
    ApplicantFactory(email="elsewhere@example.org")  # another organisation's applicant
    project.team = {lead.email, colleague.email}
    return project


def test_draft_owners_hear_a_week_and_a_day_before_the_round_closes(db):
    now = utcnow()
    round_ = RoundFactory(closes_at=now + timedelta(days=5))
    draft = ApplicationFactory(round=round_)
    ApplicationFactory(round=round_, status="withdrawn")
    ApplicationFactory(round=RoundFactory(closes_at=now + timedelta(days=20)))  # closes later

    assert sweep(now)["round_closing"] == 1
    assert queued() == {("reminder_round_closing", draft.lead_applicant.email, "7-days")}
    assert sweep(now + timedelta(days=2))["round_closing"] == 0, "the same stage is not sent again"

    sweep(now + timedelta(days=4, hours=2))
    assert queued() == {
        ("reminder_round_closing", draft.lead_applicant.email, "7-days"),
        ("reminder_round_closing", draft.lead_applicant.email, "1-day"),
    }
    assert sweep(now + timedelta(days=6))["round_closing"] == 0, "nothing after the round has closed"


def test_a_round_first_seen_a_day_before_closing_sends_only_the_last_reminder(db):
    now = utcnow()
    draft = ApplicationFactory(round=RoundFactory(closes_at=now + timedelta(hours=20)))
    sweep(now)
    assert queued() == {("reminder_round_closing", draft.lead_applicant.email, "1-day")}


def noon(day):
    """Midday in London on ``day``, in UTC: hours can be added without crossing into another day."""
    from datetime import UTC, datetime, time

    return datetime.combine(day, time(12), tzinfo=LONDON).astimezone(UTC)


def test_reviewers_hear_before_a_review_is_due_and_weekly_while_it_is_overdue(db, today):
    now = noon(today)
    application = under_review_bid()
    soon = ReviewAssignmentFactory(application=application, due_on=today + timedelta(days=2))
    ReviewAssignmentFactory(application=application, due_on=today + timedelta(days=10))  # not yet
    late = ReviewAssignmentFactory(application=application, due_on=today - timedelta(days=1))
    ReviewAssignmentFactory(application=application, due_on=today - timedelta(days=1), status="conflicted")
    week = Moment.at(now).week

    sweep(now)
    assert queued() == {
        ("reminder_review_due", soon.reviewer.email, "3-days"),
        ("reminder_review_due", late.reviewer.email, f"overdue-{week}"),
    }
    assert sweep(now + timedelta(hours=3))["review_due"] == 0

    next_week = now + timedelta(days=7)
    sweep(next_week)
    assert ("reminder_review_due", late.reviewer.email, f"overdue-{Moment.at(next_week).week}") in queued()
    assert ("reminder_review_due", soon.reviewer.email, f"overdue-{Moment.at(next_week).week}") in queued()


def test_the_project_team_hears_14_and_3_days_before_a_report_and_while_it_is_overdue(db, live_project, today):
    now = noon(today)
    report = db.session.scalars(
        db.select(ProgressReport).where(ProgressReport.project_id == live_project.id).order_by(ProgressReport.sequence)
    ).first()
    report.due_on = today + timedelta(days=10)
    db.session.commit()

    assert sweep(now)["report_due"] == 2
    assert queued() == {("reminder_report_due", email, "14-days") for email in live_project.team}
    assert sweep(now + timedelta(days=6))["report_due"] == 0, "4 days before: still the 14-day stage"
    assert sweep(now + timedelta(days=8))["report_due"] == 2, "2 days before: the 3-day stage"
    later = now + timedelta(days=12)
    assert sweep(later)["report_due"] == 2
    assert (
        "reminder_report_due",
        live_project.application.lead_applicant.email,
        f"overdue-{Moment.at(later).week}",
    ) in (queued())

    report.status, report.submitted_at, report.submitted_by_id = (
        "submitted",
        utcnow(),
        live_project.application.lead_applicant_id,
    )
    db.session.commit()
    assert sweep(now + timedelta(days=20))["report_due"] == 0, "a submitted report is not chased"


def test_learning_commitments_are_chased_when_due_and_overdue_but_not_once_done(db, live_project, today):
    now = noon(today)
    due = LearningCommitment(
        project_id=live_project.id, kind="case_study", description="A case study.", due_on=today + timedelta(days=5)
    )
    done = LearningCommitment(
        project_id=live_project.id,
        kind="learning_event",
        description="An event.",
        due_on=today - timedelta(days=3),
        status="done",
        evidence_url="https://example.org/event",
        done_at=utcnow(),
    )
    undated = LearningCommitment(project_id=live_project.id, kind="case_study", description="Some day.")
    db.session.add_all([due, done, undated])
    db.session.commit()

    assert sweep(now)["commitment_due"] == 2
    assert {stage for _, _, stage in queued("reminder_commitment_due")} == {"7-days"}
    later = now + timedelta(days=6)
    assert sweep(later)["commitment_due"] == 2
    assert {stage for _, _, stage in queued("reminder_commitment_due")} == {
        "7-days",
        f"overdue-{Moment.at(later).week}",
    }


def test_programme_officers_hear_once_when_a_tranche_becomes_eligible(db, live_project):
    officers = [UserFactory(roles=[Role.PROGRAMME_OFFICER]), UserFactory(roles=[Role.PROGRAMME_OFFICER])]
    UserFactory(roles=[Role.PROGRAMME_OFFICER], is_active=False)
    tranche = db.session.scalars(
        db.select(Tranche).where(Tranche.project_id == live_project.id, Tranche.sequence == 1)
    ).one()
    tranche.status, tranche.eligible_at = "eligible", utcnow()
    db.session.commit()

    assert sweep()["tranche_eligible"] == 2
    assert {email for template, email, _ in queued() if template == "tranche_eligible"} == {o.email for o in officers}
    assert sweep()["tranche_eligible"] == 0

    tranche.status, tranche.eligible_at = "scheduled", None  # a condition reopened
    db.session.commit()
    tranche.status, tranche.eligible_at = "eligible", utcnow() + timedelta(seconds=5)
    db.session.commit()
    assert sweep()["tranche_eligible"] == 2, "eligible again: told again"

    tranche.eligible_at = utcnow() - timedelta(days=3)  # long eligible: the moment itself told them, or it is old news
    db.session.commit()
    assert sweep()["tranche_eligible"] == 0


def test_a_project_with_no_enabler_update_for_30_days_is_flagged_to_the_enabler_and_officers(db, live_project, today):
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    enabler = UserFactory(roles=[Role.ENABLER])
    assign(live_project, enabler, starts_on=today - timedelta(days=45))
    db.session.add(
        ProjectUpdate(
            project_id=live_project.id,
            author_id=enabler.id,
            happened_on=today - timedelta(days=20),
            kind="partnership_meeting",
            what_happened="Met the partners.",
            rag="green",
        )
    )
    db.session.commit()
    assert sweep()["quiet_enabler"] == 0, "updated 20 days ago"

    later = utcnow() + timedelta(days=11)
    assert sweep(later)["quiet_enabler"] == 2
    since = (today - timedelta(days=20)).isoformat()
    assert queued() == {
        ("reminder_quiet_enabler", enabler.email, f"since-{since}"),
        ("reminder_quiet_enabler", officer.email, f"since-{since}"),
    }
    assert sweep(later + timedelta(days=3))["quiet_enabler"] == 0, "once for each quiet spell"


def _update(project, author, happened_on):
    db.session.add(
        ProjectUpdate(
            project_id=project.id,
            author_id=author.id,
            happened_on=happened_on,
            kind="partnership_meeting",
            what_happened="Met the partners.",
            rag="green",
        )
    )


def test_only_the_current_enabler_and_their_updates_count_towards_a_quiet_spell(db, live_project, today):
    UserFactory(roles=[Role.PROGRAMME_OFFICER])
    outgoing, incoming = UserFactory(roles=[Role.ENABLER]), UserFactory(roles=[Role.ENABLER])
    ended = assign(live_project, outgoing, starts_on=today - timedelta(days=60))
    ended.ends_on = today  # their support ended today, without an update for 60 days
    assign(live_project, incoming, starts_on=today)
    _update(live_project, incoming, today)
    db.session.commit()
    assert sweep()["quiet_enabler"] == 0, "the enabler whose support has ended is not reminded about"

    # An enabler back on a project they supported before: an update from then does not shorten this spell.
    other = funded_project(live_project.round)
    other.status = "active"
    earlier = assign(other, incoming, starts_on=today - timedelta(days=100))
    _update(other, incoming, today - timedelta(days=90))
    earlier.ends_on = today - timedelta(days=80)
    db.session.commit()
    assign(other, incoming, starts_on=today - timedelta(days=10))
    assert sweep()["quiet_enabler"] == 0, "quiet for 10 days of this assignment, not 90 since the last update"
    assert sweep(utcnow() + timedelta(days=21))["quiet_enabler"] == 2, "30 days into the assignment, to both"


def test_reminders_are_written_when_sent_and_say_when_the_thing_is_due(db, live_project, today):
    report = db.session.scalars(db.select(ProgressReport).where(ProgressReport.project_id == live_project.id)).first()
    report.due_on = today + timedelta(days=10)
    db.session.commit()
    sweep()
    rows = db.session.scalars(db.select(Notification).where(Notification.template == "reminder_report_due")).all()
    assert {row.status for row in rows} == {"captured"}
    lead = live_project.application.lead_applicant
    [mine] = [row for row in rows if row.recipient_email == lead.email]
    assert mine.subject == f"Progress report due soon: {live_project.reference}"
    assert f"Dear {lead.name}," in mine.body_text
    assert f"{report.title} for {live_project.reference}" in mine.body_text
    assert "due on " in mine.body_text and f"/projects/{live_project.id}/reports/{report.id}" in mine.body_text
    assert f"/projects/{live_project.id}/reports/{report.id}" in mine.body_html


def test_a_reminder_whose_report_was_submitted_before_it_went_is_cancelled(db, live_project, today):
    report = db.session.scalars(db.select(ProgressReport).where(ProgressReport.project_id == live_project.id)).first()
    report.due_on = today + timedelta(days=2)
    db.session.commit()
    run_reminders()
    report.status, report.submitted_at, report.submitted_by_id = (
        "submitted",
        utcnow(),
        live_project.application.lead_applicant_id,
    )
    db.session.commit()  # the batch is sent now, after the report went in
    rows = db.session.scalars(db.select(Notification).where(Notification.template == "reminder_report_due")).all()
    assert len(rows) == 2
    assert {(row.status, row.body_text, row.attempts) for row in rows} == {("cancelled", None, 0)}


def test_a_sweep_that_rolls_back_leaves_nothing_queued(db, live_project, today):
    report = db.session.scalars(db.select(ProgressReport).where(ProgressReport.project_id == live_project.id)).first()
    report.due_on = today + timedelta(days=2)
    db.session.commit()
    assert run_reminders()["report_due"] == 2
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == 0
    assert sweep()["report_due"] == 2, "the next sweep queues them"


def test_the_reminders_page_lists_what_a_person_receives_and_their_own_reminders_only(
    db, live_project, today, client_for
):
    report = db.session.scalars(db.select(ProgressReport).where(ProgressReport.project_id == live_project.id)).first()
    report.due_on = today + timedelta(days=2)
    draft = ApplicationFactory(round=RoundFactory(closes_at=utcnow() + timedelta(days=3)))
    db.session.commit()
    sweep()
    lead = live_project.application.lead_applicant
    page = client_for(lead).get("/account/reminders").get_data(as_text=True)
    assert "Your project&#39;s progress report is due" in page or "Your project's progress report is due" in page
    assert "14 days and 3 days before it is due" in page
    assert f"Progress report due soon: {live_project.reference}" in page
    assert "Your bid is still a draft" not in page, "another person's reminder"
    assert "A review you were asked for is due" not in page, "not a reviewer"

    other = client_for(draft.lead_applicant).get("/account/reminders").get_data(as_text=True)
    assert "Your bid is still a draft" in other and live_project.reference not in other

    reviewer = client_for(UserFactory(roles=[Role.STEERING_MEMBER])).get("/account/reminders").get_data(as_text=True)
    assert "A review you were asked for is due" in reviewer and "None yet." in reviewer


def test_the_reminders_page_needs_sign_in(client):
    response = client.get("/account/reminders")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_the_jobs_command_runs_the_sweep_and_sends_the_outbox(db, app, live_project, today):
    report = db.session.scalars(db.select(ProgressReport).where(ProgressReport.project_id == live_project.id)).first()
    report.due_on = today + timedelta(days=2)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["jobs", "run-reminders"])
    assert result.exit_code == 0, result.output
    assert "report due: 2" in result.output and "2 new reminders queued." in result.output
    again = runner.invoke(args=["jobs", "run-reminders"])
    assert "0 new reminders queued." in again.output
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).where(Notification.status == "captured")) == 2

    waiting = Notification(
        recipient_email="late@example.org",
        template="password_changed",
        context={},
        subject="Waiting",
        body_text="Hello",
        body_html="<p>Hello</p>",
    )
    db.session.add(waiting)
    db.session.commit()
    result = runner.invoke(args=["jobs", "send-outbox"])
    assert result.exit_code == 0 and "captured: 1" in result.output, result.output
    assert runner.invoke(args=["jobs", "send-outbox"]).output.strip() == "No email waiting to be sent."


def test_each_rule_is_one_query_however_many_are_due(db, live_project, today):
    from sqlalchemy import event

    statements = []

    def count(*args):
        statements.append(args[2])

    for days in (2, 3):
        for _ in range(days):
            draft = ApplicationFactory(round=RoundFactory(closes_at=utcnow() + timedelta(days=days)))
            assert draft.id
    db.session.commit()
    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        run_reminders()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT INTO NOTIFICATIONS")]
    assert len(inserts) == 7, "one statement per query of each rule (the quiet-enabler rule has two)"
    assert len([s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE"))]) == 7
    db.session.rollback()


def test_the_jobs_command_compiles_progress_once_at_a_time(db, app, live_project):
    from grants.progress.models import ProgressCompilation

    runner = app.test_cli_runner()
    result = runner.invoke(args=["jobs", "compile-progress"])
    assert result.exit_code == 0, result.output
    [compilation] = db.session.scalars(db.select(ProgressCompilation)).all()
    assert compilation.status == "done" and compilation.trigger == "cli"
    assert f"Compiled progress of {compilation.projects_total} projects" in result.output
    assert compilation.projects_total >= 1

    db.session.add(ProgressCompilation(status="running", trigger="officer", started_at=utcnow()))
    db.session.commit()
    refused = runner.invoke(args=["jobs", "compile-progress"])
    assert refused.exit_code != 0 and "Traceback" not in refused.output
    assert "under way" in refused.output or "already" in refused.output, refused.output
    assert db.session.scalar(db.select(db.func.count(ProgressCompilation.id))) == 2


def test_a_reminder_that_cannot_be_written_fails_alone_and_the_rest_of_its_batch_is_sent(
    db, live_project, today, monkeypatch
):
    from grants.notifications.services import DEFERRED
    from grants.notifications.tasks import MAX_ATTEMPTS, send_batch
    from grants.reminders import sweep as sweep_module
    from tests.helpers import run_task

    report = db.session.scalars(db.select(ProgressReport).where(ProgressReport.project_id == live_project.id)).first()
    report.due_on = today + timedelta(days=2)
    db.session.add(
        LearningCommitment(
            project_id=live_project.id, kind="case_study", description="A case study.", due_on=today + timedelta(days=2)
        )
    )
    db.session.commit()
    queued_ids = []
    monkeypatch.setattr(sweep_module, "enqueue_batches", queued_ids.extend)  # queue them, send them below
    run_reminders()
    db.session.commit()
    broken = db.session.scalars(db.select(Notification).where(Notification.template == "reminder_commitment_due")).all()
    for row in broken:
        row.attempts = MAX_ATTEMPTS - 1
    db.session.commit()

    def cannot_write(context):
        raise KeyError("description")

    monkeypatch.setitem(DEFERRED, "reminder_commitment_due", cannot_write)
    outcome = run_task(send_batch, sorted(queued_ids))
    assert outcome == {"failed": 2, "captured": 2}
    db.session.expire_all()
    rows = db.session.scalars(db.select(Notification).order_by(Notification.id)).all()
    by_template = {(row.template, row.status) for row in rows}
    assert by_template == {("reminder_commitment_due", "failed"), ("reminder_report_due", "captured")}
    assert all(row.body_text.startswith("[Not written: KeyError") for row in rows if row.status == "failed")


def test_a_batch_stops_trying_when_the_mail_server_cannot_be_reached(smtp_app, db, live_project, today, monkeypatch):
    import socket

    from grants.notifications.tasks import send_batch
    from grants.reminders import sweep as sweep_module
    from tests.helpers import run_task

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]
    monkeypatch.setitem(smtp_app.config, "MAIL_PORT", closed_port)
    report = db.session.scalars(db.select(ProgressReport).where(ProgressReport.project_id == live_project.id)).first()
    report.due_on = today + timedelta(days=2)
    db.session.commit()
    queued_ids = []
    monkeypatch.setattr(sweep_module, "enqueue_batches", queued_ids.extend)
    run_reminders()
    db.session.commit()
    assert run_task(send_batch, sorted(queued_ids)) == {"pending": 1, "deferred": 1}
    db.session.expire_all()
    attempts = sorted(db.session.scalars(db.select(Notification.attempts)).all())
    assert attempts == [0, 1], "the second was not tried against a server that is not there"
