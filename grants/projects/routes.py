"""Projects: the list, the project page with its timeline, the enabler's log and the RAG."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from grants.core import actions
from grants.core.cache import cached_page
from grants.core.date_filters import day_range
from grants.core.pagination import id_arg, paginate
from grants.core.permissions import Role
from grants.extensions import db
from grants.projects import ending, permissions, queries, services
from grants.projects.access import project_and_enabler_or_404
from grants.projects.forms import RagOverrideForm, UpdateForm
from grants.projects.models import (
    RAG_LABELS,
    STATUS_LABELS,
    STATUSES,
    EnablerAssignment,
    EndingStatus,
    Project,
    ProjectUpdate,
)
from grants.rounds.models import Round, RoundStatus

bp = Blueprint("projects", __name__, url_prefix="/projects")


@bp.get("/")
@login_required
def index():
    filters = {
        "round": id_arg("round"),
        "status": request.args.get("status"),
        "rag": request.args.get("rag"),
    }
    if filters["status"] not in STATUSES:
        filters["status"] = None
    if filters["rag"] not in (*RAG_LABELS, "none"):
        filters["rag"] = None
    if current_user.has_any_role(*permissions.OVERSIGHT):
        filters["hidden"] = permissions.hidden_application_ids(current_user)
    elif current_user.has_role(Role.APPLICANT) and current_user.organisation_id:
        filters["organisation"] = current_user.organisation_id
    elif current_user.has_role(Role.ENABLER):
        return redirect(url_for("enablers.home"))
    else:
        abort(403)
    page = paginate(queries.projects_statement(filters))
    enablers = queries.current_enablers([project.id for project in page.items])
    rounds = db.session.scalars(
        db.select(Round)
        .where(Round.status.in_([RoundStatus.DECIDED, RoundStatus.ARCHIVED]))
        .order_by(Round.closes_at.desc())
    ).all()
    return render_template(
        "projects/index.html",
        page=page,
        enablers=enablers,
        filters=filters,
        rounds=rounds,
        statuses=STATUS_LABELS,
        rags=RAG_LABELS,
    )


def _partnership(project: Project) -> set[int]:
    """The organisations of the project's partnership: its bid's lead and partners (loaded with it)."""
    application = project.application
    return {application.lead_organisation_id, *(partner.organisation_id for partner in application.partners)}


def _project_or_404(project_id: int) -> tuple[Project, list[EnablerAssignment]]:
    """The project as its page shows it, with its enablers over time (the current one first), or 404 for
    anyone who may not see it. The current enabler is read from the assignments the page lists anyway."""
    project = queries.load_project_page(project_id)
    if project is None:
        abort(404)
    assignments = queries.assignments_of(project.id)
    enabler_id = next((assignment.enabler_id for assignment in assignments if assignment.is_current), None)
    if not permissions.can_view_project(current_user, project, enabler_id):
        abort(404)
    return project, assignments


def _end_of_project(project: Project) -> dict:
    """What the page says and offers about the project's end: its proposals to end it (for those who may
    see them), the one waiting, and whether the award can be given up or the project ended early (which
    turns on what has been paid, asked only of those who could do either)."""
    may_give_up = permissions.can_give_up_award(current_user, project)
    may_end_early = permissions.can_propose_early_end(current_user, project)
    endings = list(project.endings) if permissions.can_see_ending(current_user, project) else []
    waiting = next((proposal for proposal in project.endings if proposal.is_waiting), None)
    paid = ending.paid_pence(project) if (may_give_up or may_end_early) and waiting is None else None
    return {
        "endings": endings,
        "waiting_ending": waiting if endings else None,
        "can_give_up": may_give_up and paid == 0,
        "can_end_early": may_end_early and bool(paid),
        "confirmed_ending": next(
            (proposal for proposal in project.endings if proposal.status == EndingStatus.CONFIRMED), None
        ),
        "can_see_closeout": permissions.can_see_closeout(current_user, project),
    }


def _project_page(project: Project, assignments: list[EnablerAssignment], rag_form: RagOverrideForm, status: int = 200):
    since, until = day_range()
    updates = paginate(
        queries.updates_between(queries.updates_statement(project.id), since.day, until.day),
        per_page=queries.UPDATES_PER_PAGE,
    )
    enabler_id = next((assignment.enabler_id for assignment in assignments if assignment.is_current), None)
    can_change_enabler = permissions.can_change_enabler(current_user, project)
    return render_template(
        "projects/show.html",
        project=project,
        application=project.application,
        updates=updates,
        since=since,
        until=until,
        assignments=assignments,
        can_log=permissions.can_log_update(current_user, project, enabler_id),
        can_override_rag=permissions.can_override_rag(current_user, project),
        can_change_enabler=can_change_enabler,
        staff=permissions.can_see_private_notes(current_user),
        sees_reasons=current_user.has_any_role(*permissions.OVERSIGHT),
        enabler_linked=bool(
            enabler_id and can_change_enabler and queries.enabler_linked_with(enabler_id, _partnership(project))
        ),
        form=rag_form,
        unread_messages=queries.unread_messages(current_user, project, enabler_id),
        compiled_progress=queries.compiled_progress(current_user, project),
        **_end_of_project(project),
    ), status


@bp.get("/<int:project_id>")
@login_required
@cached_page
def show(project_id):
    project, assignments = _project_or_404(project_id)
    return _project_page(project, assignments, RagOverrideForm(formdata=None))


@bp.route("/<int:project_id>/updates/new", methods=["GET", "POST"])
@bp.route("/<int:project_id>/updates/<int:update_id>/edit", methods=["GET", "POST"])
@login_required
def update(project_id, update_id=None):
    project, enabler_id = project_and_enabler_or_404(project_id)
    item = None
    if update_id is not None:
        item = db.session.get(ProjectUpdate, update_id)
        if item is None or item.project_id != project.id:
            abort(404)
        if not permissions.can_edit_update(current_user, item, project, enabler_id):
            abort(403)
    elif not permissions.can_log_update(current_user, project, enabler_id):
        abort(403)
    form = UpdateForm(obj=item) if item and request.method == "GET" else UpdateForm()
    if form.validate_on_submit():
        done = actions.carry_out(
            _update_change(project, item, form.values()),
            refused=("project.update_refused", item or project),
            form=form,
            field="what_happened",
            to=url_for("projects.show", project_id=project.id),
            message="The update has been saved." if item else "The update has been added to the project's log.",
        )
        if done is not None:
            return done
    page = render_template("projects/update_form.html", project=project, form=form, item=item)
    return page, 400 if form.errors else 200


def _update_change(project: Project, item: ProjectUpdate | None, values: dict):
    """The change the update form asks for: an edit of ``item``, or a new entry in the project's log."""
    if item is not None:
        return lambda: services.edit_update(item, values, actor=current_user)
    return lambda: services.log_update(project, values, actor=current_user)


@bp.post("/<int:project_id>/rag")
@login_required
def rag(project_id):
    project, assignments = _project_or_404(project_id)
    if not permissions.can_override_rag(current_user, project):
        abort(403)
    form = RagOverrideForm()
    if form.validate_on_submit():
        done = actions.carry_out(
            lambda: services.override_rag(
                project, None if form.rag.data == "clear" else form.rag.data, form.reason.data or "", actor=current_user
            ),
            refused=("project.rag_refused", project),
            form=form,
            field="reason",
            to=url_for("projects.show", project_id=project.id) + "#rag-override",
            message="The project's RAG has been saved.",
        )
        if done is not None:
            return done
    return _project_page(project, assignments, form, 400)
