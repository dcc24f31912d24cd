"""The API's pages for people: their tokens (list, create, revoke) in their account, and the API's
documentation, rendered from the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from grants.api import openapi, services
from grants.api.forms import TokenForm
from grants.api.models import ApiToken
from grants.core import actions
from grants.core.forms import ActionForm
from grants.extensions import db

bp = Blueprint("api_pages", __name__)


def own_token(token_id: int) -> ApiToken:
    """The signed-in person's token, or 404: another person's token is not theirs to see."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    return token


@bp.get("/account/api-tokens")
@login_required
def tokens():
    mine = db.session.scalars(
        db.select(ApiToken)
        .where(ApiToken.user_id == current_user.id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
    ).all()
    return render_template("api/tokens.html", tokens=mine)


@bp.route("/account/api-tokens/new", methods=["GET", "POST"])
@login_required
def new_token():
    form = TokenForm(roles=current_user.roles)
    if form.validate_on_submit() and (
        done := actions.carry_out(
            lambda: services.create_token(
                current_user._get_current_object(),
                name=form.name.data,
                roles=form.roles.data,
                expires_in_days=services.EXPIRY_CHOICES[form.expires.data],
            ),
            refused=("api.token_refused", current_user),
            # Shown on this response only: the secret is not stored, so it cannot be shown again.
            to=lambda made: actions.page("api/token_created.html", token=made[0], secret=made[1]),
            form=form,
            field="name",
        )
    ):
        return done
    return render_template("api/token_new.html", form=form)


@bp.route("/account/api-tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke_token(token_id):
    token = own_token(token_id)
    if token.revoked_at is not None:
        flash(f"The token “{token.name}” has already been revoked.", "info")
        return redirect(url_for("api_pages.tokens"))
    form = ActionForm()
    if form.validate_on_submit():
        return actions.carry_out(
            lambda: services.revoke_token(token, actor=current_user),
            refused=("api.token_revoke_refused", token),
            to=url_for("api_pages.tokens"),
            message=f"The token “{token.name}” has been revoked. It no longer works.",
        )
    return render_template("api/token_revoke.html", token=token, form=form)


@bp.get("/api/docs")
def docs():
    base_url = url_for("api.openapi_document", _external=True).rsplit("/", 1)[0]
    return render_template("api/docs.html", document=openapi.document(), base_url=base_url)
