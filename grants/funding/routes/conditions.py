"""What each tranche waits for: conditions added and removed by an officer, confirmed by their owner,
reopened when no longer met."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request
from flask_login import current_user, login_required

from grants.core import actions, once
from grants.core.forms import ActionForm
from grants.core.permissions import Role, roles_required
from grants.funding import permissions
from grants.funding.forms import ConditionForm, ConfirmConditionForm, ReasonForm
from grants.funding.models import CONDITION_KINDS
from grants.funding.routes.pages import (
    bp,
    condition_or_404,
    confirm_page,
    reason_page,
    refused_when_settled,
    to_tranche,
    tranche_or_404,
)
from grants.funding.services import conditions as condition_services
from grants.projects.access import project_or_404


@bp.route("/funding/tranches/<int:tranche_id>/conditions/new", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def add_condition(tranche_id):
    tranche = tranche_or_404(tranche_id)
    project = project_or_404(tranche.project_id, may_see=permissions.can_view_funding)
    refused = ("funding.condition_refused", tranche)
    if (settled := refused_when_settled(project, "add a condition", refused)) is not None:
        return settled
    form = ConditionForm()
    if (earlier := once.sent_before(form)) is not None:  # its kind is no longer a choice once added
        return earlier
    present = {condition.kind for condition in tranche.conditions if condition.kind != "custom"}
    form.kind.choices = [choice for choice in form.kind.choices if choice.value not in present]
    owners = condition_services.possible_owners(project)
    form.owner_id.choices = [(0, "Choose someone")] + [(person.id, person.name) for person in owners]
    if form.validate_on_submit():
        owner = next((person for person in owners if person.id == form.owner_id.data), None)
        if (
            done := actions.carry_out(
                lambda: condition_services.add_condition(
                    tranche, kind=form.kind.data, description=form.description.data, owner=owner, actor=current_user
                ),
                refused=("funding.condition_refused", tranche),
                form=form,
                field="kind",
                fields={"owner": "owner_id"},
                to=to_tranche(tranche),
                message=f"The condition has been added to tranche {tranche.sequence}.",
            )
        ) is not None:
            return done
    return render_template(
        "funding/condition_new.html", project=project, tranche=tranche, form=form, kinds=CONDITION_KINDS
    ), (400 if form.errors else 200)


@bp.route("/funding/conditions/<int:condition_id>/remove", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def remove_condition(condition_id):
    condition = condition_or_404(condition_id)
    tranche = condition.tranche
    refused = ("funding.condition_refused", condition)
    if (settled := refused_when_settled(tranche.project, "remove a condition", refused)) is not None:
        return settled
    if request.method == "GET" and condition.kind != "custom":
        flash(f"“{condition.label}” is a built-in condition and cannot be removed.", "important")
        return redirect(to_tranche(tranche))
    if request.method == "GET":
        return confirm_page(
            tranche.project,
            title=f"Remove “{condition.label}” from tranche {tranche.sequence}?",
            lede=f"Tranche {tranche.sequence} will no longer wait for it. If its other conditions are met, it "
            "becomes ready to request at once.",
            button="Remove the condition",
        )
    if not ActionForm().validate_on_submit():
        abort(400)
    return actions.carry_out(
        lambda: condition_services.remove_condition(condition, actor=current_user),
        refused=("funding.condition_refused", condition),
        to=to_tranche(tranche),
        message=f"The condition has been removed from tranche {tranche.sequence}.",
    )


@bp.route("/funding/conditions/<int:condition_id>/confirm", methods=["GET", "POST"])
@login_required
def confirm_condition(condition_id):
    condition = condition_or_404(condition_id)
    if not permissions.can_confirm(current_user, condition):
        abort(403)
    tranche = condition.tranche
    refused = ("funding.condition_refused", condition)
    if (settled := refused_when_settled(tranche.project, "confirm a condition", refused)) is not None:
        return settled
    form = ConfirmConditionForm()
    if form.validate_on_submit():
        if (
            done := actions.carry_out(
                lambda: condition_services.confirm_condition(condition, actor=current_user, note=form.note.data),
                refused=("funding.condition_refused", condition),
                form=form,
                field="note",
                to=to_tranche(tranche),
                message=f"“{condition.label}” is confirmed for tranche {tranche.sequence}.",
            )
        ) is not None:
            return done
    return render_template(
        "funding/condition_confirm.html", project=tranche.project, tranche=tranche, condition=condition, form=form
    ), (400 if form.errors else 200)


@bp.route("/funding/conditions/<int:condition_id>/reopen", methods=["GET", "POST"])
@login_required
def reopen_condition(condition_id):
    condition = condition_or_404(condition_id)
    if not (permissions.can_confirm(current_user, condition) or permissions.can_manage(current_user)):
        abort(403)
    tranche = condition.tranche
    refused = ("funding.condition_refused", condition)
    if (settled := refused_when_settled(tranche.project, "reopen a condition", refused)) is not None:
        return settled
    form = ReasonForm()
    form.reason.label.text = "Why is the condition no longer met?"
    form.submit.label.text = "Reopen the condition"
    if form.validate_on_submit():
        if (
            done := actions.carry_out(
                lambda: condition_services.reopen_condition(condition, actor=current_user, reason=form.reason.data),
                refused=("funding.condition_refused", condition),
                form=form,
                field="reason",
                to=to_tranche(tranche),
                message=f"“{condition.label}” is open again for tranche {tranche.sequence}.",
            )
        ) is not None:
            return done
    return reason_page(
        tranche.project,
        form,
        f"Reopen “{condition.label}”",
        f"Tranche {tranche.sequence} will wait for this condition again.",
    )
