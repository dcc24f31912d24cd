"""A project's monitoring: milestones, progress reports with their review, and outcome measures."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from grants.core import actions
from grants.core.errors import AlreadyDone
from grants.core.forms import ActionForm
from grants.core.pagination import paginate
from grants.core.permissions import Role, roles_required
from grants.extensions import db
from grants.monitoring import queries, services
from grants.monitoring.forms import MeasureForm, MilestoneForm, ReviewForm, report_form
from grants.monitoring.models import Milestone, OutcomeMeasure, ProgressReport, ReportStatus
from grants.monitoring.permissions import (
    can_adjust_measures,
    can_edit_milestones,
    can_review,
    can_review_now,
    can_write_report,
    is_project_team,
    may_adjust_measures,
    may_keep_milestones,
)
from grants.projects import permissions as project_permissions
from grants.projects.access import project_or_404
from grants.projects.models import Project

bp = Blueprint("monitoring", __name__)


@bp.get("/projects/<int:project_id>/monitoring")
@login_required
def project(project_id):
    project = project_or_404(project_id)
    measures = queries.measures_of(project.id)
    values = queries.reported_values([measure.id for measure in measures])
    return render_template(
        "monitoring/project.html",
        project=project,
        reports=queries.reports_of(project.id),
        milestones=queries.milestones_of(project.id),
        charts=[(measure, values[measure.id], queries.chart(measure, values[measure.id])) for measure in measures],
        can_edit_milestones=can_edit_milestones(current_user, project),
        can_adjust_measures=can_adjust_measures(current_user, project),
        today=date.today(),
    )


# --- Milestones -------------------------------------------------------------------------------------


def _milestone(project: Project, milestone_id: int) -> Milestone:
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.project_id != project.id:
        abort(404)
    return milestone


@bp.route("/projects/<int:project_id>/milestones/new", methods=["GET", "POST"])
@bp.route("/projects/<int:project_id>/milestones/<int:milestone_id>", methods=["GET", "POST"])
@login_required
def milestone(project_id, milestone_id=None):
    project = project_or_404(project_id)
    item = _milestone(project, milestone_id) if milestone_id else None
    if not may_keep_milestones(current_user, project):
        abort(403)
    if project.is_finished:
        to = _milestones_of(project)
        return _finished(project, item or project, "milestones", "monitoring.milestone_refused", to)
    form = MilestoneForm(obj=item) if item and request.method == "GET" else MilestoneForm()
    if form.validate_on_submit():
        values = services.MilestoneValues(form.title.data, form.due_on.data, form.done_on.data, form.owner.data or "")
        done = actions.carry_out(
            lambda: services.save_milestone(project, item, values, actor=current_user),
            refused=("monitoring.milestone_refused", project),
            form=form,
            claim=item is None,
            field="title",
            to=_monitoring_of(project, "#milestones"),
            message="The milestone has been saved.",
        )
        if done is not None:
            return done
    return render_template("monitoring/milestone.html", project=project, form=form, item=item), (
        400 if form.errors else 200
    )


@bp.route("/projects/<int:project_id>/milestones/<int:milestone_id>/remove", methods=["GET", "POST"])
@login_required
def remove_milestone(project_id, milestone_id):
    project = project_or_404(project_id)
    if request.method == "POST" and db.session.get(Milestone, milestone_id) is None:
        return _already(services.MilestoneGone(), _monitoring_of(project, "#milestones"))  # the first removed it
    item = _milestone(project, milestone_id)
    if not may_keep_milestones(current_user, project):
        abort(403)
    if project.is_finished:
        return _finished(project, project, "milestones", "monitoring.milestone_refused", _milestones_of(project))
    if request.method == "GET":
        form = ActionForm(formdata=None)
        return render_template("monitoring/remove_milestone.html", project=project, item=item, form=form)
    if not ActionForm().validate_on_submit():
        abort(400)
    return actions.carry_out(
        lambda: services.remove_milestone(item, actor=current_user, project=project),
        refused=("monitoring.milestone_refused", project),
        to=_monitoring_of(project, "#milestones"),
        message=f"“{item.title}” has been removed.",
    )


def _monitoring_of(project: Project, anchor: str) -> str:
    return url_for("monitoring.project", project_id=project.id) + anchor


def _milestones_of(project: Project) -> str:
    return _monitoring_of(project, "#milestones")


def _already(error: AlreadyDone, location: str):
    """A second press, found before anything is tried: where the first one led, saying so."""
    flash(error.message, "important")
    return redirect(location, code=303)


def _finished(project: Project, subject, what: str, action: str, to: str):
    """The project has finished, so its monitoring cannot change: a form asked for goes to ``to``
    saying why; one sent anyway (from a page left open) is refused by the service in the same words."""
    if request.method == "GET":
        flash(services.ProjectFinished(project, what).message, "important")
        return redirect(to, code=303)
    if not ActionForm().validate_on_submit():
        abort(400)
    return actions.carry_out(lambda: services.check_not_finished(project, what), refused=(action, subject), to=to)


# --- Outcome measures ---------------------------------------------------------------------------------


@bp.route("/projects/<int:project_id>/measures/new", methods=["GET", "POST"])
@bp.route("/projects/<int:project_id>/measures/<int:measure_id>", methods=["GET", "POST"])
@login_required
def measure(project_id, measure_id=None):
    project = project_or_404(project_id)
    item = db.session.get(OutcomeMeasure, measure_id) if measure_id else None
    if measure_id and (item is None or item.project_id != project.id):
        abort(404)
    if not may_adjust_measures(current_user):
        abort(403)
    if project.is_finished:
        to = _monitoring_of(project, "#outcomes")
        return _finished(project, item or project, "outcome measures", "monitoring.measure_refused", to)
    form = MeasureForm(obj=item, formdata=None) if request.method == "GET" else MeasureForm()
    if request.method == "GET" and item is None:
        form.direction.data = "up"
    if form.validate_on_submit():
        values = services.MeasureValues(
            form.name.data or "",
            form.unit.data or "",
            form.baseline.data,
            form.target.data,
            form.direction.data,
            form.reason.data or "",
        )
        done = actions.carry_out(
            lambda: services.save_measure(project, item, values, actor=current_user),
            refused=("monitoring.measure_refused", item or project),
            form=form,
            claim=item is None,
            field="name",
            to=_monitoring_of(project, "#outcomes"),
            message=lambda saved: (
                f"“{saved.name}” has been saved."
                if item
                else f"“{saved.name}” has been added. Reports from now on ask for it."
            ),
        )
        if done is not None:
            return done
    return render_template("monitoring/measure.html", project=project, form=form, item=item), (
        400 if form.errors else 200
    )


# --- Progress reports ---------------------------------------------------------------------------------


def _report(project: Project, report_id: int) -> ProgressReport:
    report = db.session.get(ProgressReport, report_id)
    if report is None or report.project_id != project.id:
        abort(404)
    return report


def _report_form(report: ProgressReport, project: Project, *, formdata=True):
    measures = queries.measures_of(project.id)
    open_milestones = [m for m in queries.milestones_of(project.id) if m.done_on is None]
    if formdata:
        return report_form(measures, open_milestones), measures, open_milestones
    data = {"narrative": report.narrative, "partnership_change": report.partnership_change, "rag": report.rag}
    data.update({f"outcome_{measure_id}": value for measure_id, value in queries.report_values(report.id).items()})
    return report_form(measures, open_milestones, formdata=None, data=data), measures, open_milestones


def _milestones_then(report) -> list[dict]:
    """The milestones as the report was submitted, their dates read back from the stored snapshot."""

    def day(value):
        return date.fromisoformat(value) if value else None

    return [
        {**milestone, "due_on": day(milestone["due_on"]), "done_on": day(milestone["done_on"])}
        for milestone in report.milestones_at_submission or []
    ]


def _measures_then(report) -> list[SimpleNamespace]:
    """The outcome measures as the report was submitted (their targets may have been corrected since)."""
    return [SimpleNamespace(**measure) for measure in report.measures_at_submission or []]


def _report_page(project, report, form, review_form, status=200):
    team = is_project_team(current_user, project)
    # What the team is still writing is theirs: others see a report once it is submitted (programme
    # staff also see what they asked to be changed).
    shows_content = (
        team
        or report.status in (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)
        or (report.status == ReportStatus.CHANGES_REQUESTED and current_user.has_any_role(*project_permissions.STAFF))
    )
    return render_template(
        "monitoring/report.html",
        project=project,
        report=report,
        form=form,
        review_form=review_form,
        can_write=can_write_report(current_user, report),
        shows_content=shows_content,
        can_review=can_review_now(current_user, report),
        values=queries.report_values(report.id),
        measures=_measures_then(report) or queries.measures_of(project.id),
        milestones_then=_milestones_then(report),
        opens_on=services.opens_on(report),
        today=date.today(),
    ), status


@bp.get("/projects/<int:project_id>/reports/<int:report_id>")
@login_required
def report(project_id, report_id):
    project = project_or_404(project_id)
    item = _report(project, report_id)
    form, _, _ = _report_form(item, project, formdata=False)
    return _report_page(project, item, form, ReviewForm(formdata=None))


@bp.post("/projects/<int:project_id>/reports/<int:report_id>")
@login_required
def write_report(project_id, report_id):
    project = project_or_404(project_id)
    item = _report(project, report_id)
    if not is_project_team(current_user, project):
        abort(403)
    if project.is_finished:
        return _finished(project, item, "reports", "monitoring.report_refused", _report_of(project, item))
    form, measures, open_milestones = _report_form(item, project)
    if form.submit.data and item.status in (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED):
        return _already(services.ReportSubmittedAlready(item), _report_of(project, item))
    if form.validate_on_submit():
        values = services.ReportValues(
            narrative=form.narrative.data or "",
            partnership_change=form.partnership_change.data or "",
            rag=form.rag.data or None,
            outcomes={measure.id: form[f"outcome_{measure.id}"].data for measure in measures},
            milestones_done={m.id: form[f"milestone_{m.id}"].data for m in open_milestones},
        )
        submit = bool(form.submit.data)
        done = actions.carry_out(
            lambda: services.save_report(item, values, actor=current_user, submit=submit),
            refused=("monitoring.report_refused", item),
            form=form,
            field="narrative",
            fields={f"milestone:{m.id}": f"milestone_{m.id}" for m in open_milestones},
            to=_report_of(project, item),
            message=f"{item.title} has been submitted. The programme team will review it."
            if submit
            else "Your draft has been saved. Submit it when it is ready.",
        )
        if done is not None:
            return done
    return _report_page(project, item, form, ReviewForm(formdata=None), 400)


def _report_of(project: Project, report: ProgressReport) -> str:
    return url_for("monitoring.report", project_id=project.id, report_id=report.id)


@bp.post("/projects/<int:project_id>/reports/<int:report_id>/review")
@roles_required(Role.PROGRAMME_OFFICER)
def review(project_id, report_id):
    project = project_or_404(project_id)
    item = _report(project, report_id)
    if services.is_reviewed(item):
        return _already(services.ReportReviewedAlready(item), url_for("monitoring.reports"))
    if not can_review(current_user, item):
        abort(403)
    if project.is_finished:
        return _finished(project, item, "reports", "monitoring.review_refused", _report_of(project, item))
    review_form = ReviewForm()
    if review_form.validate_on_submit():
        accept = review_form.decision.data == "accept"
        done = actions.carry_out(
            lambda: services.review_report(item, accept=accept, comment=review_form.comment.data, actor=current_user),
            refused=("monitoring.review_refused", item),
            form=review_form,
            field="decision",
            to=url_for("monitoring.reports"),
            message=f"{item.title} for {project.reference} is accepted."
            if accept
            else f"The project team has been asked to change {item.title.lower()}.",
        )
        if done is not None:
            return done
    form, _, _ = _report_form(item, project, formdata=False)
    return _report_page(project, item, form, review_form, 400)


@bp.get("/monitoring/reports")
@roles_required(Role.PROGRAMME_OFFICER)
def reports():
    view = "overdue" if request.args.get("view") == "overdue" else "submitted"
    page = paginate(queries.reports_statement(view))
    return render_template("monitoring/reports.html", page=page, view=view, today=date.today())
