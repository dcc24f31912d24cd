"""A project's tranche schedule: amounts and dates, while an agreement is still to be signed."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request
from flask_login import current_user

from grants.core import actions
from grants.core.errors import GrantsError
from grants.core.permissions import Role, roles_required
from grants.funding import permissions
from grants.funding.forms import ScheduleForm
from grants.funding.models import Tranche
from grants.funding.routes.pages import bp, refused_when_settled, to_project
from grants.funding.services import schedule as schedule_services
from grants.projects.access import project_or_404

ROW_FIELDS = {"amount_pence": "amount", "due_on": "due_on"}  # the service's names -> a row's fields


@bp.route("/projects/<int:project_id>/funding/schedule", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def schedule(project_id):
    project = project_or_404(project_id, may_see=permissions.can_view_funding)
    refused = ("funding.schedule_change_refused", project)
    if (settled := refused_when_settled(project, "change its tranche schedule", refused)) is not None:
        return settled
    tranches = schedule_services.tranches_of(project.id)
    if not schedule_services.schedule_editable(project.id):
        flash("The schedule is part of the signed agreement. Start a variation to change it.", "important")
        return redirect(to_project(project.id))
    if request.method == "POST":
        form = ScheduleForm()
    else:
        form = ScheduleForm(
            formdata=None,
            data={"tranches": [{"tranche_id": t.id, "amount": t.amount_pence, "due_on": t.due_on} for t in tranches]},
        )
    if form.validate_on_submit():
        changes = _changes(form)
        return actions.carry_out(
            lambda: schedule_services.change_schedule(project, changes, actor=current_user),
            refused=("funding.schedule_change_refused", project),
            to=to_project(project.id, "#schedule"),
            message="The tranche schedule has been saved.",
            show=lambda error: _schedule_page(project, form, tranches, error),
        )
    return _schedule_page(project, form, tranches)


def _changes(form: ScheduleForm) -> list[schedule_services.TrancheChange]:
    try:
        return [
            schedule_services.TrancheChange(int(row.form.tranche_id.data), row.form.amount.data, row.form.due_on.data)
            for row in form.tranches
        ]
    except (TypeError, ValueError):
        abort(400)


def _schedule_page(project, form: ScheduleForm, tranches: list[Tranche], error: GrantsError | None = None):
    if error is not None:
        _show_on_row(form, tranches, error)
    return render_template(
        "funding/schedule.html",
        project=project,
        form=form,
        tranches=tranches,
        rows=list(zip(form.tranches, tranches, strict=False)),
    ), (400 if form.errors else 200)


def _show_on_row(form: ScheduleForm, tranches: list[Tranche], error: GrantsError) -> None:
    """The service names a tranche's field (``tranche:2:amount_pence``), or the schedule's as a whole
    (``amount_pence``, ``due_on``): the message goes on that tranche's row, or on the first."""
    parts = (error.field or "amount_pence").split(":")
    sequence = int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None
    index = next((i for i, tranche in enumerate(tranches) if tranche.sequence == sequence), 0)
    name = ROW_FIELDS.get(parts[-1], "amount")
    if index < len(form.tranches):
        field = form.tranches[index].form[name]
        field.errors = [*field.errors, error.message]
        form.tranches.errors = [entry.errors for entry in form.tranches.entries]  # the list keeps its own copy
