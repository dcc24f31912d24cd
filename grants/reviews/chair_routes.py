"""The steering group chair's assessment: moderation, the ranked portfolio, and decisions.
Programme officers can read these pages; only a chair acts on them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import lazyload, selectinload

from grants.applications.models import Application, ApplicationStatus
from grants.bidforms.queries import form_of
from grants.conversations import queries as conversation_queries
from grants.core import actions
from grants.core.cache import cached_page
from grants.core.forms import ActionForm
from grants.core.pagination import paginate_counted
from grants.core.permissions import Role, roles_required
from grants.extensions import db
from grants.reviews import clarifications, decisions, permissions, queries, scores, services
from grants.reviews.criterion_answers import answers_by_criterion
from grants.reviews.forms import BulkDecisionForm, ConflictNatureForm, DecisionForm, NoteForm, ReserveApprovalForm
from grants.reviews.models import Decision, ReviewAssignment
from grants.rounds.models import Round, RoundStatus

bp = Blueprint("assessment", __name__, url_prefix="/assessment")
VIEWERS = (Role.STEERING_CHAIR, Role.PROGRAMME_OFFICER)
PER_PAGE = 50
NOTE_NEEDED = "Say what you would like the reviewer to look at again"


@bp.get("/")
@roles_required(*VIEWERS)
def index():
    rounds = db.session.scalars(
        db.select(Round)
        .where(Round.status.in_([RoundStatus.CLOSED, RoundStatus.ASSESSING, RoundStatus.DECIDED]))
        .order_by(Round.closes_at.desc())
    ).all()
    return render_template("reviews/assessment/index.html", rounds=rounds)


def _load_round(round_id: int) -> Round:
    round_ = db.session.scalar(
        db.select(Round).where(Round.id == round_id).options(selectinload(Round.criteria), lazyload(Round.themes))
    )
    if round_ is None or round_.status in {RoundStatus.DRAFT, RoundStatus.OPEN}:
        abort(404)
    return round_


def _no_chair_can_decide(round_: Round) -> str | None:
    """While the round is assessed: which undecided bids no chair can decide, and what to do about it."""
    if round_.status != RoundStatus.ASSESSING:
        return None
    return queries.no_chair_message(queries.undecided_no_chair_can_decide(round_))


def _ranking_page(round_: Round, bulk_form: BulkDecisionForm, status: int = 200):
    """The whole round is ranked and counted by the database; only the page's bids are built and loaded."""
    figures = queries.ranking_figures(round_)
    page = paginate_counted(figures.bids, lambda offset, limit: queries.ranking_slice(round_, offset, limit), PER_PAGE)
    queries.load_applications(page.items)
    return render_template(
        "reviews/assessment/round.html",
        round=round_,
        page=page,
        clarification_tags={
            application_id: clarifications.state_tag(state)
            for application_id, state in conversation_queries.clarification_states(
                [a.application_id for a in page.items]
            ).items()
        },
        effect=decisions.PortfolioEffect(
            total_pence=figures.approved_pence,
            count=figures.approved,
            budget_pence=round_.budget_pence,
            places=round_.places,
        ),
        balance=queries.selected_balance(round_) if figures.approved else queries.empty_balance(),
        form=bulk_form,
        conflicted=queries.conflicted_application_ids(current_user),
        can_decide=permissions.is_chair(current_user) and round_.status == RoundStatus.ASSESSING,
        can_approve_reserves=permissions.is_chair(current_user) and figures.reserves > 0,
        undecided=figures.undecided if round_.status == RoundStatus.ASSESSING else 0,
        no_chair=_no_chair_can_decide(round_),
    ), status


@bp.get("/rounds/<int:round_id>")
@roles_required(*VIEWERS)
@cached_page
def round_view(round_id):
    return _ranking_page(_load_round(round_id), BulkDecisionForm(formdata=None))


@bp.post("/rounds/<int:round_id>/bulk")
@roles_required(Role.STEERING_CHAIR)
def bulk(round_id):
    """Several bids at once: checked first, then confirmed before anything is recorded."""
    round_ = _load_round(round_id)
    form = BulkDecisionForm()
    if not form.validate_on_submit():
        return _ranking_page(round_, form, 400)
    requests = [
        decisions.DecisionRequest(
            application_id,
            form.outcome.data,
            form.rationale.data,
            rank_override_reason=form.rank_override_reason.data or None,
            # Feedback written here goes out with the letters; none keeps what each bid's own page says.
            feedback=form.feedback,
            feedback_released=True if form.feedback else None,
        )
        for application_id in dict.fromkeys(form.application_ids.data)  # each bid once, in the order given
    ]
    if form.confirmed.data != "yes":  # checked, and shown for confirmation: nothing is recorded yet
        done = actions.carry_out(
            lambda: decisions.check_decisions(round_, requests, actor=current_user),
            refused=("decision.bulk_refused", round_),
            form=form,
            field="outcome",
            to=lambda checked: _confirm_bulk_page(round_, form, checked),
        )
    else:
        done = actions.carry_out(
            lambda: decisions.record_decisions(round_, requests, actor=current_user),
            refused=("decision.bulk_refused", round_),
            form=form,
            field="outcome",
            to=url_for("assessment.round_view", round_id=round_.id),
            message=f"{len(requests)} decision{'s' if len(requests) != 1 else ''} recorded. They take effect "
            "when you confirm the round's decisions.",
        )
    return done if done is not None else _ranking_page(round_, form, 400)


def _confirm_bulk_page(round_: Round, form: BulkDecisionForm, checked):
    assessments, effect = checked
    chosen = [a for a in assessments if a.application_id in set(form.application_ids.data)]
    page = render_template(
        "reviews/assessment/confirm_bulk.html", round=round_, form=form, chosen=chosen, effect=effect
    )
    return make_response(page)  # a page to show, not an address to go to


def _load_bid(application_id: int) -> Application:
    application = db.session.scalar(
        db.select(Application)
        .where(Application.id == application_id)
        .options(
            selectinload(Application.partners),
            selectinload(Application.measures),
            selectinload(Application.commitments),
            selectinload(Application.budget_lines),
            selectinload(Application.documents),
        )
    )
    if application is None or application.status not in queries.ASSESSED_STATES:
        abort(404)
    if permissions.has_conflict(current_user, application):
        abort(404)  # whatever their roles, someone with a conflict does not see the bid at all
    return application


def _bid_page(
    application: Application, form: DecisionForm, can_decide: bool, note_errors=None, status=200, ask_form=None
):
    round_ = application.round
    assessment = queries.bid_ranking(round_, application.id)
    if assessment is None:  # not under assessment: ``_load_bid`` lets no such bid through
        abort(404)
    assessment.application = application
    queries.load_spreads([assessment])
    assessment.decision = db.session.scalar(db.select(Decision).where(Decision.application_id == application.id))
    assignments = queries.assignments_of_bid(application.id)
    bid_form = form_of(application.round_id)  # once: the answers beside the criteria and the bid's own
    return render_template(
        "reviews/assessment/bid.html",
        application=application,
        assessment=assessment,
        decision=assessment.decision,
        assignments=assignments,
        scores={a.id: {score.criterion_id: score for score in a.scores} for a in assignments},
        criteria=round_.criteria,
        answers_by_criterion=answers_by_criterion(round_.criteria, application, bid_form),
        form=form,
        can_decide=can_decide,
        note_form=NoteForm(formdata=None),
        note_errors=note_errors or {},
        bid_form=bid_form,
        can_moderate=permissions.is_chair(current_user) and permissions.scoring_open(round_),
        no_chair=(
            queries.no_chair_message([application.reference])
            if application.status == ApplicationStatus.UNDER_REVIEW
            and assessment.decision is None
            and queries.no_chair_can_decide({application.id})
            else None
        ),
        clarifications=clarifications.section(
            current_user, application, page=clarifications.ASSESSMENT_PAGE, form=ask_form
        ),
    ), status


def _can_decide_now(application: Application, decision) -> bool:
    return (
        permissions.can_decide(current_user, application)
        and application.status == ApplicationStatus.UNDER_REVIEW
        and (decision is None or decision.effective_at is None)
    )


@bp.route("/applications/<int:application_id>", methods=["GET", "POST"])
@roles_required(*VIEWERS)
def bid(application_id):
    application = _load_bid(application_id)
    decision = db.session.scalar(db.select(Decision).where(Decision.application_id == application.id))
    can_decide = _can_decide_now(application, decision)
    if request.method == "POST":
        if not can_decide:
            abort(403)
        form = DecisionForm()
    else:
        form = DecisionForm(obj=decision) if decision else DecisionForm(formdata=None)
    if request.method == "POST" and form.validate_on_submit():
        request_ = decisions.DecisionRequest(
            application.id,
            form.outcome.data,
            form.rationale.data,
            form.rank_override_reason.data,
            form.conditions.data,
            form.feedback.data,
            bool(form.feedback_released.data),
        )
        done = actions.carry_out(
            lambda: decisions.record_decisions(application.round, [request_], actor=current_user),
            refused=("decision.record_refused", application),
            form=form,
            field="outcome",
            to=url_for("assessment.round_view", round_id=application.round_id),
            message=f"Decision recorded for {application.reference}.",
        )
        if done is not None:
            return done
    return _bid_page(application, form, can_decide, status=400 if form.errors else 200)


@bp.route("/applications/<int:application_id>/conflict", methods=["GET", "POST"])
@roles_required(Role.STEERING_CHAIR)
def declare_conflict(application_id):
    """Before looking at a bid, a chair can say they have a conflict with it."""
    if request.method == "POST" and (earlier := _conflict_declared_before(application_id)) is not None:
        return earlier
    application = _load_bid(application_id)
    form = ConflictNatureForm()
    if form.validate_on_submit():
        done = actions.carry_out(
            lambda: services.declare_chair_conflict(application, form.nature.data, actor=current_user),
            refused=("review.conflict_refused", application),
            form=form,
            field="nature",
            to=url_for("assessment.round_view", round_id=application.round_id),
            message=lambda _: _conflict_declared(application),
        )
        if done is not None:
            return done
    page = render_template("reviews/assessment/conflict.html", application=application, form=form)
    return page, 400 if form.errors else 200


def _conflict_declared(application: Application) -> str:
    if application.status == ApplicationStatus.UNDER_REVIEW and queries.no_chair_can_decide({application.id}):
        return (
            f"Conflict declared. You will not see {application.reference} again. "
            f"{queries.no_chair_message([application.reference])}"
        )
    return f"Conflict declared. You will not see {application.reference} again; another chair decides it."


def _conflict_declared_before(application_id: int):
    """The chair's declaration sent again (the bid is out of their sight since the first): where the first
    one led, saying so."""
    if not services.declared_conflict(application_id, current_user.id):
        return None
    application = db.session.get(Application, application_id)
    flash(f"You have already declared a conflict of interest with {application.reference}.", "important")
    return redirect(url_for("assessment.round_view", round_id=application.round_id), code=303)


@bp.post("/assignments/<int:assignment_id>/look-again")
@roles_required(Role.STEERING_CHAIR)
def look_again(assignment_id):
    assignment = db.get_or_404(ReviewAssignment, assignment_id)
    application = _load_bid(assignment.application_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _look_again_refused(application, assignment, next(iter(form.note.errors), NOTE_NEEDED))
    reviewer = assignment.reviewer.name
    return actions.carry_out(
        lambda: scores.request_look_again(assignment, form.note.data, actor=current_user),
        refused=("review.look_again_refused", assignment),
        to=url_for("assessment.bid", application_id=application.id),
        message=f"{reviewer} has been asked to look again.",
        show=lambda error: _look_again_refused(application, assignment, error.message),
    )


def _look_again_refused(application: Application, assignment: ReviewAssignment, error: str):
    return bid_page_again(application, note_errors={assignment.id: error})


def bid_page_again(application: Application, *, note_errors=None, ask_form=None):
    """The bid's page again, with why a request was not sent: beside the review to look at again, or with
    the request to the programme team (``reviews.ask_team``)."""
    decision = db.session.scalar(db.select(Decision).where(Decision.application_id == application.id))
    form = DecisionForm(obj=decision) if decision else DecisionForm(formdata=None)
    return _bid_page(application, form, _can_decide_now(application, decision), note_errors, 400, ask_form)


@bp.route("/rounds/<int:round_id>/reserves", methods=["GET", "POST"])
@roles_required(Role.STEERING_CHAIR)
def reserves(round_id):
    """A decided round's reserve list: a chair approves one into a place given up, or budget left."""
    round_ = _load_round(round_id)
    if round_.status != RoundStatus.DECIDED:
        abort(404)
    listed = decisions.reserves(round_)
    declared = queries.conflicted_application_ids(current_user)
    # Declared, or from the chair's own organisation: such a bid's title and scores are not shown.
    conflicted = {
        a.application_id for a in listed.reserves if permissions.has_conflict(current_user, a.application, declared)
    }
    open_to = [a for a in listed.reserves if a.application_id not in conflicted]
    form = ReserveApprovalForm() if request.method == "POST" else ReserveApprovalForm(formdata=None)
    form.application_id.choices = [(a.application_id, f"{a.reference}: {a.application.display_title}") for a in open_to]
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            done = actions.carry_out(
                lambda: decisions.approve_reserve(
                    round_,
                    form.application_id.data,
                    rationale=form.rationale.data or "",
                    rank_override_reason=form.rank_override_reason.data or "",
                    conditions=form.conditions.data or "",
                    actor=current_user,
                ),
                refused=("decision.reserve_refused", round_),
                form=form,
                field="application_id",
                to=url_for("assessment.round_view", round_id=round_.id),
                message=lambda project: (
                    f"{project.reference} has been approved from the reserve list and its "
                    "project set up. The applicant and partners are being told."
                ),
            )
            if done is not None:
                return done
            round_ = _load_round(round_id)
            listed = decisions.reserves(round_)
    return render_template(
        "reviews/assessment/reserves.html",
        round=round_,
        reserves=listed.reserves,
        conflicted=conflicted,
        effect=listed.effect,
        given_up=listed.given_up,
        form=form,
    ), status


@bp.route("/rounds/<int:round_id>/apply", methods=["GET", "POST"])
@roles_required(Role.STEERING_CHAIR)
def apply(round_id):
    """The decisions take effect: letters, projects and the round decided."""
    round_ = _load_round(round_id)
    form = ActionForm()
    if form.validate_on_submit():
        return actions.carry_out(
            lambda: decisions.apply_decisions(round_, actor=current_user),
            refused=("decision.apply_refused", round_),
            to=url_for("assessment.round_view", round_id=round_.id),
            message=lambda applied: (
                f"{applied.decisions} decisions have taken effect and {applied.projects} "
                "projects have been set up. Applicants and partners are being told."
            ),
        )
    ranking = queries.round_ranking(round_)
    effect = decisions.portfolio_effect(round_, ranking, decisions.current_outcomes(ranking))
    counts = {
        outcome: sum(1 for a in ranking if a.outcome == outcome) for outcome in ("approved", "reserve", "rejected")
    }
    return render_template(
        "reviews/assessment/apply.html",
        round=round_,
        form=form,
        effect=effect,
        counts=counts,
        undecided=decisions.undecided(round_),
        no_chair=_no_chair_can_decide(round_),
    )
