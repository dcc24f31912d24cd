"""The grant agreement: read, issued, signed and varied; and the words a round's agreements are written from."""

from __future__ import annotations

from datetime import date

from flask import abort, render_template, request, url_for
from flask_login import current_user, login_required

from grants.core import actions, pdf
from grants.core.forms import ActionForm
from grants.core.permissions import Role, roles_required
from grants.extensions import db
from grants.funding import permissions
from grants.funding.forms import AgreementTemplateForm, ReasonForm, SignForm
from grants.funding.models import AgreementStatus, GrantAgreement
from grants.funding.routes.pages import bp, confirm_page, reason_page, refused_when_settled, to_project
from grants.funding.services import agreements as agreement_services
from grants.funding.services import terms as terms_module
from grants.projects.access import project_or_404
from grants.projects.models import Project
from grants.rounds.models import Round


def _agreement(project: Project, version: int) -> GrantAgreement:
    agreement = db.session.scalar(
        db.select(GrantAgreement).where(GrantAgreement.project_id == project.id, GrantAgreement.version == version)
    )
    if agreement is None:
        abort(404)
    if agreement.issued_at is None and not permissions.can_see_portfolio(current_user):
        abort(404)  # a version never issued (a draft, or a variation withdrawn as a draft) is the programme team's
    return agreement


def _agreement_page(project, agreement, form, status=200):
    words = agreement.terms
    if agreement.status == AgreementStatus.DRAFT:
        words = agreement_services.current_terms(project, agreement.version)  # as it would be issued now
    return render_template(
        "funding/agreement.html",
        project=project,
        agreement=agreement,
        signed_version=agreement.status in SIGNED_VERSIONS,
        words=words,
        form=form,
        can_sign=agreement.status == AgreementStatus.ISSUED
        and permissions.can_sign(current_user, agreement)
        and permissions.can_change(current_user, project),
        can_manage=permissions.can_manage(current_user),
        action_form=ActionForm(formdata=None),
    ), status


@bp.get("/projects/<int:project_id>/agreement/<int:version>")
@login_required
def agreement(project_id, version):
    project = project_or_404(project_id, may_see=permissions.can_view_funding)
    agreement = _agreement(project, version)
    form = SignForm(formdata=None, data={"terms_digest": terms_module.digest(agreement.terms)})
    return _agreement_page(project, agreement, form)


# The versions someone signed: the words they signed stay as they were, to keep and to show an auditor,
# in force, replaced by a later version or ended when the award was given up.
SIGNED_VERSIONS = (AgreementStatus.SIGNED, AgreementStatus.SUPERSEDED, AgreementStatus.ENDED)
PDF_DOWNLOADED = "funding.pdf_downloaded"


@bp.get("/projects/<int:project_id>/agreement/<int:version>.pdf")
@login_required
def agreement_pdf(project_id, version):
    """A signed version as a PDF: its words exactly as signed, who signed it, when, and the fingerprint of
    the words. A version never signed has no such document: 404."""
    project = project_or_404(project_id, may_see=permissions.can_view_funding)
    agreement = _agreement(project, version)
    if agreement.status not in SIGNED_VERSIONS:
        abort(404)
    filename = f"{project.reference}-grant-agreement-v{agreement.version}-signed.pdf"
    fingerprint = terms_module.digest(agreement.terms)
    body = pdf.render_pdf(
        "pdf/agreement.html",
        title=f"{project.reference} grant agreement, version {agreement.version}, signed",
        project=project,
        agreement=agreement,
        schedule=[(sequence, amount, date.fromisoformat(due)) for sequence, amount, due in agreement.schedule or []],
        fingerprint=fingerprint,
    )
    actions.record(
        PDF_DOWNLOADED,
        agreement,
        after={"document": "signed grant agreement", "version": agreement.version, "filename": filename},
    )
    return pdf.pdf_download(body, filename)


@bp.post("/projects/<int:project_id>/agreement/<int:version>/sign")
@login_required
def sign(project_id, version):
    project = project_or_404(project_id, may_see=permissions.can_view_funding)
    agreement = _agreement(project, version)
    if not permissions.can_sign(current_user, agreement):
        abort(403)
    refused = ("funding.signature_refused", agreement)
    if (settled := refused_when_settled(project, "sign its agreement", refused)) is not None:
        return settled
    form = SignForm()
    if form.validate_on_submit():
        if (
            done := actions.carry_out(
                lambda: agreement_services.sign_agreement(
                    agreement,
                    actor=current_user,
                    typed_name=form.full_name.data,
                    confirmed=bool(form.confirm.data),
                    terms_digest=form.terms_digest.data or "",
                    ip_address=request.remote_addr,
                    user_agent=request.user_agent.string,
                ),
                refused=("funding.signature_refused", agreement),
                form=form,
                field="full_name",
                fields={"signed_name": "full_name", "confirmed": "confirm"},
                to=to_project(project.id),  # where a second press goes too
                message=f"You have signed version {agreement.version} of the grant agreement. "
                "We have emailed you a confirmation.",
            )
        ) is not None:
            return done
        form.terms_digest.data = terms_module.digest(agreement.terms)  # the words as they are now, to read again
    return _agreement_page(project, agreement, form, 400)


@bp.post("/projects/<int:project_id>/agreement/<int:version>/issue")
@roles_required(Role.PROGRAMME_OFFICER)
def issue(project_id, version):
    project = project_or_404(project_id, may_see=permissions.can_view_funding)
    agreement = _agreement(project, version)
    if not ActionForm().validate_on_submit():
        abort(400)
    return actions.carry_out(
        lambda: agreement_services.issue_agreement(agreement, actor=current_user),
        refused=("funding.issue_refused", agreement),
        to=to_project(project.id, "#agreement"),
        message=f"Version {agreement.version} of the agreement has been issued. The project lead has been emailed.",
    )


@bp.route("/projects/<int:project_id>/agreement/variation", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def variation(project_id):
    project = project_or_404(project_id, may_see=permissions.can_view_funding)
    refused = ("funding.variation_refused", project)
    if (settled := refused_when_settled(project, "vary its agreement", refused, to_project(project.id))) is not None:
        return settled
    form = ReasonForm()
    form.reason.label.text = "Why does the agreement need to change?"
    form.submit.label.text = "Start the variation"
    if form.validate_on_submit():
        if (
            done := actions.carry_out(
                lambda: agreement_services.start_variation(project, reason=form.reason.data, actor=current_user),
                refused=("funding.variation_refused", project),
                form=form,
                field="reason",
                to=to_project(project.id, "#agreement"),
                message=lambda new: (
                    f"Version {new.version} is being prepared. Change the schedule if you need to, "
                    "then issue it for signature."
                ),
            )
        ) is not None:
            return done
    return reason_page(
        project,
        form,
        "Vary the grant agreement",
        "The signed agreement stays in force until the new version is signed. "
        "Unpaid tranches can be changed meanwhile.",
    )


@bp.route("/projects/<int:project_id>/agreement/<int:version>/withdraw", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def withdraw(project_id, version):
    project = project_or_404(project_id, may_see=permissions.can_view_funding)
    agreement = _agreement(project, version)
    refused = ("funding.withdraw_refused", agreement)
    if (settled := refused_when_settled(project, "withdraw a variation", refused, to_project(project.id))) is not None:
        return settled
    if request.method == "GET":
        return confirm_page(
            project,
            title=f"Withdraw version {agreement.version} of the agreement?",
            lede="The signed agreement stays in force, and the unpaid tranches go back to its amounts and dates.",
            button="Withdraw the variation",
        )
    if not ActionForm().validate_on_submit():
        abort(400)
    return actions.carry_out(
        lambda: agreement_services.withdraw_variation(agreement, actor=current_user),
        refused=("funding.withdraw_refused", agreement),
        to=to_project(project.id, "#agreement"),
        message=f"Version {agreement.version} has been withdrawn. The signed agreement stays in force.",
    )


@bp.route("/manage/rounds/<int:round_id>/agreement-terms", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def round_terms(round_id):
    round_ = db.get_or_404(Round, round_id)
    current = round_.agreement_template or terms_module.DEFAULT_TERMS
    form = (
        AgreementTemplateForm()
        if request.method == "POST"
        else AgreementTemplateForm(formdata=None, data={"template": current})
    )
    if form.validate_on_submit():
        if (
            done := actions.carry_out(
                lambda: agreement_services.change_round_terms(round_, form.template.data, actor=current_user),
                refused=("round.agreement_terms_refused", round_),
                form=form,
                field="template",
                to=url_for("round_admin.show", round_id=round_.id),
                message="The agreement terms have been saved. Agreements issued from now on use them.",
            )
        ) is not None:
            return done
    return render_template(
        "funding/round_terms.html", round=round_, form=form, placeholders=terms_module.PLACEHOLDERS
    ), (400 if form.errors else 200)
