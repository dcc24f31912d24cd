"""The steering member's reviews: declare conflicts, then score the bids assigned to them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from grants.applications.models import SECTIONS, Application
from grants.core.permissions import Role, roles_required
from grants.extensions import db
from grants.reviews import permissions, queries, services
from grants.reviews.forms import ConflictForm, ConflictNatureForm, scores_form
from grants.reviews.models import ReviewAssignment

bp = Blueprint("reviews", __name__, url_prefix="/reviews")


ALREADY_CONFLICTED = (
    "You have already declared a conflict of interest with this bid, so you are no longer reviewing it."
)
ALREADY_DECLARED = "You have already made your declaration for this bid."


def load_assignment(assignment_id: int) -> ReviewAssignment:
    """The reviewer's own assignment, or 404 — also once they have declared a conflict."""
    assignment = db.session.get(ReviewAssignment, assignment_id)
    if assignment is None or not permissions.owns(current_user, assignment):
        abort(404)
    if assignment.status in {"conflicted", "withdrawn"}:
        abort(404)
    return assignment


def _declared_before(assignment: ReviewAssignment):
    """A declaration sent again (or the slower of two at once): where the first one led, with a message."""
    if assignment.status == "conflicted":
        flash(ALREADY_CONFLICTED, "important")
        return redirect(url_for("reviews.index"), code=303)
    if assignment.status != "assigned":
        flash(ALREADY_DECLARED, "important")
        return redirect(url_for("reviews.assignment", assignment_id=assignment.id), code=303)
    return None


def _declared_conflict_before(assignment_id: int, *, declaring: bool):
    """After a conflict is declared the bid is gone from the reviewer's view (404); a second press of the
    declaration itself is told so instead, and sent where the first led."""
    if not (declaring and request.method == "POST"):
        return None
    assignment = db.session.get(ReviewAssignment, assignment_id)
    if assignment is not None and permissions.owns(current_user, assignment) and assignment.status == "conflicted":
        return _declared_before(assignment)
    return None


@bp.get("/")
@roles_required(Role.STEERING_MEMBER)
def index():
    return render_template("reviews/index.html", assignments=queries.reviewer_assignments(current_user.id))


def _bid(assignment: ReviewAssignment) -> Application:
    return db.session.scalar(
        db.select(Application)
        .where(Application.id == assignment.application_id)
        .options(
            selectinload(Application.partners),
            selectinload(Application.measures),
            selectinload(Application.commitments),
            selectinload(Application.budget_lines),
            selectinload(Application.documents),
        )
    )


@bp.route("/<int:assignment_id>", methods=["GET", "POST"])
@roles_required(Role.STEERING_MEMBER)
def assignment(assignment_id):
    if (earlier := _declared_conflict_before(assignment_id, declaring="has_conflict" in request.form)) is not None:
        return earlier
    assignment = load_assignment(assignment_id)
    if assignment.status == "assigned":
        return _declare(assignment)
    if request.method == "POST" and "has_conflict" in request.form:  # the declaration, sent again
        return _declared_before(assignment)
    return _score(assignment)


def _declare(assignment: ReviewAssignment):
    """Before the bid's content: who is in the partnership, and the declaration."""
    form = ConflictForm()
    if form.validate_on_submit():
        has_conflict = form.has_conflict.data == "yes"
        try:
            services.declare(assignment, has_conflict=has_conflict, nature=form.nature.data, actor=current_user)
        except services.ReviewError as error:
            db.session.rollback()
            if (earlier := _declared_before(assignment)) is not None:  # declared a moment ago
                return earlier
            form.nature.errors = [*form.nature.errors, error.message]
        else:
            db.session.commit()
            if has_conflict:
                flash("Thank you. You have been taken off this bid and the programme team will reassign it.", "success")
                return redirect(url_for("reviews.index"))
            return redirect(url_for("reviews.assignment", assignment_id=assignment.id))
    application = db.session.scalar(
        db.select(Application)
        .where(Application.id == assignment.application_id)
        .options(selectinload(Application.partners))
    )
    return render_template("reviews/declare.html", assignment=assignment, application=application, form=form)


def _score(assignment: ReviewAssignment):
    application = _bid(assignment)
    criteria = application.round.criteria
    current = {score.criterion_id: score for score in assignment.scores}
    if request.method == "GET":
        data = {}
        for criterion in criteria:
            score = current.get(criterion.id)
            data[f"value_{criterion.id}"] = str(score.value) if score and score.value is not None else None
            data[f"justification_{criterion.id}"] = score.justification if score else ""
        form = scores_form(criteria, data)
    else:
        form = scores_form(criteria)
    editable = permissions.can_score(current_user, assignment)
    pressed = request.method == "POST" and bool(form.submit_scores.data or form.save_draft.data)
    if pressed and editable and form.validate_on_submit():
        submit = bool(form.submit_scores.data)
        try:
            changed = services.save_scores(assignment, form.entries(), submit=submit, actor=current_user)
        except services.ScoreProblems as problems:
            db.session.rollback()
            for name, message in problems.problems:
                form[name].errors = [*form[name].errors, message]
        else:
            db.session.commit()
            if not changed:
                flash("These scores had already been submitted.", "important")
            else:
                flash(
                    "Your scores have been submitted." if submit else "Your scores have been saved as a draft.",
                    "success",
                )
            return redirect(
                url_for("reviews.index") if submit else url_for("reviews.assignment", assignment_id=assignment.id)
            )
    elif request.method == "POST" and not editable:
        flash("Scoring for this round has closed.", "info")
    return render_template(
        "reviews/score.html",
        assignment=assignment,
        application=application,
        form=form,
        criteria=criteria,
        sections=SECTIONS,
        editable=editable,
        closes_at=permissions.scoring_closes_at(application.round),
    )


@bp.route("/<int:assignment_id>/conflict", methods=["GET", "POST"])
@roles_required(Role.STEERING_MEMBER)
def declare_conflict(assignment_id):
    """A conflict noticed after starting to score: declared here, it takes the reviewer off the bid."""
    if (earlier := _declared_conflict_before(assignment_id, declaring=True)) is not None:
        return earlier
    assignment = load_assignment(assignment_id)
    if assignment.status == "assigned":
        return redirect(url_for("reviews.assignment", assignment_id=assignment.id))
    form = ConflictNatureForm()
    if form.validate_on_submit():
        try:
            services.declare(assignment, has_conflict=True, nature=form.nature.data, actor=current_user)
        except services.ReviewError as error:
            db.session.rollback()
            if assignment.status == "conflicted":  # declared a moment ago, by another press
                return _declared_before(assignment)
            form.nature.errors = [*form.nature.errors, error.message]
        else:
            db.session.commit()
            flash("Thank you. You have been taken off this bid and your scores for it no longer count.", "success")
            return redirect(url_for("reviews.index"))
    return render_template("reviews/conflict_later.html", assignment=assignment, form=form)
