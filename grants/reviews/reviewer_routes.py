"""The steering member's reviews: declare conflicts, then score the bids assigned to them."""

from __future__ import annotations

import functools

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from grants.applications.models import Application
from grants.bidforms.queries import form_of
from grants.conversations import permissions as conversation_permissions
from grants.conversations import services as conversation_services
from grants.core import actions
from grants.core.errors import GrantsError
from grants.core.pagination import paginate
from grants.core.permissions import Role, roles_required
from grants.core.times import london_today
from grants.extensions import db
from grants.reviews import clarifications, permissions, queries, scores, scoring, services
from grants.reviews.criterion_answers import answers_by_criterion
from grants.reviews.forms import AskTeamForm, ConflictForm, ConflictNatureForm, scores_form
from grants.reviews.models import AssignmentStatus, ReviewAssignment

bp = Blueprint("reviews", __name__, url_prefix="/reviews")
DONE_PER_PAGE = 20


ALREADY_CONFLICTED = (
    "You have already declared a conflict of interest with this bid, so you are no longer reviewing it."
)
ALREADY_DECLARED = "You have already made your declaration for this bid."
CONFLICT_DECLARED = "Thank you. You have been taken off this bid and the programme team will reassign it."
LATER_CONFLICT_DECLARED = "Thank you. You have been taken off this bid and your scores for it no longer count."


def load_assignment(assignment_id: int) -> ReviewAssignment:
    """The reviewer's own assignment, or 404 — also once they have declared a conflict."""
    assignment = db.session.get(ReviewAssignment, assignment_id)
    if assignment is None or not permissions.owns(current_user, assignment):
        abort(404)
    if assignment.status in {AssignmentStatus.CONFLICTED, AssignmentStatus.WITHDRAWN}:
        abort(404)
    return assignment


def _declared_before(assignment: ReviewAssignment):
    """A declaration sent again (or the slower of two at once): where the first one led, with a message."""
    if assignment.status == AssignmentStatus.CONFLICTED:
        flash(ALREADY_CONFLICTED, "important")
        return redirect(url_for("reviews.index"), code=303)
    if assignment.status != AssignmentStatus.ASSIGNED:
        flash(ALREADY_DECLARED, "important")
        return redirect(url_for("reviews.assignment", assignment_id=assignment.id), code=303)
    return None


def _declared_conflict_before(assignment_id: int, *, declaring: bool):
    """After a conflict is declared the bid is gone from the reviewer's view (404); a second press of the
    declaration itself is told so instead, and sent where the first led."""
    if not (declaring and request.method == "POST"):
        return None
    assignment = db.session.get(ReviewAssignment, assignment_id)
    if (
        assignment is not None
        and permissions.owns(current_user, assignment)
        and assignment.status == AssignmentStatus.CONFLICTED
    ):
        return _declared_before(assignment)
    return None


@bp.get("/")
@roles_required(Role.STEERING_MEMBER)
def index():
    """The reviews to do first, soonest due first; those done below, latest first, a page at a time."""
    return render_template(
        "reviews/index.html",
        to_do=queries.reviews_to_do(current_user.id),
        done=paginate(queries.reviews_done_statement(current_user.id), DONE_PER_PAGE),
        today=london_today(),
    )


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
    if assignment.status == AssignmentStatus.ASSIGNED:
        return _declare(assignment)
    if request.method == "POST" and "has_conflict" in request.form:  # the declaration, sent again
        return _declared_before(assignment)
    return _score(assignment)


def _declare(assignment: ReviewAssignment):
    """Before the bid's content: who is in the partnership, and the declaration."""
    form = ConflictForm()
    if form.validate_on_submit():
        has_conflict = form.has_conflict.data == "yes"
        return actions.carry_out(
            lambda: services.declare(
                assignment, has_conflict=has_conflict, nature=form.nature.data, actor=current_user
            ),
            refused=("review.declaration_refused", assignment),
            to=url_for("reviews.index") if has_conflict else url_for("reviews.assignment", assignment_id=assignment.id),
            message=CONFLICT_DECLARED if has_conflict else None,
            show=lambda error: _declaration_refused(
                assignment, form, error, _declaration_page, declared=assignment.status != AssignmentStatus.ASSIGNED
            ),
        )
    return _declaration_page(assignment, form, 400 if form.errors else 200)


def _declaration_page(assignment: ReviewAssignment, form: ConflictForm, status: int = 200):
    application = db.session.scalar(
        db.select(Application)
        .where(Application.id == assignment.application_id)
        .options(selectinload(Application.partners))
    )
    return render_template("reviews/declare.html", assignment=assignment, application=application, form=form), status


def _declaration_refused(assignment: ReviewAssignment, form, error: GrantsError, page, *, declared: bool):
    """``declared``: by another press a moment ago (read after the refusal), so this one is sent where that
    one led. Otherwise the page again, with why."""
    if declared:
        return _declared_before(assignment)
    actions.show_on_field(form, error, "nature")
    return page(assignment, form, 400)


def _score(assignment: ReviewAssignment):
    application = _bid(assignment)
    criteria = application.round.criteria
    form = scores_form(criteria, _current_scores(assignment, criteria) if request.method == "GET" else None)
    editable = permissions.can_score(current_user, assignment)
    pressed = request.method == "POST" and bool(form.submit_scores.data or form.save_draft.data)
    page = functools.partial(_scores_page, assignment, application, form, editable)
    if pressed and editable and form.validate_on_submit():
        submit = bool(form.submit_scores.data)
        return actions.carry_out(
            lambda: scores.save_scores(assignment, form.entries(), submit=submit, actor=current_user),
            refused=("review.scores_refused", assignment),
            to=url_for("reviews.index") if submit else url_for("reviews.assignment", assignment_id=assignment.id),
            message="Your scores have been submitted." if submit else "Your scores have been saved as a draft.",
            show=lambda error: _scores_refused(form, criteria, error, page),
        )
    if request.method == "POST" and not editable:
        flash("Scoring for this round has closed.", "info")
    return page(400 if form.errors else 200)


def _current_scores(assignment: ReviewAssignment, criteria) -> dict:
    """The form's data as the reviewer left it: each criterion's score and justification."""
    current = {score.criterion_id: score for score in assignment.scores}
    data = {}
    for criterion in criteria:
        score = current.get(criterion.id)
        data[f"value_{criterion.id}"] = str(score.value) if score and score.value is not None else None
        data[f"justification_{criterion.id}"] = score.justification if score else ""
    return data


def _score_fields(criteria) -> dict[str, str]:
    """Each criterion's score and justification, as the service names them, to the form's fields."""
    fields = {}
    for criterion in criteria:
        fields[scores.score_field(criterion.id)] = f"value_{criterion.id}"
        fields[scores.score_field(criterion.id, "justification")] = f"justification_{criterion.id}"
    return fields


def _scores_refused(form, criteria, error: GrantsError, page):
    """Every problem with the scores beside its criterion; any other refusal above the form."""
    fields = _score_fields(criteria)
    for problem in getattr(error, "problems", [error]):
        if problem.field in fields:
            actions.show_on_field(form, problem, None, fields)
        else:
            flash(problem.message, "important")
    return page(400)


def _scores_page(
    assignment: ReviewAssignment,
    application: Application,
    form,
    editable: bool,
    status: int = 200,
    ask_form: AskTeamForm | None = None,
):
    bid_form = form_of(application.round_id)  # once: the answers beside the criteria and the bid's own
    return render_template(
        "reviews/score.html",
        assignment=assignment,
        application=application,
        answers_by_criterion=answers_by_criterion(application.round.criteria, application, bid_form),
        form=form,
        criteria=application.round.criteria,
        scale_meanings=scoring.scale_meanings,
        bid_form=bid_form,
        editable=editable,
        closes_at=permissions.scoring_closes_at(application.round),
        clarifications=clarifications.section(
            current_user, application, page=clarifications.REVIEW_PAGE, form=ask_form
        ),
    ), status


@bp.route("/<int:assignment_id>/conflict", methods=["GET", "POST"])
@roles_required(Role.STEERING_MEMBER)
def declare_conflict(assignment_id):
    """A conflict noticed after starting to score: declared here, it takes the reviewer off the bid."""
    if (earlier := _declared_conflict_before(assignment_id, declaring=True)) is not None:
        return earlier
    assignment = load_assignment(assignment_id)
    if assignment.status == AssignmentStatus.ASSIGNED:
        return redirect(url_for("reviews.assignment", assignment_id=assignment.id))
    form = ConflictNatureForm()
    if form.validate_on_submit():
        return actions.carry_out(
            lambda: services.declare(assignment, has_conflict=True, nature=form.nature.data, actor=current_user),
            refused=("review.conflict_refused", assignment),
            to=url_for("reviews.index"),
            message=LATER_CONFLICT_DECLARED,
            show=lambda error: _declaration_refused(
                assignment, form, error, _later_conflict_page, declared=assignment.status == AssignmentStatus.CONFLICTED
            ),
        )
    return _later_conflict_page(assignment, form, 400 if form.errors else 200)


def _later_conflict_page(assignment: ReviewAssignment, form: ConflictNatureForm, status: int = 200):
    return render_template("reviews/conflict_later.html", assignment=assignment, form=form), status


# --- Asking the programme team ------------------------------------------------------------------------------


@bp.post("/applications/<int:application_id>/ask")
@roles_required(Role.STEERING_MEMBER, Role.STEERING_CHAIR)
def ask_team(application_id):
    """Someone assessing the bid asks the programme team to seek a clarification from the applicant, from
    the reviewer's bid page or the chair's (``page``), and comes back to it."""
    application = db.get_or_404(Application, application_id)
    if not conversation_permissions.is_assessing(current_user, application):
        abort(404)  # a bid they do not assess, or declared a conflict with, is not theirs to see
    if not conversation_permissions.can_ask_programme_team(current_user, application):
        abort(403)
    back, draw = _asked_from(application, request.args.get("page"))
    form = AskTeamForm()
    if form.validate_on_submit():
        done = actions.carry_out(
            lambda: conversation_services.ask_programme_team(application, actor=current_user, body=form.body.data),
            refused=("message.ask_refused", application),
            form=form,
            field="body",
            to=f"{back}#clarifications",
            message=clarifications.ASKED,
        )
        if done is not None:
            return done
    return draw(form)


def _asked_from(application: Application, page: str | None):
    """Where the request came from: its address, and how to draw it again with the form's errors. The chair's
    page when asked for and theirs to see; otherwise the person's own review of the bid."""
    from grants.reviews import chair_routes

    review = db.session.scalar(
        db.select(ReviewAssignment).where(
            ReviewAssignment.application_id == application.id,
            ReviewAssignment.reviewer_id == current_user.id,
            ReviewAssignment.status.in_([AssignmentStatus.IN_PROGRESS, AssignmentStatus.SUBMITTED]),
        )
    )
    chair = permissions.can_moderate(current_user, application) and application.status in queries.ASSESSED_STATES
    if (
        review is not None
        and current_user.has_role(Role.STEERING_MEMBER)
        and (page != clarifications.ASSESSMENT_PAGE or not chair)
    ):
        return url_for("reviews.assignment", assignment_id=review.id), functools.partial(_review_again, review)
    if chair:
        return url_for("assessment.bid", application_id=application.id), lambda ask_form: chair_routes.bid_page_again(
            application, ask_form=ask_form
        )
    abort(404)


def _review_again(assignment: ReviewAssignment, ask_form: AskTeamForm):
    application = _bid(assignment)
    criteria = application.round.criteria
    form = scores_form(criteria, _current_scores(assignment, criteria))
    return _scores_page(assignment, application, form, permissions.can_score(current_user, assignment), 400, ask_form)
