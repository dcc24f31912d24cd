"""The programme officer assigns reviewers, by hand or automatically, and screens eligibility."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user

from grants.accounts.models import User
from grants.applications.models import Application
from grants.core import actions
from grants.core.db import utcnow
from grants.core.forms import ActionForm
from grants.core.permissions import Role, roles_required
from grants.extensions import db
from grants.reviews import permissions, queries, services
from grants.reviews.forms import AssignForm, AutoAssignForm, IneligibleForm
from grants.reviews.models import ReviewAssignment
from grants.rounds.models import Round

bp = Blueprint("review_admin", __name__, url_prefix="/manage")


def _default_due(round_: Round):
    return round_.assessment_deadline or (utcnow() + timedelta(days=21)).date()


@bp.get("/rounds/<int:round_id>/reviewers")
@roles_required(Role.PROGRAMME_OFFICER)
def index(round_id):
    round_ = db.get_or_404(Round, round_id)
    form = AutoAssignForm(data={"per_bid": 3, "due_on": _default_due(round_)})
    return _overview(round_, form)


def _overview(round_: Round, form: AutoAssignForm):
    bids = services.assignable_bids(round_)
    assignments = queries.round_assignments(round_.id)
    active = {bid.id: sum(1 for a in assignments.get(bid.id, []) if a.is_active) for bid in bids}
    # A bid with fewer reviewers than the others (usually after a conflict), or none, is offered for
    # (re)assignment: those bids come first, by name.
    target = max(active.values(), default=0)
    needing = {bid_id for bid_id, count in active.items() if count < queries.wanted_reviewers(target)}
    if round_.status not in permissions.ASSESSABLE_ROUND_STATES:
        needing = set()  # reviewers are assigned once the round has closed
    bids = sorted(bids, key=lambda bid: (bid.id not in needing, bid.display_title.casefold(), bid.reference or ""))
    return render_template(
        "reviews/manage/index.html",
        round=round_,
        bids=bids,
        form=form,
        assignments=assignments,
        action_form=ActionForm(formdata=None),
        needing=needing,
        target=target,
    )


@bp.post("/rounds/<int:round_id>/reviewers/auto")
@roles_required(Role.PROGRAMME_OFFICER)
def auto_assign(round_id):
    round_ = db.get_or_404(Round, round_id)
    form = AutoAssignForm()
    if not form.validate_on_submit():
        return _overview(round_, form), 400
    return actions.carry_out(
        lambda: services.auto_assign(round_, form.per_bid.data, form.due_on.data, actor=current_user),
        refused=("review.auto_assign_refused", round_),
        to=url_for("review_admin.index", round_id=round_.id),
        message=lambda made: f"{made} assignment{'s' if made != 1 else ''} made. Each reviewer has been emailed.",
    )


@bp.route("/applications/<int:application_id>/reviewers", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def assign(application_id):
    application = db.get_or_404(Application, application_id)
    eligible, excluded = services.reviewer_choices(application)
    form = AssignForm() if request.method == "POST" else AssignForm(data={"due_on": _default_due(application.round)})
    form.reviewer_id.choices = [(member.id, member.name) for member in eligible]
    if form.validate_on_submit():
        reviewer = db.session.get(User, form.reviewer_id.data)
        done = actions.carry_out(
            lambda: services.assign_reviewer(application, reviewer, form.due_on.data, actor=current_user),
            refused=("review.assign_refused", application),
            form=form,
            field="reviewer_id",
            to=url_for("review_admin.index", round_id=application.round_id),
            message=lambda _: f"{reviewer.name} has been asked to review {application.reference}.",
        )
        if done is not None:
            return done
    return render_template(
        "reviews/manage/assign.html",
        application=application,
        form=form,
        excluded=excluded,
        assignments=queries.assignments_of_bid(application.id),
    ), 400 if form.errors else 200


@bp.post("/assignments/<int:assignment_id>/unassign")
@roles_required(Role.PROGRAMME_OFFICER)
def unassign(assignment_id):
    assignment = db.get_or_404(ReviewAssignment, assignment_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return actions.carry_out(
        lambda: services.unassign(assignment, actor=current_user),
        refused=("review.unassign_refused", assignment),
        to=url_for("review_admin.index", round_id=assignment.application.round_id),
        message=lambda _: f"{assignment.reviewer.name} no longer reviews {assignment.application.reference}.",
    )


@bp.route("/applications/<int:application_id>/ineligible", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def ineligible(application_id):
    application = db.get_or_404(Application, application_id)
    form = IneligibleForm()
    if form.validate_on_submit():
        done = actions.carry_out(
            lambda: services.mark_ineligible(application, form.reason.data, actor=current_user),
            refused=("review.ineligible_refused", application),
            form=form,
            field="reason",
            to=url_for("manage_applications.show", application_id=application.id),
            message=lambda _: f"{application.reference} has been marked ineligible and the applicant told why.",
        )
        if done is not None:
            return done
    page = render_template("reviews/manage/ineligible.html", application=application, form=form)
    return page, 400 if form.errors else 200
