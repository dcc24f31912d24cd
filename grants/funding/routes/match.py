"""The board's match funding: confirmed, then received, each with its evidence; and that evidence to read."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request
from flask_login import current_user, login_required

from grants.core import actions
from grants.core.permissions import Role, roles_required
from grants.documents import storage
from grants.documents.models import Document
from grants.extensions import db
from grants.funding import permissions
from grants.funding.forms import FILE_TYPES, MatchConfirmForm, MatchReceivedForm
from grants.funding.models import MatchStatus
from grants.funding.routes.pages import bp, refused_when_settled, to_project
from grants.funding.services import match as match_services
from grants.projects.access import project_or_404
from grants.projects.models import Project


def _match(project: Project):
    match = match_services.match_of(project.id)
    if match is None:
        abort(404)
    return match


@bp.route("/projects/<int:project_id>/match/confirm", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER)
def confirm_match(project_id):
    project = project_or_404(project_id, may_see=permissions.can_view_funding)
    match = _match(project)
    back = to_project(project.id, "#match")
    refused = ("funding.match_refused", match)
    if (settled := refused_when_settled(project, "confirm its match funding", refused, back)) is not None:
        return settled
    form = MatchConfirmForm()
    if form.validate_on_submit():
        if (
            done := actions.carry_out(
                lambda: match_services.confirm_match(
                    match, actor=current_user, note=form.note.data, upload=form.upload()
                ),
                refused=("funding.match_refused", match),
                form=form,
                field="evidence",
                to=to_project(project.id, "#match"),
                message="The match funding is confirmed.",
            )
        ) is not None:
            return done
    return render_template(
        "funding/match_confirm.html", project=project, match=match, form=form, file_types=FILE_TYPES
    ), (400 if form.errors else 200)


@bp.route("/projects/<int:project_id>/match/received", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER)
def match_received(project_id):
    project = project_or_404(project_id, may_see=permissions.can_view_funding)
    match = _match(project)
    back = to_project(project.id, "#match")
    refused = ("funding.match_refused", match)
    if (settled := refused_when_settled(project, "record its match funding as received", refused, back)) is not None:
        return settled
    if match.status == MatchStatus.PLEDGED or match.confirmed_at is None:
        flash("Confirm the match funding before recording it as received.", "important")
        return redirect(to_project(project.id, "#match"))
    if match.status == MatchStatus.RECEIVED and request.method == "GET":
        flash("The match funding has been received already.", "important")
        return redirect(to_project(project.id, "#match"))
    form = MatchReceivedForm()
    if form.validate_on_submit():
        if (
            done := actions.carry_out(
                lambda: match_services.record_match_received(
                    match,
                    actor=current_user,
                    received_on=form.received_on.data,
                    reference=form.reference.data,
                    upload=form.upload(),
                ),
                refused=("funding.match_refused", match),
                form=form,
                field="reference",
                to=to_project(project.id, "#match"),
                message="The match funding is recorded as received.",
            )
        ) is not None:
            return done
    return render_template(
        "funding/match_received.html",
        project=project,
        match=match,
        form=form,
        file_types=FILE_TYPES,
        pledged_on=match_services.pledged_on(match),
    ), (400 if form.errors else 200)


@bp.get("/projects/<int:project_id>/funding/documents/<int:document_id>")
@login_required
def document(project_id, document_id):
    project = project_or_404(project_id, may_see=permissions.can_view_funding)
    match = match_services.match_of(project.id)
    allowed = (
        {match.evidence_document_id, match.confirmation_document_id, match.receipt_document_id} if match else set()
    )
    if document_id not in allowed - {None}:
        abort(404)
    document = db.get_or_404(Document, document_id)
    return storage.send_document(document)
