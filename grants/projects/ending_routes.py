"""The end of a project: its close-out page, an award given up, an early end and its repayment."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from grants.accounts.models import User
from grants.core import actions
from grants.core.forms import ActionForm
from grants.core.permissions import Role, roles_required
from grants.core.times import london_today
from grants.extensions import db
from grants.projects import ending, permissions, queries
from grants.projects.access import project_or_404
from grants.projects.forms import (
    DecisionNoteForm,
    EarlyEndForm,
    ReasonForm,
    RepaymentForm,
    RepaymentReceivedForm,
    closeout_form,
)
from grants.projects.models import EndingKind, EndingStatus, Project, ProjectEnding
from grants.projects.routes import bp


def _closeout_page(project: Project, form=None, status: int = 200):
    items = ending.closeout_items(project)
    left = [item for item in items if not item.done]
    if form is None and permissions.can_close(current_user, project):
        form = closeout_form(left, formdata=None)
    ended_by = None  # the proposal that ended it before its close-out, for those who may see it
    if project.is_finished and permissions.can_see_ending(current_user, project):
        ended_by = next(
            (proposal for proposal in ending.endings_of(project.id) if proposal.status == EndingStatus.CONFIRMED), None
        )
    return render_template(
        "projects/closeout.html",
        project=project,
        items=items,
        left=left,
        form=form,
        can_start=permissions.can_start_closeout(current_user, project),
        can_close=permissions.can_close(current_user, project),
        action_form=ActionForm(formdata=None),
        finished_by=db.session.get(User, project.finished_by_id) if project.finished_by_id else None,
        ended_by=ended_by,
        history=queries.history(project.id),
        today=london_today(),
    ), status


@bp.route("/<int:project_id>/close-out", methods=["GET", "POST"])
@login_required
def closeout(project_id):
    project = project_or_404(project_id)
    if request.method == "GET":
        return _closeout_page(project)
    if not permissions.can_manage(current_user):
        abort(403)
    left = [item for item in ending.closeout_items(project) if not item.done]
    form = closeout_form(left)
    fields = {item.key: f"why_{item.key}" for item in left}
    if form.validate_on_submit():
        done = actions.carry_out(
            lambda: ending.close_project(
                project,
                note=form.closeout_note.data or "",
                exceptions={item.key: form[f"why_{item.key}"].data or "" for item in left},
                actor=current_user,
            ),
            refused=("project.close_refused", project),
            form=form,
            field="closeout_note",
            fields=fields,
            show=lambda error: _show_problems(form, error, fields),
            to=url_for("projects.closeout", project_id=project.id),
            message=f"{project.reference} is closed. The team, the enabler and the finance approvers have been told.",
            back=url_for("projects.closeout", project_id=project.id),
        )
        if done is not None:
            return done
    return _closeout_page(project, form, 400)


def _show_problems(form, error, fields: dict[str, str]) -> None:
    """Each thing left without a reason beside its own field, and a missing note beside the note."""
    for problem in getattr(error, "problems", [error]):
        actions.show_on_field(form, problem, "closeout_note", fields)


@bp.post("/<int:project_id>/close-out/start")
@roles_required(Role.PROGRAMME_OFFICER)
def start_closeout(project_id):
    project = project_or_404(project_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    to = url_for("projects.closeout", project_id=project.id)
    return actions.carry_out(
        lambda: ending.start_closing(project, actor=current_user),
        refused=("project.closeout_refused", project),
        to=to,
        message=f"The close-out of {project.reference} has started.",
    )


def _to_waiting(project: Project, error) -> Response:
    """The same proposal recorded a moment ago (or from another page): to it, with why nothing happened."""
    flash(error.message, "important")
    waiting = ending.waiting_ending(project)
    to = _to_ending(project, waiting) if waiting else url_for("projects.show", project_id=project.id)
    return redirect(to, 303)


def _reason_page(project: Project, form, title: str, lede: str, template: str = "projects/reason.html"):
    return render_template(template, project=project, form=form, title=title, lede=lede), (400 if form.errors else 200)


@bp.route("/<int:project_id>/give-up", methods=["GET", "POST"])
@login_required
def give_up(project_id):
    project = project_or_404(project_id)
    if not permissions.can_give_up_award(current_user, project):
        abort(403)
    if request.method == "GET" and ending.paid_pence(project):  # said before the reason is written, not after
        flash(ending.paid_already(project), "important")
        return redirect(url_for("projects.show", project_id=project.id))
    form = ReasonForm()
    form.reason.label.text = "Why is the partnership giving up its award?"
    form.reason.description = (
        "A programme officer reads this and confirms it. The award is then given up for good: any tranches not yet "
        "paid are cancelled, and the place can be offered to another bid."
    )
    form.submit.label.text = "Record that the award is given up"
    if form.validate_on_submit():
        done = actions.carry_out(
            lambda: ending.record_withdrawal(project, reason=form.reason.data, actor=current_user),
            refused=("project.withdrawal_refused", project),
            form=form,
            field="reason",
            to=lambda recorded: url_for("projects.ending_page", project_id=project.id, ending_id=recorded.id),
            message="It is recorded that the award is to be given up. A programme officer will confirm it.",
            repeat=lambda error: _to_waiting(project, error),
        )
        if done is not None:
            return done
    return _reason_page(
        project,
        form,
        f"Give up the award for {project.reference}?",
        "Use this if the partnership cannot go ahead with the project before any money has been paid.",
    )


@bp.route("/<int:project_id>/end-early", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def end_early(project_id):
    project = project_or_404(project_id)
    if not permissions.can_propose_early_end(current_user, project):
        abort(403)
    form = EarlyEndForm()
    form.reason.label.text = "Why is the project ending early?"
    form.reason.description = "A finance approver reads this before confirming. The project team sees it too."
    form.submit.label.text = "Propose ending the project early"
    if form.validate_on_submit():
        done = actions.carry_out(
            lambda: ending.propose_early_end(
                project, reason=form.reason.data, repayment_pence=form.repayment_pence.data, actor=current_user
            ),
            refused=("project.early_end_refused", project),
            form=form,
            field="reason",
            to=lambda proposed: url_for("projects.ending_page", project_id=project.id, ending_id=proposed.id),
            message="You have proposed ending the project early. A finance approver other than you confirms it.",
            repeat=lambda error: _to_waiting(project, error),
        )
        if done is not None:
            return done
    return _reason_page(
        project,
        form,
        f"End {project.reference} early?",
        "Money already paid stays paid. Tranches not yet paid are cancelled once a finance approver, someone other "
        "than you, confirms.",
        template="projects/end_early.html",
    )


def _ending_or_404(project_id: int, ending_id: int) -> tuple[Project, ProjectEnding]:
    project = project_or_404(project_id)
    if not permissions.can_see_ending(current_user, project):
        abort(404)
    proposal = db.session.get(ProjectEnding, ending_id)
    if proposal is None or proposal.project_id != project.id:
        abort(404)
    return project, proposal


def _ending_page(project: Project, proposal: ProjectEnding, status: int = 200, **forms):
    return render_template(
        "projects/ending.html",
        project=project,
        ending=proposal,
        paid=ending.paid_pence(project),
        confirm_form=forms.get("confirm_form") or DecisionNoteForm(formdata=None, prefix="confirm"),
        cancel_form=forms.get("cancel_form") or DecisionNoteForm(formdata=None, prefix="cancel"),
        repayment_form=forms.get("repayment_form")
        or RepaymentForm(formdata=None, repayment_pence=proposal.repayment_pence),
        received_form=forms.get("received_form") or RepaymentReceivedForm(formdata=None),
        can_confirm=permissions.can_confirm_ending(current_user, proposal),
        can_cancel=permissions.can_cancel_ending(current_user, proposal),
        can_record_repayment=permissions.can_record_repayment(current_user),
        is_proposer=current_user.id == proposal.proposed_by_id,
        error_form=next((form for form in forms.values() if form.errors), None),
    ), status


@bp.get("/<int:project_id>/endings/<int:ending_id>")
@login_required
def ending_page(project_id, ending_id):
    project, proposal = _ending_or_404(project_id, ending_id)
    return _ending_page(project, proposal)


def _to_ending(project: Project, proposal: ProjectEnding) -> str:
    return url_for("projects.ending_page", project_id=project.id, ending_id=proposal.id)


@bp.post("/<int:project_id>/endings/<int:ending_id>/confirm")
@login_required
def confirm_ending(project_id, ending_id):
    project, proposal = _ending_or_404(project_id, ending_id)
    if not permissions.may_confirm(current_user, proposal):
        abort(403)
    form = DecisionNoteForm(prefix="confirm")
    if not form.validate_on_submit():
        return _ending_page(project, proposal, 400, confirm_form=form)
    given_up = proposal.kind == EndingKind.WITHDRAWN
    return actions.carry_out(
        lambda: ending.confirm_ending(proposal, actor=current_user, note=form.decision_note.data or ""),
        refused=("project.ending_refused", project),
        to=_to_ending(project, proposal),
        message=(
            f"The award for {project.reference} is given up. The project team, its partners and the steering "
            "group chairs have been told: the place is open for a reserve bid."
            if given_up
            else f"{project.reference} has ended early. The project team and the programme staff have been told."
        ),
    )


def _on_ending_page(project: Project, proposal: ProjectEnding, form, name: str, change, **how):
    """A change made from a proposal's page: carried out, or the page drawn again with ``form`` (as
    ``name``) showing what is wrong."""
    if form.validate_on_submit():
        done = actions.carry_out(change, form=form, to=_to_ending(project, proposal), claim=False, **how)
        if done is not None:
            return done
    return _ending_page(project, proposal, 400, **{name: form})


@bp.post("/<int:project_id>/endings/<int:ending_id>/cancel")
@login_required
def cancel_ending(project_id, ending_id):
    project, proposal = _ending_or_404(project_id, ending_id)
    if not permissions.may_cancel(current_user, proposal):
        abort(403)
    form = DecisionNoteForm(prefix="cancel")
    return _on_ending_page(
        project,
        proposal,
        form,
        "cancel_form",
        lambda: ending.cancel_ending(proposal, actor=current_user, note=form.decision_note.data or ""),
        refused=("project.ending_refused", project),
        field="decision_note",
        message="The proposal is cancelled.",
    )


@bp.post("/<int:project_id>/endings/<int:ending_id>/repayment")
@roles_required(Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER)
def record_repayment(project_id, ending_id):
    project, proposal = _ending_or_404(project_id, ending_id)
    form = RepaymentForm()
    return _on_ending_page(
        project,
        proposal,
        form,
        "repayment_form",
        lambda: ending.record_repayment(proposal, repayment_pence=form.repayment_pence.data, actor=current_user),
        refused=("project.repayment_refused", project),
        field="repayment_pence",
        message="The amount to be repaid is recorded.",
    )


@bp.post("/<int:project_id>/endings/<int:ending_id>/repaid")
@roles_required(Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER)
def repayment_received(project_id, ending_id):
    project, proposal = _ending_or_404(project_id, ending_id)
    form = RepaymentReceivedForm()
    return _on_ending_page(
        project,
        proposal,
        form,
        "received_form",
        lambda: ending.repayment_received(
            proposal,
            received_on=form.repayment_received_on.data,
            reference=form.repayment_reference.data or "",
            actor=current_user,
        ),
        refused=("project.repayment_refused", project),
        field="repayment_reference",
        message="The repayment is recorded as received.",
    )
