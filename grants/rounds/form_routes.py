"""The programme officer builds a round's application form: its pages, their questions and the built-in
blocks, or a copy of another round's form. Every change goes through the action path
(``grants.core.actions``) to ``grants.bidforms.services``."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from grants.bidforms import services
from grants.bidforms.kinds import BLOCKS, KINDS, condition_words
from grants.bidforms.models import FormPage, FormQuestion
from grants.bidforms.queries import Form, form_of
from grants.core import actions
from grants.core.forms import ActionForm
from grants.core.permissions import Role, roles_required
from grants.extensions import db
from grants.rounds.form_builder_forms import CopyForm, KindForm, MoveForm, PageForm, RemoveForm, question_form
from grants.rounds.models import Round

bp = Blueprint("form_builder", __name__, url_prefix="/manage/rounds/<int:round_id>/form")

REFUSED = "form.change_refused"
# What each built-in block asks, in the officer's words (its fields are the bid's data names).
BLOCK_WORDS = {
    "place_themes": "The project's title, the place it will benefit and the issues it will tackle.",
    "partnership": "The partner organisations, each emailed to confirm its part. It has a page of its own.",
    "match_funding": "Who has pledged the match funding, how much, and their pledge letter.",
    "measures": "How the outcomes will be measured: each measure with its baseline and target.",
    "commitments": "What the partnership will share of its learning, and by when.",
    "budget": "The amount requested and the budget lines that add up to it.",
}
# The service's field names that the forms carry under another name.
FIELDS = {"page_id": "page", "condition_key": "condition", "source": "source"}


def _round(round_id: int) -> Round:
    return db.get_or_404(Round, round_id)


def _page(round_: Round, page_id: int) -> FormPage:
    page = db.session.get(FormPage, page_id)
    if page is None or page.round_id != round_.id:
        abort(404)
    return page


def _question(round_: Round, question_id: int) -> FormQuestion:
    question = db.session.get(FormQuestion, question_id)
    if question is None or question.round_id != round_.id:
        abort(404)
    return question


def _overview(round_: Round, anchor: str = "") -> str:
    return url_for("form_builder.overview", round_id=round_.id) + (f"#{anchor}" if anchor else "")


def _frozen_back(round_: Round) -> Any:
    flash(services.FROZEN.format(status=round_.status_label.lower()), "info")
    return redirect(_overview(round_))


@bp.get("/")
@roles_required(Role.PROGRAMME_OFFICER)
def overview(round_id: int) -> Any:
    round_ = _round(round_id)
    bidform = form_of(round_.id)
    return render_template(
        "rounds/manage/form/overview.html",
        round=round_,
        bidform=bidform,
        conditions={q.key: condition_words(q, bidform.controlling(q)) for q in bidform.questions},
        action=ActionForm(formdata=None),
        endpoints=current_app.view_functions,
    )


# --- Pages --------------------------------------------------------------------------------------------


class PageGuidanceForm(PageForm):
    title = None  # fixed once the round is published
    submission = None


@bp.route("/pages/new", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def new_page(round_id: int) -> Any:
    round_ = _round(round_id)
    if round_.form_frozen and request.method == "GET":
        return _frozen_back(round_)
    form = PageForm()
    if form.validate_on_submit():
        done = actions.carry_out(
            lambda: services.add_page(
                round_, {"title": form.title.data, "description": form.description.data}, actor=current_user
            ),
            refused=(REFUSED, round_),
            form=form,
            field="title",
            to=lambda page: _overview(round_, f"page-{page.key}"),
            message=lambda page: f"The page ‘{page.title}’ has been added.",
        )
        if done is not None:
            return done
    return render_template("rounds/manage/form/page.html", round=round_, page=None, form=form), (
        400 if form.errors else 200
    )


@bp.route("/pages/<int:page_id>", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def page(round_id: int, page_id: int) -> Any:
    round_ = _round(round_id)
    item = _page(round_, page_id)
    form_class = PageGuidanceForm if round_.form_frozen else PageForm
    form = form_class(obj=item) if request.method == "GET" else form_class()
    if form.validate_on_submit():
        values = {"description": form.description.data}
        if "title" in form:
            values["title"] = form.title.data
        done = actions.carry_out(
            lambda: services.change_page(round_, item.id, values, actor=current_user),
            refused=(REFUSED, round_),
            form=form,
            field="title" if "title" in form else "description",
            to=_overview(round_, f"page-{item.key}"),
            message="The page has been saved.",
            claim=False,
        )
        if done is not None:
            return done
    return render_template("rounds/manage/form/page.html", round=round_, page=item, form=form), (
        400 if form.errors else 200
    )


def _move_args() -> tuple[str, int]:
    form = MoveForm()
    direction, position = form.direction.data, form.position.data or ""
    if not form.validate_on_submit() or direction not in ("up", "down") or not position.isdigit():
        abort(400)
    return direction, int(position[:9])


@bp.post("/pages/<int:page_id>/move")
@roles_required(Role.PROGRAMME_OFFICER)
def move_page(round_id: int, page_id: int) -> Any:
    round_ = _round(round_id)
    direction, position = _move_args()
    return actions.carry_out(
        lambda: services.move_page(round_, page_id, direction, position, actor=current_user),
        refused=(REFUSED, round_),
        to=_overview(round_),
        message="The page has been moved.",
    )


@bp.route("/pages/<int:page_id>/remove", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def remove_page(round_id: int, page_id: int) -> Any:
    round_ = _round(round_id)
    form = RemoveForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        return actions.carry_out(
            lambda: services.remove_page(round_, page_id, actor=current_user),
            refused=(REFUSED, round_),
            to=_overview(round_),
            message="The page has been removed.",
        )
    if round_.form_frozen:
        return _frozen_back(round_)
    item = _page(round_, page_id)
    return render_template("rounds/manage/form/remove.html", round=round_, page=item, question=None, form=form)


# --- Questions ----------------------------------------------------------------------------------------


def _page_choices(form: Any, bidform: Form) -> None:
    form.page.choices = [(page.id, page.title) for page in bidform.pages]


def _chosen_page(form: Any, bidform: Form) -> FormPage | None:
    if request.method == "GET":  # the page asked for, else the last (where a new question usually goes)
        wanted = request.args.get("page", type=int)
        ids = [page.id for page in bidform.pages]
        form.page.data = wanted if wanted in ids else (ids[-1] if ids else None)
    return next((page for page in bidform.pages if page.id == form.page.data), None)


@bp.route("/questions/new", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def choose_kind(round_id: int) -> Any:
    round_ = _round(round_id)
    if round_.form_frozen and request.method == "GET":
        return _frozen_back(round_)
    bidform = form_of(round_.id)
    if not bidform.pages and request.method == "GET":
        flash("Add a page first: every question is on a page.", "info")
        return redirect(url_for("form_builder.new_page", round_id=round_.id))
    form = KindForm()
    _page_choices(form, bidform)
    chosen = _chosen_page(form, bidform)
    blocks = [(kind, block) for kind, block in BLOCKS.items() if not bidform.has_block(kind)]
    form.kind.choices = [(kind, spec.label) for kind, spec in KINDS.items()] + [
        (kind, f"{block.label} (built in)") for kind, block in blocks
    ]
    if form.validate_on_submit():
        if chosen is None:
            form.page.errors = [*form.page.errors, "Choose a page"]
        elif form.kind.data in KINDS:
            return redirect(
                url_for("form_builder.new_question", round_id=round_.id, kind=form.kind.data, page=chosen.id)
            )
        else:
            done = actions.carry_out(
                lambda: services.add_block(round_, chosen.id, form.kind.data, actor=current_user),
                refused=(REFUSED, round_),
                form=form,
                field="kind",
                fields=FIELDS,
                to=lambda question: _overview(round_, f"page-{question.page.key}"),
                message=lambda question: f"The {BLOCKS[question.kind].label.lower()} block has been added.",
            )
            if done is not None:
                return done
    hints = [spec.description for spec in KINDS.values()] + [
        BLOCK_WORDS.get(kind, f"Carries {', '.join(block.fields)}.") for kind, block in blocks
    ]
    return render_template("rounds/manage/form/kind.html", round=round_, form=form, hints=hints), (
        400 if form.errors else 200
    )


def _condition_choices(bidform: Form, page: FormPage | None, exclude: str | None = None) -> list[tuple[str, str]]:
    """Each answer of a yes/no or choice question on a page before ``page``: "Only if ‘…’ is …"."""
    choices = [("", "Always")]
    if page is None:
        return choices
    for earlier in bidform.pages:
        if earlier.position >= page.position:
            break
        for question in earlier.questions:
            if question.is_block or not KINDS[question.kind].can_control or question.key == exclude:
                continue
            answers = ["yes", "no"] if question.kind == "yes_no" else list(question.choice_labels)
            for answer in answers:
                shown = SimpleNamespace(condition_key=question.key, condition_value=answer)
                choices.append((f"{question.key}={answer}", condition_words(shown, question)))
    return choices


def _question_values(form: Any, kind: str) -> dict[str, Any]:
    values: dict[str, Any] = {"hint": form.hint.data}
    if "page" in form:
        values["page_id"] = form.page.data
    if "title" in form:
        values["title"] = form.title.data
    if "required" in form:
        values["required"] = form.required.data == "yes"
    for name in ("max_words", "max_chars", "min_value", "max_value", "public_summary"):
        if name in form:
            values[name] = form[name].data
    if "choices" in form:
        values["choices"] = (form.choices.data or "").splitlines()
    if "condition" in form:
        key, _, value = (form.condition.data or "").partition("=")
        values["condition_key"], values["condition_value"] = key or None, value or None
    return values


@bp.route("/questions/new/<kind>", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def new_question(round_id: int, kind: str) -> Any:
    round_ = _round(round_id)
    if kind not in KINDS:
        abort(404)
    if round_.form_frozen and request.method == "GET":
        return _frozen_back(round_)
    bidform = form_of(round_.id)
    form = question_form(kind)(data={"required": "yes"}) if request.method == "GET" else question_form(kind)()
    _page_choices(form, bidform)
    chosen = _chosen_page(form, bidform)
    form.condition.choices = _condition_choices(bidform, chosen)
    if form.validate_on_submit():
        if chosen is None:
            form.page.errors = [*form.page.errors, "Choose a page"]
        else:
            done = actions.carry_out(
                lambda: services.add_question(
                    round_, chosen.id, kind, _question_values(form, kind), actor=current_user
                ),
                refused=(REFUSED, round_),
                form=form,
                field="title",
                fields=FIELDS,
                to=lambda question: _overview(round_, f"page-{question.page.key}"),
                message=lambda question: f"The question ‘{question.title}’ has been added.",
            )
            if done is not None:
                return done
    return render_template(
        "rounds/manage/form/question.html", round=round_, question=None, kind_label=KINDS[kind].label, form=form
    ), (400 if form.errors else 200)


def _question_data(question: FormQuestion) -> dict[str, Any]:
    return {
        "page": question.page_id,
        "title": question.title,
        "hint": question.hint,
        "required": "yes" if question.required else "no",
        "max_words": question.max_words,
        "max_chars": question.max_chars,
        "min_value": question.min_value,
        "max_value": question.max_value,
        "choices": "\n".join(choice["label"] for choice in question.choices or []),
        "condition": f"{question.condition_key}={question.condition_value}" if question.condition_key else "",
        "public_summary": question.public_summary,
    }


@bp.route("/questions/<int:question_id>", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def question(round_id: int, question_id: int) -> Any:
    round_ = _round(round_id)
    item = _question(round_, question_id)
    bidform = form_of(round_.id)
    form_class = question_form(item.kind, block=item.is_block, guidance_only=round_.form_frozen)
    form = form_class(data=_question_data(item)) if request.method == "GET" else form_class()
    if "page" in form:
        _page_choices(form, bidform)
    if "condition" in form:
        page = next((page for page in bidform.pages if page.id == form.page.data), None)
        form.condition.choices = _condition_choices(bidform, page, exclude=item.key)
    if form.validate_on_submit():
        done = actions.carry_out(
            lambda: services.change_question(round_, item.id, _question_values(form, item.kind), actor=current_user),
            refused=(REFUSED, round_),
            form=form,
            field="title" if "title" in form else "hint",
            fields=FIELDS,
            to=lambda changed: _overview(round_, f"page-{changed.page.key}"),
            message="The question has been saved.",
            claim=False,
        )
        if done is not None:
            return done
    return render_template(
        "rounds/manage/form/question.html", round=round_, question=item, kind_label=item.kind_label, form=form
    ), (400 if form.errors else 200)


@bp.post("/questions/<int:question_id>/move")
@roles_required(Role.PROGRAMME_OFFICER)
def move_question(round_id: int, question_id: int) -> Any:
    round_ = _round(round_id)
    direction, position = _move_args()
    return actions.carry_out(
        lambda: services.move_question(round_, question_id, direction, position, actor=current_user),
        refused=(REFUSED, round_),
        to=_overview(round_),
        message="The question has been moved.",
    )


@bp.route("/questions/<int:question_id>/remove", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def remove_question(round_id: int, question_id: int) -> Any:
    round_ = _round(round_id)
    form = RemoveForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        return actions.carry_out(
            lambda: services.remove_question(round_, question_id, actor=current_user),
            refused=(REFUSED, round_),
            to=_overview(round_),
            message="The question has been removed.",
        )
    if round_.form_frozen:
        return _frozen_back(round_)
    item = _question(round_, question_id)
    return render_template("rounds/manage/form/remove.html", round=round_, page=None, question=item, form=form)


# --- Copying another round's form ----------------------------------------------------------------------


@bp.route("/copy", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def copy(round_id: int) -> Any:
    round_ = _round(round_id)
    if round_.form_frozen and request.method == "GET":
        return _frozen_back(round_)
    form = CopyForm()
    others = db.session.scalars(db.select(Round).where(Round.id != round_.id).order_by(Round.opens_at.desc())).all()
    form.source.choices = [(other.id, f"{other.code}: {other.title}") for other in others]
    if form.validate_on_submit():
        source = next((other for other in others if other.id == form.source.data), None)
        if source is None:
            form.source.errors = [*form.source.errors, "Choose a round to copy"]
        else:
            done = actions.carry_out(
                lambda: services.copy_form(round_, source, actor=current_user),
                refused=(REFUSED, round_),
                form=form,
                field="source",
                to=_overview(round_),
                message=f"The form of {source.code} has been copied.",
            )
            if done is not None:
                return done
    return render_template("rounds/manage/form/copy.html", round=round_, form=form), (400 if form.errors else 200)
