"""What the funding pages share: the blueprint, loading a tranche or condition (404), and the pages more
than one group draws: a tranche, an "are you sure?" and a reason."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from grants.accounts.models import User
from grants.core import actions
from grants.core.forms import ActionForm
from grants.core.permissions import Role
from grants.extensions import db
from grants.funding import permissions
from grants.funding.forms import ApproveForm
from grants.funding.models import Payment, Tranche, TrancheCondition, TrancheStatus
from grants.funding.services import conditions as condition_services
from grants.funding.services.common import NotAllowed, settled_because, settled_refusal
from grants.projects.models import Project

bp = Blueprint("funding", __name__)


def tranche_or_404(tranche_id: int) -> Tranche:
    tranche = db.session.get(Tranche, tranche_id)
    if tranche is None:
        abort(404)
    return tranche


def condition_or_404(condition_id: int) -> TrancheCondition:
    condition = db.session.get(TrancheCondition, condition_id)
    if condition is None or not permissions.can_view_funding(current_user, condition.tranche.project):
        abort(404)
    return condition


def to_project(project_id: int, anchor: str = "") -> str:
    return url_for("funding.project", project_id=project_id) + anchor


def to_tranche(tranche: Tranche) -> str:
    """A tranche on its project's funding page."""
    return to_project(tranche.project_id, f"#tranche-{tranche.sequence}")


def blockers(tranche: Tranche) -> list[str]:
    """What stops an unpaid tranche being requested, as the request itself would say."""
    return (
        condition_services.payment_blockers(tranche)
        if tranche.status in (TrancheStatus.SCHEDULED, TrancheStatus.ELIGIBLE)
        else []
    )


def confirm_page(project: Project, *, title: str, lede: str, button: str):
    """Are you sure? A change that weakens a payment control, or undoes work, is asked about first."""
    return render_template(
        "funding/confirm.html", project=project, title=title, lede=lede, button=button, form=ActionForm(formdata=None)
    )


def reason_page(project: Project, form, title: str, lede: str):
    """A change that needs a reason: the form, 400 with its errors."""
    return render_template("funding/reason.html", project=project, form=form, title=title, lede=lede), (
        400 if form.errors else 200
    )


def tranche_page(tranche: Tranche, form: ApproveForm | None = None, status: int = 200):
    user = current_user
    return render_template(
        "funding/tranche.html",
        project=tranche.project,
        tranche=tranche,
        payment=db.session.scalar(db.select(Payment).where(Payment.tranche_id == tranche.id)),
        form=form or ApproveForm(formdata=None),
        can_approve=permissions.can_approve(user, tranche),
        own_request=tranche.status == TrancheStatus.REQUESTED
        and tranche.requested_by_id == user.id
        and user.has_role(Role.FINANCE_APPROVER),
        can_hold=permissions.can_hold_tranche(user, tranche),
        held_by=db.session.get(User, tranche.held_by_id) if tranche.held_by_id else None,
        settled=settled_because(tranche.project),
        blockers=blockers(tranche),
        can_agree=lambda condition: permissions.can_agree_waiver(user, condition),
        can_withdraw=lambda condition: permissions.can_withdraw_waiver(user, condition),
        action_form=ActionForm(formdata=None),
    ), status


def refused_on_tranche(tranche_id: int, error) -> tuple:
    """A refusal shown on the tranche's page: 403 when the person may not do it (their role, or their own
    request or proposal), else 409, the tranche saying how it stands."""
    flash(error.message, "important")
    return tranche_page(tranche_or_404(tranche_id), status=403 if isinstance(error, NotAllowed) else 409)


def refused_when_settled(project: Project, doing: str, refused: tuple[str, Any], to: str | None = None):
    """A finished project's money no longer changes: instead of a form to change it, the person goes back to
    the funding page, which says why; a change sent anyway is refused, and recorded, the same way. None
    while the project runs."""
    refusal = settled_refusal(project, doing)
    if refusal is None:
        return None
    back = to or to_project(project.id)
    if request.method == "POST":
        action, subject = refused
        actions.refuse(action, subject, refusal)
    flash(refusal.message, "important")
    return redirect(back, 303)


def shown_on(form, field: str, draw):
    """``otherwise`` for a form: the message next to the field it is about, and the page drawn again (400)."""

    def show(error):
        actions.show_on_field(form, error, field)
        return draw()

    return show
