"""Monitoring a project: its milestones, its progress reports (written by the project team, reviewed
by a programme officer) and the values of its outcome measures. Each function checks, changes,
flushes and audits; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from grants.core import audit
from grants.core.dates import add_months
from grants.core.db import lock_and_refresh, utcnow
from grants.core.errors import AlreadyDone, GrantsError
from grants.core.signals import project_changed
from grants.core.times import format_date
from grants.core.workflow import Workflow
from grants.extensions import db
from grants.monitoring.models import Milestone, OutcomeMeasure, OutcomeValue, ProgressReport, ReportStatus
from grants.monitoring.permissions import can_review, is_project_team, may_adjust_measures, may_keep_milestones
from grants.notifications.services import queue_email
from grants.projects.finished import how_it_ended

REPORT_DUE_DAYS = 14  # a regular report is due two weeks after its period ends
OPENS_DAYS_BEFORE_END = 14  # and can be submitted from two weeks before

REPORT_WORKFLOW = Workflow(
    "progress report",
    {
        ReportStatus.DUE: {ReportStatus.SUBMITTED},
        ReportStatus.SUBMITTED: {ReportStatus.ACCEPTED, ReportStatus.CHANGES_REQUESTED},
        ReportStatus.CHANGES_REQUESTED: {ReportStatus.SUBMITTED},
    },
    states=ReportStatus,
)


class MonitoringError(GrantsError):
    """A monitoring change the service refuses; ``field`` names what it is about (``title``, ``done_on``)."""


class ProjectFinished(MonitoringError):
    """A change to the monitoring of a project that has finished: it is kept as it stood."""

    def __init__(self, project: Any, what: str):
        super().__init__(
            f"{how_it_ended(project)}: the project's {what} are kept as a record and can no longer change."
        )


def check_not_finished(project: Any, what: str) -> None:
    """Refuse any change to ``what`` (reports, milestones...) once the project has finished. Under the
    project's row lock: a change sent as the project ends waits for the end, then is refused."""
    lock_and_refresh(db.session, project)
    if project.is_finished:
        raise ProjectFinished(project, what)


class MilestoneGone(MonitoringError, AlreadyDone):
    """The milestone was removed a moment ago, by another press of the button."""

    def __init__(self) -> None:
        super().__init__("That milestone had already been removed.")


class ReportSubmittedAlready(MonitoringError, AlreadyDone):
    """A second press of "Submit" on a report (or the slower of two)."""

    def __init__(self, report: ProgressReport):
        super().__init__(f"{report.title} had already been submitted.")


class ReportReviewedAlready(MonitoringError, AlreadyDone):
    """A second press of a review (or the slower of two officers')."""

    def __init__(self, report: ProgressReport):
        outcome = "accepted" if report.status == ReportStatus.ACCEPTED else "sent back for changes"
        super().__init__(f"{report.title} for {report.project.reference} had already been {outcome}.")


def is_reviewed(report: ProgressReport) -> bool:
    return report.status in (ReportStatus.ACCEPTED, ReportStatus.CHANGES_REQUESTED) and report.reviewed_at is not None


# --- Setting up ---------------------------------------------------------------------------------------


def report_periods(starts_on: date, ends_on: date, every_months: int) -> list[tuple[date, date, date, bool]]:
    """``(start, end, due, is_final)`` for each report: one for every ``every_months`` from the start
    while a period ends before the project does, then a final report for the whole project, due a
    month after its end (it covers the last period too)."""
    periods, number = [], 1
    while True:
        start = add_months(starts_on, (number - 1) * every_months)
        end = add_months(starts_on, number * every_months) - timedelta(days=1)
        if end >= ends_on:
            break
        periods.append((start, end, end + timedelta(days=REPORT_DUE_DAYS), False))
        number += 1
    periods.append((starts_on, ends_on, add_months(ends_on, 1), True))
    return periods


def set_up_monitoring(project: Any, application: Any, *, actor: Any = None) -> None:
    """A new project's schedule of reports, and the outcome measures from its bid."""
    periods = report_periods(project.starts_on, project.ends_on, application.round.report_every_months)
    db.session.add_all(
        ProgressReport(
            project_id=project.id,
            sequence=sequence,
            is_final=is_final,
            period_start=start,
            period_end=end,
            due_on=due,
        )
        for sequence, (start, end, due, is_final) in enumerate(periods, start=1)
    )
    db.session.add_all(
        OutcomeMeasure(
            project_id=project.id,
            position=plan.position,
            name=plan.name,
            unit=plan.unit,
            baseline=plan.baseline,
            target=plan.target,
            direction=plan.direction,
            source_plan_id=plan.id,
        )
        for plan in application.measures
    )
    db.session.flush()
    audit.record(
        "monitoring.scheduled",
        project,
        actor=actor,
        after={"reports": [[sequence, due.isoformat()] for sequence, (_, _, due, _) in enumerate(periods, start=1)]},
    )


# --- Milestones -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MilestoneValues:
    title: str
    due_on: date
    done_on: date | None
    owner: str


def _check_milestone(project: Any, values: MilestoneValues) -> None:
    if not values.title.strip():
        raise MonitoringError("Enter what the milestone is", field="title")
    if values.done_on and values.done_on > date.today():
        raise MonitoringError("The date it was done must be today or in the past", field="done_on")
    if values.done_on and values.done_on < project.starts_on:
        raise MonitoringError(
            f"The date it was done must be on or after {format_date(project.starts_on)}, when the project started",
            field="done_on",
        )


def save_milestone(project: Any, milestone: Milestone | None, values: MilestoneValues, *, actor: Any) -> Milestone:
    if not may_keep_milestones(actor, project):
        raise MonitoringError("Only the project team or a programme officer can change milestones.")
    check_not_finished(project, "milestones")
    _check_milestone(project, values)
    before = _milestone_summary(milestone) if milestone else None
    if milestone is None:
        milestone = Milestone(project_id=project.id)
        db.session.add(milestone)
    milestone.title, milestone.due_on = values.title.strip(), values.due_on
    milestone.done_on, milestone.owner = values.done_on, values.owner.strip()
    db.session.flush()
    after = _milestone_summary(milestone)
    if after != before:
        audit.record("monitoring.milestone_saved", milestone, actor=actor, before=before, after=after)
    return milestone


def remove_milestone(milestone: Milestone, *, actor: Any, project: Any) -> None:
    if not may_keep_milestones(actor, project):
        raise MonitoringError("Only the project team or a programme officer can change milestones.")
    check_not_finished(project, "milestones")
    locked = db.select(Milestone.id).where(Milestone.id == milestone.id).with_for_update()
    if db.session.scalar(locked) is None:  # removed by another press, which held the lock until it committed
        raise MilestoneGone()
    audit.record("monitoring.milestone_removed", milestone, actor=actor, before=_milestone_summary(milestone))
    db.session.delete(milestone)
    db.session.flush()


def _milestone_summary(milestone: Milestone) -> dict[str, Any]:
    return {
        "title": milestone.title,
        "due_on": milestone.due_on.isoformat(),
        "done_on": milestone.done_on.isoformat() if milestone.done_on else None,
        "owner": milestone.owner,
    }


# --- Outcome measures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureValues:
    name: str
    unit: str
    baseline: float | None
    target: float | None
    direction: str
    reason: str


def _measure_summary(measure: OutcomeMeasure) -> dict[str, Any]:
    return {
        "name": measure.name,
        "unit": measure.unit,
        "baseline": measure.baseline,
        "target": measure.target,
        "direction": measure.direction,
    }


def save_measure(project: Any, measure: OutcomeMeasure | None, values: MeasureValues, *, actor: Any) -> OutcomeMeasure:
    """Add an outcome measure to a running project, or correct one. Values already reported stay with
    the measure; the reason is kept in the audit trail with what changed."""
    if not may_adjust_measures(actor) or (measure is not None and measure.project_id != project.id):
        raise MonitoringError("Only a programme officer can add or change a project's outcome measures.")
    check_not_finished(project, "outcome measures")
    if not values.name.strip():
        raise MonitoringError("Enter the name of the measure", field="name")
    if values.direction not in ("up", "down"):
        raise MonitoringError("Choose whether higher or lower is better", field="direction")
    if not values.reason.strip():
        raise MonitoringError("Say why the measure is added or changed", field="reason")
    before = _measure_summary(measure) if measure else None
    if measure is None:
        last = db.session.scalar(
            db.select(db.func.max(OutcomeMeasure.position)).where(OutcomeMeasure.project_id == project.id)
        )
        measure = OutcomeMeasure(project_id=project.id, position=(last or 0) + 1)
        db.session.add(measure)
    measure.name, measure.unit = values.name.strip(), values.unit.strip()
    measure.baseline, measure.target, measure.direction = values.baseline, values.target, values.direction
    db.session.flush()
    after = _measure_summary(measure)
    if after == before:
        raise MonitoringError("Nothing has changed: change the measure, or go back", field="name")
    changed = after if before is None else {key: after[key] for key in after if after[key] != before[key]}
    audit.record(
        "monitoring.measure_added" if before is None else "monitoring.measure_changed",
        measure,
        actor=actor,
        before=None if before is None else {key: before[key] for key in changed},
        after={**changed, "project_id": project.id, "reason": values.reason.strip()},
    )
    return measure


# --- Progress reports --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportValues:
    narrative: str
    partnership_change: str
    rag: str | None
    outcomes: dict[int, float | None]  # measure id → the value at the end of the period
    milestones_done: dict[int, date | None]  # milestone id → the date it was done


def opens_on(report: ProgressReport) -> date:
    return report.period_end - timedelta(days=OPENS_DAYS_BEFORE_END)


def save_report(report: ProgressReport, values: ReportValues, *, actor: Any, submit: bool) -> None:
    """Save the team's report as it stands; with ``submit``, send it for review (all of it needed)."""
    project = report.project
    lock_and_refresh(db.session, report)
    if not is_project_team(actor, project):
        raise MonitoringError("Only the project team can write its reports.")
    check_not_finished(project, "reports")
    if submit and report.status in (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED):
        raise ReportSubmittedAlready(report)
    if not report.is_editable:
        raise MonitoringError(f"This report is {report.status_label.lower()}: it cannot be changed now.")
    report.narrative = (values.narrative or "").strip()
    report.partnership_change = (values.partnership_change or "").strip()
    report.rag = values.rag or None
    _save_outcomes(report, values.outcomes, actor)
    _save_milestones(project, values.milestones_done, actor)
    db.session.flush()
    if submit:
        _submit(report, actor)


def _submit(report: ProgressReport, actor: Any) -> None:
    if date.today() < opens_on(report):
        raise MonitoringError(f"You can submit this report from {format_date(opens_on(report))}.")
    missing = [
        (field, message)
        for field, message, present in (
            ("narrative", "Say what happened in this period", report.narrative),
            ("partnership_change", "Say what changed in how the partners work together", report.partnership_change),
            ("rag", "Choose how the project is going", report.rag),
        )
        if not present
    ]
    if missing:
        raise MonitoringError(missing[0][1], field=missing[0][0])
    milestones = db.session.scalars(  # read before the report changes: a flush now would half-write it
        db.select(Milestone).where(Milestone.project_id == report.project_id).order_by(Milestone.due_on, Milestone.id)
    ).all()
    measures = db.session.scalars(
        db.select(OutcomeMeasure)
        .where(OutcomeMeasure.project_id == report.project_id)
        .order_by(OutcomeMeasure.position, OutcomeMeasure.id)
    ).all()
    report.milestones_at_submission = [_milestone_summary(milestone) for milestone in milestones]
    report.measures_at_submission = [{"id": measure.id, **_measure_summary(measure)} for measure in measures]
    report.submitted_at, report.submitted_by_id = utcnow(), actor.id
    report.reviewed_at = report.reviewed_by_id = None
    report.submissions += 1
    REPORT_WORKFLOW.move(
        report,
        ReportStatus.SUBMITTED,
        actor=actor,
        action="monitoring.report_submitted",
        submissions=report.submissions,
    )


def _save_outcomes(report: ProgressReport, outcomes: dict[int, float | None], actor: Any) -> None:
    measures = {
        measure.id: measure
        for measure in db.session.scalars(
            db.select(OutcomeMeasure).where(OutcomeMeasure.project_id == report.project_id)
        )
    }
    existing = {
        value.measure_id: value
        for value in db.session.scalars(db.select(OutcomeValue).where(OutcomeValue.report_id == report.id))
    }
    for measure_id, number in outcomes.items():
        if measure_id not in measures:
            raise MonitoringError("The measures changed while you were writing. Look at the report again.")
        current = existing.get(measure_id)
        if number is None:
            if current is not None:
                db.session.delete(current)
        elif current is None:
            db.session.add(
                OutcomeValue(
                    measure_id=measure_id,
                    report_id=report.id,
                    recorded_on=report.period_end,
                    value=number,
                    recorded_by_id=actor.id,
                )
            )
        else:
            current.value, current.recorded_by_id = number, actor.id


def _save_milestones(project: Any, done: dict[int, date | None], actor: Any) -> None:
    if not done:
        return
    milestones = {
        milestone.id: milestone
        for milestone in db.session.scalars(db.select(Milestone).where(Milestone.project_id == project.id))
    }
    for milestone_id, done_on in done.items():
        milestone = milestones.get(milestone_id)
        if milestone is None:
            raise MonitoringError("The milestones changed while you were writing. Look at the report again.")
        if done_on == milestone.done_on:
            continue
        try:
            save_milestone(
                project,
                milestone,
                MilestoneValues(milestone.title, milestone.due_on, done_on, milestone.owner),
                actor=actor,
            )
        except MonitoringError as error:  # shown next to this milestone's field in the report
            raise MonitoringError(error.message, field=f"milestone:{milestone.id}") from None


def review_report(report: ProgressReport, *, accept: bool, comment: str, actor: Any) -> None:
    """The programme officer's review: accept, or ask for changes saying what."""
    project = report.project
    lock_and_refresh(db.session, report)
    if is_reviewed(report):
        raise ReportReviewedAlready(report)
    if not can_review(actor, report):
        raise MonitoringError(
            "You wrote this report, so someone else must review it."
            if report.submitted_by_id == actor.id
            else "Only a programme officer can review a report."
        )
    check_not_finished(project, "reports")
    comment = (comment or "").strip()
    if not accept and not comment:
        raise MonitoringError("Say what needs to change", field="comment")
    report.reviewed_at, report.reviewed_by_id, report.review_comment = utcnow(), actor.id, comment or None
    REPORT_WORKFLOW.move(
        report,
        ReportStatus.ACCEPTED if accept else ReportStatus.CHANGES_REQUESTED,
        actor=actor,
        action="monitoring.report_accepted" if accept else "monitoring.report_changes_requested",
        comment=report.review_comment,
    )
    author = report.submitted_by
    if author is not None:
        queue_email(
            author.email,
            "report_accepted" if accept else "report_changes_requested",
            {
                "name": author.name,
                "reference": project.reference,
                "title": report.title,
                "comment": report.review_comment or "",
                "project_id": project.id,
                "report_id": report.id,
            },
            user=author,
        )
    if accept:
        project_changed.send(project, actor=actor)


# --- What the funding conditions ask of reports ------------------------------------------------------


def reports_for_tranche(project: Any, tranche: Any) -> list[ProgressReport]:
    """The reports a tranche waits for: every regular report whose period ended before it is due; the
    last tranche also the final report. A tranche due before any period has ended waits for the first
    report, so the condition can always be met."""
    from grants.funding.models import Tranche

    reports = db.session.scalars(
        db.select(ProgressReport).where(ProgressReport.project_id == project.id).order_by(ProgressReport.sequence)
    ).all()
    last = db.session.scalar(db.select(db.func.max(Tranche.sequence)).where(Tranche.project_id == project.id))
    relevant = [report for report in reports if not report.is_final and report.period_end < tranche.due_on]
    if tranche.sequence == last:
        relevant += [report for report in reports if report.is_final]
    return relevant or list(reports[:1])


def reports_accepted_for(project: Any, tranche: Any) -> bool:
    relevant = reports_for_tranche(project, tranche)
    return bool(relevant) and all(report.status == ReportStatus.ACCEPTED for report in relevant)


def _period(report: ProgressReport) -> str:
    start, end = report.period_start, report.period_end
    first = f"{start:%B}" if start.year == end.year else f"{start:%B %Y}"
    return f"{end:%B %Y}" if (start.year, start.month) == (end.year, end.month) else f"{first} to {end:%B %Y}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def reports_condition_label(project: Any, tranche: Any) -> str:
    """The condition in words, naming the reports it still waits for (all of them once they are
    accepted): "Progress report for January to March 2026 accepted"."""
    relevant = reports_for_tranche(project, tranche)
    relevant = [report for report in relevant if report.status != ReportStatus.ACCEPTED] or relevant
    periods = [_period(report) for report in relevant if not report.is_final]
    parts = []
    if periods:
        noun = "Progress report" if len(periods) == 1 else "Progress reports"
        parts.append(f"{noun} for {_and(periods)}")
    if any(report.is_final for report in relevant):
        parts.append("the final report" if parts else "Final report")
    return f"{' and '.join(parts)} accepted" if parts else "Progress report accepted"
