"""The page a partner's contact reaches from their emailed link: no account needed."""

from __future__ import annotations

from flask import Blueprint, make_response, render_template

from grants.applications import services
from grants.applications.forms import PartnerResponseForm
from grants.applications.models import PartnerStatus
from grants.applications.tokens import partner_for_token
from grants.core import actions, limits

bp = Blueprint("partners", __name__)

FIELDS = {"status": "response"}  # the partner's status is what their response sets


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
        done = actions.carry_out(
            lambda: services.respond_as_partner(partner, form.response.data, form.note.data),
            refused=("partner.response_refused", partner),
            form=form,
            show=lambda error: _answered_already(partner) or actions.show_on_field(form, error, "response", FIELDS),
            to=lambda _: make_response(
                render_template("applications/partner_responded.html", partner=partner, thanks=True)
            ),
        )
        if done is not None:
            return done
    return render_template(
        "applications/partner_respond.html", partner=partner, application=partner.application, form=form
    ), 400 if form.errors else 200


def _answered_already(partner):
    """Answered a moment ago, by another press of the button: what that answer said."""
    if partner.status != PartnerStatus.INVITED:
        return render_template("applications/partner_responded.html", partner=partner)
    return None
