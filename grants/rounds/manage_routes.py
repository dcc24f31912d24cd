"""The programme officer's rounds: create, change, publish, close, and the rubric. Every change goes
through the action path (``grants.core.actions``)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from grants.bidforms.queries import form_of
from grants.core import actions
from grants.core.errors import GrantsError
from grants.core.forms import ActionForm, london_datetime, split_london
from grants.core.permissions import Role, roles_required
from grants.directory.models import Theme
from grants.extensions import db
from grants.rounds import queries, services
from grants.rounds.forms import CriterionForm, RoundForm, RoundWordingForm, question_choices
from grants.rounds.models import (
    DEFAULT_AWARD_PENCE,
    DEFAULT_ELIGIBILITY,
    DEFAULT_MATCH_PENCE,
    Round,
    RoundStatus,
    RubricCriterion,
)
from grants.rounds.workflow import MOVE_LABELS, ROUND_WORKFLOW

bp = Blueprint("round_admin", __name__, url_prefix="/manage/rounds")

# The round's fields that the forms carry under another name.
FORM_FIELDS = {"closes_at": "closes_on", "budget_pence": "budget", "match_required_pence": "match_required"}


@bp.get("/")
@roles_required(Role.PROGRAMME_OFFICER)
def index():
    rounds, counts = queries.managed_rounds()
    return render_template("rounds/manage/index.html", rounds=rounds, counts=counts)


def _round_form(round_: Round | None) -> RoundForm:
    if request.method == "GET":
        if round_ is None:
            data = {
                "award": DEFAULT_AWARD_PENCE,
                "match_required": DEFAULT_MATCH_PENCE,
                "match_funder_label": "the local health and wellbeing board",
                "places": 25,
                "tranche_plan": "50, 30, 20",
                "project_months": 12,
                "report_every_months": 3,
                **DEFAULT_ELIGIBILITY,
            }
        else:
            opens_on, opens_time = split_london(round_.opens_at)
            closes_on, closes_time = split_london(round_.closes_at)
            data = {
                "title": round_.title,
                "code": round_.code,
                "summary": round_.summary,
                "guidance": round_.guidance,
                "opens_on": opens_on,
                "opens_time": opens_time,
                "closes_on": closes_on,
                "closes_time": closes_time,
                "assessment_deadline": round_.assessment_deadline,
                "award": round_.award_pence,
                "match_required": round_.match_required_pence,
                "match_funder_label": round_.match_funder_label,
                "places": round_.places,
                "budget": None if round_.places else round_.budget_pence,
                "tranche_plan": ", ".join(str(part) for part in round_.tranche_plan),
                "project_months": round_.project_months,
                "report_every_months": round_.report_every_months,
                "themes": [theme.id for theme in round_.themes],
                **round_.rule,
            }
        form = RoundForm(data=data)
    else:
        form = RoundForm()
    form.themes.choices = [
        (theme.id, theme.name)
        for theme in db.session.scalars(db.select(Theme).where(Theme.is_active).order_by(Theme.name))
    ]
    return form


def _details(form: RoundForm) -> services.RoundDetails:
    places = form.places.data
    return services.RoundDetails(
        code=form.code.data,
        title=form.title.data.strip(),
        summary=form.summary.data.strip(),
        guidance=(form.guidance.data or "").strip(),
        opens_at=london_datetime(form.opens_on.data, form.opens_time.data),
        closes_at=london_datetime(form.closes_on.data, form.closes_time.data),
        assessment_deadline=form.assessment_deadline.data,
        award_pence=form.award.data,
        match_required_pence=form.match_required.data,
        match_funder_label=form.match_funder_label.data.strip(),
        places=places,
        budget_pence=places * form.award.data if places else form.budget.data,
        tranche_plan=form.tranche_plan.parsed,
        project_months=form.project_months.data,
        report_every_months=form.report_every_months.data,
        eligibility={
            "min_partner_sectors": form.min_partner_sectors.data,
            "min_confirmed_partners": form.min_confirmed_partners.data,
            "match_at_least_required": bool(form.match_at_least_required.data),
            "min_learning_commitments": form.min_learning_commitments.data,
        },
        theme_ids=form.themes.data or [],
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def new():
    form = _round_form(None)
    if form.validate_on_submit():
        done = actions.carry_out(
            lambda: services.create_round(_details(form), actor=current_user),
            refused=("round.creation_refused", None),
            form=form,
            field="title",
            fields=FORM_FIELDS,
            to=lambda round_: url_for("round_admin.show", round_id=round_.id),
            message=lambda round_: f"Round {round_.code} has been created as a draft.",
        )
        if done is not None:
            return done
    return render_template("rounds/manage/form.html", form=form, round=None), 400 if form.errors else 200


@bp.get("/<int:round_id>")
@roles_required(Role.PROGRAMME_OFFICER)
def show(round_id):
    round_ = queries.round_with_criteria(round_id) or abort(404)
    moves = [(t, MOVE_LABELS[t]) for t in sorted(ROUND_WORKFLOW.targets(round_.status)) if t != "decided"]
    return render_template(
        "rounds/manage/show.html",
        round=round_,
        moves=moves,
        form=ActionForm(formdata=None),
        editable=services.editable_fields(round_),
        criteria_editable=round_.status in services.CRITERIA_EDITABLE,
        total_weight=sum(c.weight for c in round_.criteria),
    )


def _wording_form(round_: Round, editable: set[str]) -> RoundWordingForm:
    if request.method == "GET":
        closes_on, closes_time = split_london(round_.closes_at)
        form = RoundWordingForm(
            data={
                "title": round_.title,
                "summary": round_.summary,
                "guidance": round_.guidance,
                "closes_on": closes_on,
                "closes_time": closes_time,
                "assessment_deadline": round_.assessment_deadline,
            }
        )
    else:
        form = RoundWordingForm()
    shown = editable | ({"closes_on", "closes_time"} if "closes_at" in editable else set())
    for name in [field.name for field in form if field.name not in shown | {"csrf_token", "submit"}]:
        del form[name]
    return form


def _wording_changes(form: RoundWordingForm) -> dict:
    changes = {}
    for name in ("title", "summary", "guidance"):
        if name in form:
            changes[name] = (form[name].data or "").strip()
    if "closes_on" in form:
        changes["closes_at"] = london_datetime(form.closes_on.data, form.closes_time.data)
    if "assessment_deadline" in form:
        changes["assessment_deadline"] = form.assessment_deadline.data
    return changes


@bp.route("/<int:round_id>/edit", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def edit(round_id):
    round_ = db.get_or_404(Round, round_id)
    editable = services.editable_fields(round_)
    if editable == set():
        flash(f"A round that is {round_.status_label.lower()} can no longer be changed.", "info")
        return redirect(url_for("round_admin.show", round_id=round_.id))
    if editable is None:
        form = _round_form(round_)
        template = "rounds/manage/form.html"
    else:
        form = _wording_form(round_, editable)
        template = "rounds/manage/wording.html"
    if form.validate_on_submit():
        changes = services.as_changes(_details(form)) if editable is None else _wording_changes(form)
        done = actions.carry_out(
            lambda: services.update_round(round_, changes, actor=current_user),
            refused=("round.change_refused", round_),
            form=form,
            field="title" if "title" in form else "assessment_deadline",
            fields=FORM_FIELDS,
            to=url_for("round_admin.show", round_id=round_.id),
            message="The round has been saved.",
        )
        if done is not None:
            return done
    return render_template(template, form=form, round=round_), 400 if form.errors else 200


@bp.post("/<int:round_id>/status")
@roles_required(Role.PROGRAMME_OFFICER)
def move(round_id):
    round_ = db.get_or_404(Round, round_id)
    target = request.form.get("target", "")
    if not ActionForm().validate_on_submit() or target not in ROUND_WORKFLOW.states:
        abort(400)
    location = url_for("round_admin.show", round_id=round_.id)
    return actions.carry_out(
        lambda: _move(round_, target),
        refused=("round.move_refused", round_),
        show=lambda error: _not_moved(round_, target, error, location),
        to=location,
        message=lambda _: f"Round {round_.code} is now {round_.status_label.lower()}.",
    )


def _move(round_: Round, target: str) -> None:
    if target == RoundStatus.DECIDED:
        raise GrantsError("Decisions take effect from the chair's assessment page.")
    services.move_round(round_, target, actor=current_user)


def _not_moved(round_: Round, target: str, error: GrantsError, location: str):
    if round_.status == target:  # a second press, or the slower of two: the first has moved it
        flash(f"Round {round_.code} is already {round_.status_label.lower()}.", "info")
    else:
        flash(error.message, "info")
    return redirect(location, code=303)


@bp.route("/<int:round_id>/criteria/new", methods=["GET", "POST"])
@bp.route("/<int:round_id>/criteria/<int:criterion_id>", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def criterion(round_id, criterion_id=None):
    round_ = queries.round_with_criteria(round_id) or abort(404)
    item = None
    if criterion_id is not None:
        item = db.session.get(RubricCriterion, criterion_id)
        if item is None or item.round_id != round_.id:
            abort(404)
    if round_.status not in services.CRITERIA_EDITABLE:
        flash("The rubric cannot change once the round has closed.", "info")
        return redirect(url_for("round_admin.show", round_id=round_.id))
    if request.method == "POST":
        form = CriterionForm()
    elif item:
        form = CriterionForm(obj=item)
    else:
        form = CriterionForm(data={"scale_min": 0, "scale_max": 5})
    form.question_keys.choices = question_choices(form_of(round_.id))
    if form.validate_on_submit():
        values = {
            "title": form.title.data.strip(),
            "guidance": (form.guidance.data or "").strip(),
            "weight": form.weight.data,
            "scale_min": form.scale_min.data,
            "scale_max": form.scale_max.data,
            "question_keys": list(dict.fromkeys(form.question_keys.data or [])),
        }
        done = actions.carry_out(
            lambda: services.save_criterion(round_, item, values, actor=current_user),
            refused=("round.criterion_refused", round_),
            form=form,
            field="title",
            to=url_for("round_admin.show", round_id=round_.id) + "#rubric",
            message="The rubric has been saved.",
        )
        if done is not None:
            return done
    return render_template("rounds/manage/criterion.html", round=round_, criterion=item, form=form), (
        400 if form.errors else 200
    )


@bp.post("/<int:round_id>/criteria/<int:criterion_id>/remove")
@roles_required(Role.PROGRAMME_OFFICER)
def remove_criterion(round_id, criterion_id):
    round_ = queries.round_with_criteria(round_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    return actions.carry_out(
        lambda: services.remove_criterion(round_, criterion_id, actor=current_user),
        refused=("round.criterion_removal_refused", round_),
        to=url_for("round_admin.show", round_id=round_.id) + "#rubric",
        message="The criterion has been removed.",
    )
