"""Reading a project's monitoring in a fixed number of queries, and drawing its measures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from grants.core.times import format_date
from grants.extensions import db
from grants.monitoring.models import Milestone, OutcomeMeasure, OutcomeValue, ProgressReport, ReportStatus
from grants.projects.models import FINISHED_STATUSES, Project


def reports_of(project_id: int) -> list[ProgressReport]:
    return db.session.scalars(
        db.select(ProgressReport).where(ProgressReport.project_id == project_id).order_by(ProgressReport.sequence)
    ).all()


def milestones_of(project_id: int) -> list[Milestone]:
    return db.session.scalars(
        db.select(Milestone).where(Milestone.project_id == project_id).order_by(Milestone.due_on, Milestone.id)
    ).all()


def measures_of(project_id: int) -> list[OutcomeMeasure]:
    return db.session.scalars(
        db.select(OutcomeMeasure).where(OutcomeMeasure.project_id == project_id).order_by(OutcomeMeasure.position)
    ).all()


# Values count once their report is submitted or accepted: drafts, and reports being changed, do not.
COUNTED_REPORT_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)


def _counted(statement):
    return statement.join(ProgressReport, ProgressReport.id == OutcomeValue.report_id).where(
        ProgressReport.status.in_(COUNTED_REPORT_STATUSES)
    )


def reported_values(measure_ids: list[int]) -> dict[int, list[OutcomeValue]]:
    """Measure id → its counted values, oldest first."""
    found: dict[int, list[OutcomeValue]] = {measure_id: [] for measure_id in measure_ids}
    if not measure_ids:
        return found
    statement = (
        _counted(db.select(OutcomeValue))
        .where(OutcomeValue.measure_id.in_(measure_ids))
        .order_by(OutcomeValue.recorded_on, OutcomeValue.id)
    )
    for value in db.session.scalars(statement):
        found[value.measure_id].append(value)
    return found


def measures_with_latest():
    """Every measure of every project with its latest counted value (the last of ``reported_values``):
    one query, however many projects. Rows have the measure's columns, ``latest`` and ``latest_on``."""
    ranked = _counted(
        db.select(
            OutcomeValue.measure_id,
            OutcomeValue.value,
            OutcomeValue.recorded_on,
            db.func.row_number()
            .over(
                partition_by=OutcomeValue.measure_id,
                order_by=(OutcomeValue.recorded_on.desc(), OutcomeValue.id.desc()),
            )
            .label("rank"),
        )
    ).subquery()
    latest = db.select(ranked).where(ranked.c.rank == 1).subquery()
    return db.session.execute(
        db.select(
            OutcomeMeasure.project_id,
            OutcomeMeasure.name,
            OutcomeMeasure.unit,
            OutcomeMeasure.direction,
            OutcomeMeasure.baseline,
            OutcomeMeasure.target,
            latest.c.value.label("latest"),
            latest.c.recorded_on.label("latest_on"),
        )
        .outerjoin(latest, latest.c.measure_id == OutcomeMeasure.id)
        .order_by(OutcomeMeasure.project_id, OutcomeMeasure.position, OutcomeMeasure.id)
    ).all()


# Where a measure stands against its target, by its latest counted value.
AGAINST_TARGET = {
    "met": "Target met",
    "on_track": "Moving towards target",
    "off_track": "Not moving towards target",
    "not_reported": "No value reported yet",
    "no_target": "No target set",
}


def against_target(direction: str, baseline: float | None, target: float | None, latest: float | None) -> str:
    """One of ``AGAINST_TARGET``. Met: the latest value has reached the target (for a measure where lower
    is better, come down to it). On track: not there yet, but better than the baseline; without a
    baseline there is nothing to be better than, so a measure short of its target is off track."""
    if target is None:
        return "no_target"
    if latest is None:
        return "not_reported"
    sign = 1 if direction == "up" else -1
    if sign * (latest - target) >= 0:
        return "met"
    if baseline is not None and sign * (latest - baseline) > 0:
        return "on_track"
    return "off_track"


def report_values(report_id: int) -> dict[int, float]:
    return {
        value.measure_id: value.value
        for value in db.session.scalars(db.select(OutcomeValue).where(OutcomeValue.report_id == report_id))
    }


def reports_statement(status: str):
    """Reports across the portfolio for the programme team: waiting for review, or overdue. Never a
    finished project's: it owes nothing more, and its reports are kept as they stood."""
    statement = db.select(ProgressReport).join(ProgressReport.project).where(Project.status.not_in(FINISHED_STATUSES))
    if status == "overdue":
        return statement.where(
            ProgressReport.status.in_((ReportStatus.DUE, ReportStatus.CHANGES_REQUESTED)),
            ProgressReport.due_on < date.today(),
        ).order_by(ProgressReport.due_on, Project.reference, ProgressReport.id)
    return statement.where(ProgressReport.status == ReportStatus.SUBMITTED).order_by(
        ProgressReport.submitted_at, Project.reference, ProgressReport.id
    )


# --- A chart of a measure against its target -----------------------------------------------------------

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 20, 44


@dataclass
class Chart:
    """What the template draws: points in SVG coordinates, with the numbers they stand for."""

    title: str
    summary: str
    points: list[dict] = field(default_factory=list)
    target_y: float | None = None
    baseline_y: float | None = None
    ticks: list[dict] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def polyline(self) -> str:
        return " ".join(f"{point['x']:.1f},{point['y']:.1f}" for point in self.points)


def _number(value: float) -> str:
    return f"{value:,.4g}" if abs(value) < 10_000 else f"{value:,.0f}"


def chart(measure: OutcomeMeasure, values: list[OutcomeValue]) -> Chart:
    unit = f" {measure.unit}" if measure.unit else ""
    series = [("Baseline", measure.baseline)] if measure.baseline is not None else []
    series += [(format_date(value.recorded_on), value.value) for value in values]
    numbers = [number for _, number in series] + ([measure.target] if measure.target is not None else [])
    better = "higher" if measure.direction == "up" else "lower"
    summary_parts = []
    if measure.baseline is not None:
        summary_parts.append(f"baseline {_number(measure.baseline)}{unit}")
    if measure.target is not None:
        summary_parts.append(f"target {_number(measure.target)}{unit} ({better} is better)")
    if values:
        summary_parts.append(f"latest {_number(values[-1].value)}{unit} on {format_date(values[-1].recorded_on)}")
    else:
        summary_parts.append("no values reported yet")
    result = Chart(
        title=f"{measure.name}{f' ({measure.unit})' if measure.unit else ''}", summary=", ".join(summary_parts)
    )
    if not numbers:
        return result
    low, high = min(numbers), max(numbers)
    if low == high:
        low, high = low - 1, high + 1
    margin = (high - low) * 0.1
    low, high = low - margin, high + margin

    def y_of(number: float) -> float:
        return TOP + (high - number) / (high - low) * (HEIGHT - TOP - BOTTOM)

    span = max(len(series) - 1, 1)
    for index, (label, number) in enumerate(series):
        x = LEFT + (index / span if len(series) > 1 else 0.5) * (WIDTH - LEFT - RIGHT)
        result.points.append({"x": x, "y": y_of(number), "label": label, "value": _number(number)})
    result.target_y = y_of(measure.target) if measure.target is not None else None
    result.baseline_y = y_of(measure.baseline) if measure.baseline is not None else None
    result.ticks = [{"y": y_of(number), "label": _number(number)} for number in (low, (low + high) / 2, high)]
    return result
