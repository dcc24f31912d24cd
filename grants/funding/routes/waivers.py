"""Waivers of built-in conditions: proposed by a programme officer, agreed by a finance approver who is
someone else, or withdrawn by the officer who proposed it."""

from __future__ import annotations

from flask import abort, url_for
from flask_login import current_user

from grants.core import actions
from grants.core.forms import ActionForm
from grants.core.permissions import Role, roles_required
from grants.funding.forms import ReasonForm
from grants.funding.routes.pages import (
    bp,
    condition_or_404,
    reason_page,
    refused_on_tranche,
    refused_when_settled,
    shown_on,
    to_tranche,
)
from grants.funding.services import waivers as waiver_services


@bp.route("/funding/conditions/<int:condition_id>/waive", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def propose_waiver(condition_id):
    condition = condition_or_404(condition_id)
    tranche = condition.tranche
    refused = ("funding.waiver_refused", condition)
    back = to_tranche(tranche)
    if (settled := refused_when_settled(tranche.project, "waive a condition", refused, back)) is not None:
        return settled
    form = ReasonForm()
    form.reason.label.text = "Why should this condition be waived?"
    form.reason.description = "A finance approver reads this before agreeing. The project lead sees it too."
    form.submit.label.text = "Propose the waiver"

    def page():
        return reason_page(
            tranche.project,
            form,
            f"Waive “{condition.label}” for tranche {tranche.sequence}?",
            "The condition counts as met only once a finance approver, someone other than you, agrees.",
        )

    if form.validate_on_submit():
        proposed = f"You have proposed to waive “{condition.label}” for tranche {tranche.sequence}."
        return actions.carry_out(
            lambda: waiver_services.propose_waiver(condition, actor=current_user, reason=form.reason.data),
            refused=("funding.waiver_refused", condition),
            to=to_tranche(tranche),
            message=lambda asked: f"{proposed} {_who_was_asked(asked)}",
            repeat=lambda error: refused_on_tranche(tranche.id, error),
            show=shown_on(form, "reason", page),
        )
    return page()


def _who_was_asked(asked: int) -> str:
    if asked:
        return "The finance approvers have been asked to agree."
    return (
        "Nobody else has the finance approver role yet, so nobody can agree to it: an administrator "
        "can give the role to someone other than you, on the People page."
    )


def _waiver_action(condition_id: int, service, done: str):
    """Agreeing or withdrawing: a button on the tranche's page, where every refusal is shown too."""
    condition = condition_or_404(condition_id)
    tranche_id = condition.tranche_id
    if not ActionForm().validate_on_submit():
        abort(400)
    return actions.carry_out(
        lambda: service(condition, actor=current_user),
        refused=("funding.waiver_refused", condition),
        to=url_for("funding.tranche", tranche_id=tranche_id),
        message=done.format(label=condition.label, sequence=condition.tranche.sequence),
        show=lambda error: refused_on_tranche(tranche_id, error),
        repeat=lambda error: refused_on_tranche(tranche_id, error),
    )


@bp.post("/funding/conditions/<int:condition_id>/waive/agree")
@roles_required(Role.FINANCE_APPROVER)
def agree_waiver(condition_id):
    return _waiver_action(
        condition_id, waiver_services.agree_waiver, "You have agreed to waive “{label}” for tranche {sequence}."
    )


@bp.post("/funding/conditions/<int:condition_id>/waive/withdraw")
@roles_required(Role.PROGRAMME_OFFICER)
def withdraw_waiver(condition_id):
    return _waiver_action(
        condition_id, waiver_services.withdraw_waiver, "The waiver of “{label}” for tranche {sequence} is withdrawn."
    )
