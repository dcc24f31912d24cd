"""The page a partner's contact reaches from their emailed link: no account needed."""

from __future__ import annotations

from flask import Blueprint, render_template

from grants.applications import services
from grants.applications.forms import PartnerResponseForm
from grants.applications.models import PartnerStatus
from grants.applications.tokens import partner_for_token
from grants.core import limits
from grants.extensions import db

bp = Blueprint("partners", __name__)


@bp.route("/partner/<token>", methods=["GET", "POST"])
@limits.emailed_link
def respond(token):
    partner, problem = partner_for_token(token)
    if partner is None:
        return render_template("applications/partner_link_problem.html", problem=problem), 400 if problem else 404
    if partner.status != PartnerStatus.INVITED:
        return render_template("applications/partner_responded.html", partner=partner)
    if partner.application.status not in services.RESPONDABLE:
        return render_template("applications/partner_link_problem.html", problem="closed"), 400
    form = PartnerResponseForm()
    if form.validate_on_submit():
        try:
            services.respond_as_partner(partner, form.response.data, form.note.data)
        except services.ApplicationError as error:
            db.session.rollback()
            if partner.status != PartnerStatus.INVITED:  # answered a moment ago, by another press: what it said
                return render_template("applications/partner_responded.html", partner=partner)
            form.response.errors = [*form.response.errors, error.message]
        else:
            db.session.commit()
            return render_template("applications/partner_responded.html", partner=partner, thanks=True)
    return render_template(
        "applications/partner_respond.html", partner=partner, application=partner.application, form=form
    )
