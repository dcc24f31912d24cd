"""Releases: the officer's request, the finance approver's approval (the second signature), return, hold
and resume. A repeat of any of them answers 409 with the tranche's page saying what already happened."""

from __future__ import annotations

from flask import abort, request, url_for
from flask_login import current_user

from grants.accounts import services as account_services
from grants.core import actions, audit, limits
from grants.core.forms import ActionForm
from grants.core.permissions import Role, roles_required
from grants.funding.forms import ApproveForm, ReasonForm
from grants.funding.models import Tranche
from grants.funding.routes.pages import (
    bp,
    reason_page,
    refused_on_tranche,
    refused_when_settled,
    shown_on,
    to_tranche,
    tranche_or_404,
    tranche_page,
)
from grants.funding.services import ConditionsLapsed, FundingError
from grants.funding.services import conditions as condition_services
from grants.funding.services import release as release_services

PURPOSE = "approve a payment"


class WrongPassword(FundingError):
    """The approver's own password, entered again, was not right: nothing is released."""


@bp.post("/funding/tranches/<int:tranche_id>/request")
@roles_required(Role.PROGRAMME_OFFICER)
def request_release(tranche_id):
    tranche = tranche_or_404(tranche_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    back = to_tranche(tranche)
    return actions.carry_out(
        lambda: release_services.request_release(tranche, actor=current_user),
        refused=("funding.release_request_refused", tranche),
        to=back,
        message=f"The release of tranche {tranche.sequence} has been requested. "
        "A finance approver has been asked to approve it.",
        repeat=lambda error: refused_on_tranche(tranche_id, error),
    )


@bp.route("/funding/tranches/<int:tranche_id>", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER)
@limits.reauthentication
def tranche(tranche_id):
    tranche = tranche_or_404(tranche_id)
    if request.method == "GET":
        return tranche_page(tranche)
    refusal = release_services.approval_refusal(tranche, current_user)
    if refusal is not None:  # refused before the password is even asked for
        actions.refuse("funding.release_refused", tranche, refusal)
        return refused_on_tranche(tranche_id, refusal)
    form = ApproveForm()
    if not form.validate_on_submit():
        return tranche_page(tranche, form, 400)
    return actions.carry_out(
        lambda: _approve(tranche, form),
        refused=("funding.release_refused", tranche),
        to=url_for("funding.index", view="requested"),
        message=f"Tranche {tranche.sequence} of {tranche.project.reference} has been released.",
        keep=_kept_when_refused(tranche),
        repeat=lambda error: refused_on_tranche(tranche_id, error),
        show=shown_on(form, "payment_reference", lambda: tranche_page(tranche_or_404(tranche_id), form, 400)),
    )


def _approve(tranche: Tranche, form: ApproveForm):
    """The approver's password again, then the money goes."""
    actor = current_user._get_current_object()
    if not account_services.reauthenticate(actor, form.password.data, purpose=PURPOSE, subject=tranche):
        raise WrongPassword(
            "The password is not right. Enter your own password to approve the payment", field="password"
        )
    return release_services.approve_release(tranche, actor=actor, payment_reference=form.payment_reference.data)


def _kept_when_refused(tranche: Tranche):
    """What a refused approval still keeps: the trace of a wrong password (which counts against the limit on
    tries), or a tranche whose conditions lapsed going back to waiting for them."""

    def keep(error):
        if isinstance(error, WrongPassword):
            actor = current_user._get_current_object()
            audit.record("auth.reauthentication_failed", tranche, actor=actor, after={"purpose": PURPOSE})
        elif isinstance(error, ConditionsLapsed):
            condition_services.evaluate_project(tranche.project, actor=current_user)

    return keep


def _reason_action(
    tranche_id: int, *, service, refusal: str, doing: str, title: str, lede: str, label: str, button: str, done: str
):
    tranche = tranche_or_404(tranche_id)
    if (settled := refused_when_settled(tranche.project, doing, (refusal, tranche), to_tranche(tranche))) is not None:
        return settled
    form = ReasonForm()
    form.reason.label.text, form.submit.label.text = label, button

    def page():
        return reason_page(tranche.project, form, title.format(sequence=tranche.sequence), lede)

    if form.validate_on_submit():
        return actions.carry_out(
            lambda: service(tranche, actor=current_user, reason=form.reason.data),
            refused=(refusal, tranche),
            to=to_tranche(tranche),
            message=done.format(sequence=tranche.sequence),
            repeat=lambda error: refused_on_tranche(tranche_id, error),
            show=shown_on(form, "reason", page),
        )
    return page()


@bp.route("/funding/tranches/<int:tranche_id>/return", methods=["GET", "POST"])
@roles_required(Role.FINANCE_APPROVER)
def return_request(tranche_id):
    return _reason_action(
        tranche_id,
        service=release_services.return_request,
        refusal="funding.return_refused",
        doing="return a request",
        title="Return the request for tranche {sequence}",
        lede="The programme officer who requested it is told why. They can request it again.",
        label="Why are you returning the request?",
        button="Return the request",
        done="The request for tranche {sequence} has been returned.",
    )


@bp.route("/funding/tranches/<int:tranche_id>/hold", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER)
def hold(tranche_id):
    return _reason_action(
        tranche_id,
        service=release_services.hold_tranche,
        refusal="funding.hold_refused",
        doing="hold a tranche",
        title="Hold tranche {sequence}",
        lede="A held tranche cannot be requested or released until the hold is lifted. "
        "The project lead sees the reason.",
        label="Why is the tranche held?",
        button="Hold the tranche",
        done="Tranche {sequence} is held.",
    )


@bp.post("/funding/tranches/<int:tranche_id>/resume")
@roles_required(Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER)
def resume(tranche_id):
    tranche = tranche_or_404(tranche_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    back = to_tranche(tranche)
    return actions.carry_out(
        lambda: release_services.resume_tranche(tranche, actor=current_user),
        refused=("funding.resume_refused", tranche),
        to=back,
        message=f"The hold on tranche {tranche.sequence} has been lifted.",
        repeat=lambda error: refused_on_tranche(tranche_id, error),
    )
