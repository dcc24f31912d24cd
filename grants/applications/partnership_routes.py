"""The bid's partnership section: the partners the applicant invites, changes and removes, and the
emailed links sent again. Registered on the applicant's blueprint (``applications``)."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_login import current_user, login_required

from grants.applications import services
from grants.applications.forms import PartnerForm, ResendForm, SectionForm
from grants.applications.models import Application, Partner, PartnerStatus
from grants.applications.routes import FORM_FIELDS, bp, flashed, load_editable, partnership_page, shown_on
from grants.bidforms.queries import form_of
from grants.core import actions, once
from grants.core.forms import ActionForm
from grants.extensions import db


@bp.route("/applications/<int:application_id>/partnership", methods=["GET", "POST"])
@login_required
def partnership(application_id):
    application = load_editable(application_id)
    bid_form = form_of(application.round_id)
    page = partnership_page(bid_form)
    if page is None:  # the round's form has no partnership
        abort(404)
    completed = "yes" if application.section_state(page.key) == "completed" else None
    form = SectionForm(data={"completed": completed}) if request.method == "GET" else SectionForm()
    if form.validate_on_submit():
        done = actions.carry_out(
            lambda: services.save_section(
                application, page, {}, complete=form.is_complete, actor=current_user, form=bid_form
            ),
            refused=("application.section_refused", application),
            form=form,
            show=shown_on(form, "completed"),
            to=url_for("applications.show", application_id=application.id),
            message=f"Saved: {page.title}.",
        )
        if done is not None:
            return done
    return render_template(
        "applications/sections/partnership.html",
        application=application,
        form=form,
        title=page.title,
        action_form=ActionForm(formdata=None),
        resend_key=once.new_key(),
    ), 400 if form.errors else 200


def _load_partner(application: Application, partner_id: int) -> Partner:
    partner = db.session.get(Partner, partner_id)
    if partner is None or partner.application_id != application.id:
        abort(404)
    return partner


@bp.route("/applications/<int:application_id>/partners/new", methods=["GET", "POST"])
@bp.route("/applications/<int:application_id>/partners/<int:partner_id>/edit", methods=["GET", "POST"])
@login_required
def partner_form(application_id, partner_id=None):
    application = load_editable(application_id)
    partner = _load_partner(application, partner_id) if partner_id else None
    if partner and request.method == "GET":
        form = PartnerForm(
            data={
                "organisation_name": partner.organisation.name,
                "sector": partner.organisation.sector,
                "org_id": partner.organisation.org_id,
                "role": partner.role,
                "contact_name": partner.contact_name,
                "contact_email": partner.contact_email,
            }
        )
    else:
        form = PartnerForm()
    if form.validate_on_submit():
        done = actions.carry_out(
            lambda: _save_partner(application, partner, form.values()),
            refused=("application.partner_refused", application),
            form=form,
            field="organisation_name",
            fields=FORM_FIELDS,
            to=url_for("applications.partnership", application_id=application.id),
            message=_partner_saved,
        )
        if done is not None:
            return done
    return render_template(
        "applications/partner_form.html", application=application, partner=partner, form=form
    ), 400 if form.errors else 200


def _save_partner(application: Application, partner: Partner | None, values: dict) -> Partner:
    if partner is None:
        return services.add_partner(application, values, actor=current_user)
    services.update_partner(application, partner, values, actor=current_user)
    return partner


def _partner_saved(partner: Partner) -> str:
    if partner.status != PartnerStatus.INVITED:
        return "Partner saved."
    return (
        f"{partner.organisation.name} has been saved. We have emailed {partner.contact_name} "
        "a link to confirm their part."
    )


@bp.post("/applications/<int:application_id>/partners/<int:partner_id>/remove")
@login_required
def remove_partner(application_id, partner_id):
    """A second press finds the partner gone (``PartnerGone``) and is sent back to the partnership."""
    application = load_editable(application_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return actions.carry_out(
        lambda: services.remove_partner(application, partner_id, actor=current_user),
        refused=("application.partner_removal_refused", application),
        to=url_for("applications.partnership", application_id=application.id),
        message=lambda name: f"{name} has been removed from the partnership.",
    )


@bp.post("/applications/<int:application_id>/partners/<int:partner_id>/resend")
@login_required
def resend_invitation(application_id, partner_id):
    application = load_editable(application_id)
    partner = _load_partner(application, partner_id)
    form = ResendForm()
    if not form.validate_on_submit():
        abort(400)
    location = url_for("applications.partnership", application_id=application.id)
    return actions.carry_out(
        lambda: services.resend_invitation(application, partner, actor=current_user),
        refused=("application.invitation_refused", partner),
        form=form,
        show=flashed(location),
        to=location,
        message=f"We have emailed {partner.contact_name} a new link. Earlier links no longer work.",
    )
