"""A project's learning, signed in: its commitments and their progress, its learning items and their
review by the programme team."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from grants.core import actions
from grants.core.errors import AlreadyDone
from grants.core.forms import ActionForm
from grants.core.pagination import paginate
from grants.core.permissions import Role, roles_required
from grants.directory.models import Place, Theme
from grants.documents import storage
from grants.extensions import db
from grants.learning import queries, services
from grants.learning.forms import CommitmentForm, ItemForm, ProgressForm, ReviewForm, WithdrawForm
from grants.learning.models import (
    COMMITMENT_STATUS_COLOURS,
    COMMITMENT_STATUS_LABELS,
    ItemStatus,
    LearningCommitment,
    LearningItem,
)
from grants.learning.permissions import (
    can_confirm_applied,
    can_edit_item,
    can_review,
    can_update_commitments,
    can_withdraw,
    can_write_items,
    may_update_commitments,
)
from grants.projects import permissions as project_permissions
from grants.projects.access import project_and_enabler_or_404
from grants.projects.models import Project

bp = Blueprint("learning", __name__)


@bp.get("/projects/<int:project_id>/learning")
@login_required
def project(project_id):
    project, enabler_id = project_and_enabler_or_404(project_id)
    hidden = project_permissions.hidden_application_ids(current_user)  # projects a steering member may not see
    return render_template(
        "learning/project.html",
        project=project,
        commitments=queries.commitments_of(project.id),
        evidenced=queries.published_items_for_commitments(project.id),
        items=queries.items_of(project.id),
        applied_here=[
            commitment
            for commitment in queries.applied_here(project.id, done_only=True)
            if commitment.kind == "apply_elsewhere" and commitment.project.application_id not in hidden
        ],
        can_update=can_update_commitments(current_user, project),
        can_write=can_write_items(current_user, project, enabler_id),
        can_confirm=can_confirm_applied,
        confirm_form=ActionForm(formdata=None),
        labels=COMMITMENT_STATUS_LABELS,
        colours=COMMITMENT_STATUS_COLOURS,
        today=date.today(),
    )


@bp.post("/projects/<int:project_id>/learning/applied/<int:commitment_id>/confirm")
@login_required
def confirm_applied(project_id, commitment_id):
    """The project the learning was applied to confirms it (``project_id`` is that project)."""
    project, _ = project_and_enabler_or_404(project_id)
    commitment = db.session.get(LearningCommitment, commitment_id)
    if commitment is None or commitment.applied_project_id != project.id:
        abort(404)
    if not can_confirm_applied(current_user, commitment):
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    return actions.carry_out(
        lambda: services.confirm_applied(commitment, project, actor=current_user),
        refused=("learning.application_refused", commitment),
        to=_to_project(project.id, "#applied-here"),
        message=f"You have confirmed that {commitment.project.reference}'s learning was applied here.",
    )


# --- Commitments --------------------------------------------------------------------------------------


def _commitment(project: Project, commitment_id: int) -> LearningCommitment:
    commitment = db.session.get(LearningCommitment, commitment_id)
    if commitment is None or commitment.project_id != project.id:
        abort(404)
    return commitment


def _to_project(project_id: int, anchor: str = "") -> str:
    return url_for("learning.project", project_id=project_id) + anchor


def _commitments_kept(project: Project, subject, to: str):
    """The project has finished, so its commitments cannot change: a form asked for goes to ``to``
    saying why; one sent anyway (from a page left open) is refused by the service in the same words."""
    if request.method == "GET":
        flash(services.CommitmentsKept(project).message, "important")
        return redirect(to, code=303)
    if not ActionForm().validate_on_submit():
        abort(400)
    return actions.carry_out(
        lambda: services.check_commitments_open(project), refused=("learning.commitment_refused", subject), to=to
    )


@bp.route("/projects/<int:project_id>/commitments/new", methods=["GET", "POST"])
@bp.route("/projects/<int:project_id>/commitments/<int:commitment_id>/change", methods=["GET", "POST"])
@login_required
def plan(project_id, commitment_id=None):
    project, _ = project_and_enabler_or_404(project_id)
    item = _commitment(project, commitment_id) if commitment_id else None
    if not may_update_commitments(current_user, project):
        abort(403)
    if project.is_finished:
        return _commitments_kept(project, item or project, _to_project(project.id, "#commitments"))
    form = CommitmentForm(obj=item) if item and request.method == "GET" else CommitmentForm()
    if form.validate_on_submit():
        plan = services.CommitmentPlan(form.kind.data, form.description.data or "", form.due_on.data)
        done = actions.carry_out(
            lambda: services.save_commitment(project, item, plan, actor=current_user),
            refused=("learning.commitment_refused", item or project),
            form=form,
            claim=item is None,
            field="description",
            to=_to_project(project.id, "#commitments"),
            message="The commitment has been saved.",
        )
        if done is not None:
            return done
    return render_template("learning/commitment_plan.html", project=project, form=form, item=item), (
        400 if form.errors else 200
    )


def _progress_form(project: Project, commitment: LearningCommitment, *, formdata=True) -> ProgressForm:
    if formdata:
        form = ProgressForm()
    else:
        form = ProgressForm(
            formdata=None,
            data={
                "status": commitment.status,
                "evidence_url": commitment.evidence_url or "",
                "evidence_note": commitment.evidence_note,
                "applied_theme": commitment.applied_theme_id,
                "applied_place": commitment.applied_place_id,
                "applied_project": commitment.applied_project_id,
                "applied_description": commitment.applied_description,
            },
        )
    if commitment.kind == "apply_elsewhere":
        form.set_choices(
            db.session.scalars(
                db.select(Theme)
                .where(db.or_(Theme.is_active, Theme.id == commitment.applied_theme_id))
                .order_by(Theme.name)
            ).all(),
            db.session.scalars(db.select(Place).order_by(Place.name)).all(),
            queries.project_choices(project.id),
        )
    else:
        form.set_choices([], [], [])
    return form


@bp.route("/projects/<int:project_id>/commitments/<int:commitment_id>", methods=["GET", "POST"])
@login_required
def commitment(project_id, commitment_id):
    project, _ = project_and_enabler_or_404(project_id)
    item = _commitment(project, commitment_id)
    can_update = can_update_commitments(current_user, project)
    if request.method == "POST" and not may_update_commitments(current_user, project):
        abort(403)
    if request.method == "POST" and project.is_finished:
        return _commitments_kept(
            project, item, url_for("learning.commitment", project_id=project.id, commitment_id=item.id)
        )
    form = _progress_form(project, item, formdata=request.method == "POST")
    if request.method == "POST" and form.validate_on_submit():
        progress = services.Progress(
            status=form.status.data,
            evidence_url=form.evidence_url.data or "",
            evidence_note=form.evidence_note.data or "",
            upload=form.upload(),
            remove_document=bool(form.remove_document.data),
            applied_theme_id=form.applied_theme.data,
            applied_place_id=form.applied_place.data,
            applied_project_id=form.applied_project.data,
            applied_description=form.applied_description.data or "",
        )
        done = actions.carry_out(
            lambda: services.record_progress(item, progress, actor=current_user),
            refused=("learning.commitment_refused", item),
            form=form,
            field="status",
            fields={"evidence_document": "evidence_file"},
            to=_to_project(project.id, "#commitments"),
            message="The commitment's progress has been saved.",
        )
        if done is not None:
            return done
    return render_template(
        "learning/commitment.html",
        project=project,
        item=item,
        form=form,
        can_update=can_update,
        evidenced=item.id in queries.published_items_for_commitments(project.id),
        labels=COMMITMENT_STATUS_LABELS,
        colours=COMMITMENT_STATUS_COLOURS,
        today=date.today(),
    ), (400 if form.errors else 200)


@bp.get("/projects/<int:project_id>/commitments/<int:commitment_id>/evidence")
@login_required
def evidence(project_id, commitment_id):
    project, _ = project_and_enabler_or_404(project_id)
    item = _commitment(project, commitment_id)
    document = item.evidence_document
    if document is None:
        abort(404)
    return storage.send_document(document)


# --- Learning items ---------------------------------------------------------------------------------


def _item(project: Project, item_id: int) -> LearningItem:
    item = db.session.get(LearningItem, item_id)
    if item is None or item.project_id != project.id:
        abort(404)
    return item


def _item_form(project: Project, item: LearningItem | None, *, formdata=True) -> ItemForm:
    if formdata:
        form = ItemForm()
    elif item is not None:
        form = ItemForm(
            formdata=None,
            data={
                "kind": item.kind,
                "title": item.title,
                "summary": item.summary,
                "body": item.body,
                "what_worked": item.what_worked,
                "what_did_not": item.what_did_not,
                "themes": [theme.id for theme in item.themes],
                "place": item.place_id,
                "commitment": item.commitment_id,
                "consent": item.consent_to_publish,
            },
        )
    else:
        application = project.application
        form = ItemForm(
            formdata=None,
            data={"kind": "case_study", "place": project.place_id, "themes": [t.id for t in application.themes]},
        )
    current = [theme.id for theme in item.themes] if item is not None else []
    form.set_choices(
        db.session.scalars(
            db.select(Theme).where(db.or_(Theme.is_active, Theme.id.in_(current))).order_by(Theme.name)
        ).all(),
        db.session.scalars(db.select(Place).order_by(Place.name)).all(),
        queries.commitments_of(project.id),
    )
    return form


@bp.route("/projects/<int:project_id>/learning/items/new", methods=["GET", "POST"])
@bp.route("/projects/<int:project_id>/learning/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def write(project_id, item_id=None):
    project, enabler_id = project_and_enabler_or_404(project_id)
    item = _item(project, item_id) if item_id else None
    allowed = (
        can_edit_item(current_user, item, project, enabler_id)
        if item
        else can_write_items(current_user, project, enabler_id)
    )
    if not allowed:
        abort(403)
    form = _item_form(project, item, formdata=request.method == "POST")
    if request.method == "POST" and form.validate_on_submit():
        values = services.ItemValues(
            kind=form.kind.data,
            title=form.title.data or "",
            summary=form.summary.data or "",
            body=form.body.data or "",
            what_worked=form.what_worked.data or "",
            what_did_not=form.what_did_not.data or "",
            theme_ids=list(form.themes.data or []),
            place_id=form.place.data,
            commitment_id=form.commitment.data,
            consent=bool(form.consent.data),
        )
        submit = bool(form.submit.data)
        done = actions.carry_out(
            lambda: services.save_item(project, item, values, actor=current_user, submit=submit),
            refused=("learning.item_refused", item or project),
            form=form,
            claim=item is None,
            field="title",
            to=lambda saved: url_for("learning.item", project_id=project.id, item_id=saved.id),
            message="Thank you. The programme team will review it."
            if submit
            else "Your draft has been saved. Submit it for review when it is ready.",
        )
        if done is not None:
            return done
    return render_template("learning/write.html", project=project, form=form, item=item), (400 if form.errors else 200)


def _review_form(item: LearningItem, *, formdata=True) -> ReviewForm:
    form = ReviewForm() if formdata else ReviewForm(formdata=None)
    if item.status == ItemStatus.INTERNAL:
        form.decision.choices = [choice for choice in form.decision.choices if choice.value == "publish"]
    return form


def _item_page(project, item, enabler_id, review_form, withdraw_form, status=200):
    return render_template(
        "learning/item.html",
        project=project,
        item=item,
        can_edit=can_edit_item(current_user, item, project, enabler_id),
        can_review=item.status in (ItemStatus.SUBMITTED, ItemStatus.INTERNAL) and can_review(current_user, item),
        can_withdraw=item.status == ItemStatus.PUBLISHED and can_withdraw(current_user),
        review_form=review_form,
        withdraw_form=withdraw_form,
        form=review_form if review_form.errors else withdraw_form,
    ), status


@bp.get("/projects/<int:project_id>/learning/items/<int:item_id>")
@login_required
def item(project_id, item_id):
    project, enabler_id = project_and_enabler_or_404(project_id)
    found = _item(project, item_id)
    return _item_page(project, found, enabler_id, _review_form(found, formdata=False), WithdrawForm(formdata=None))


PUBLISHED = {
    "published": "“{}” is published in the learning library.",
    "returned": "“{}” has been returned to its authors.",
    "internal": "“{}” is kept as internal learning.",
}


def _already(error: AlreadyDone, location: str):
    """A second press, found before anything is tried: where the first one led, saying so."""
    flash(error.message, "important")
    return redirect(location, code=303)


@bp.post("/projects/<int:project_id>/learning/items/<int:item_id>/review")
@login_required
def review(project_id, item_id):
    project, enabler_id = project_and_enabler_or_404(project_id)
    found = _item(project, item_id)
    if services.reviewed_already(found, request.form.get("decision")):
        return _already(services.ReviewedAlready(found), url_for("learning.reviews"))
    if not can_review(current_user, found):
        abort(403)
    form = _review_form(found)
    if form.validate_on_submit():
        done = actions.carry_out(
            lambda: services.review_item(
                found, decision=form.decision.data, comment=form.comment.data or "", actor=current_user
            ),
            refused=("learning.review_refused", found),
            form=form,
            field="decision",
            to=url_for("learning.reviews"),
            message=lambda _: PUBLISHED[found.status].format(found.title),
        )
        if done is not None:
            return done
    return _item_page(project, found, enabler_id, form, WithdrawForm(formdata=None), 400)


@bp.post("/projects/<int:project_id>/learning/items/<int:item_id>/withdraw")
@login_required
def withdraw(project_id, item_id):
    project, enabler_id = project_and_enabler_or_404(project_id)
    found = _item(project, item_id)
    if not can_withdraw(current_user):
        abort(403)
    to = url_for("learning.item", project_id=project.id, item_id=found.id)
    if services.withdrawn_already(found):
        return _already(services.WithdrawnAlready(found), to)
    form = WithdrawForm()
    if form.validate_on_submit():
        done = actions.carry_out(
            lambda: services.withdraw_item(found, reason=form.reason.data or "", actor=current_user),
            refused=("learning.withdraw_refused", found),
            form=form,
            field="reason",
            to=to,
            message=f"“{found.title}” has been taken out of the learning library.",
        )
        if done is not None:
            return done
    return _item_page(project, found, enabler_id, _review_form(found, formdata=False), form, 400)


@bp.get("/learning/review")
@roles_required(Role.PROGRAMME_OFFICER)
def reviews():
    page = paginate(queries.review_statement())
    return render_template("learning/reviews.html", page=page, form=ActionForm(formdata=None))
