from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user

from grants.core import actions
from grants.core.permissions import Role, roles_required
from grants.core.security import safe_next
from grants.directory import services
from grants.directory.forms import OrganisationForm, ThemeForm
from grants.directory.models import Place, Theme
from grants.extensions import db

bp = Blueprint("directory", __name__)


@bp.route("/organisation", methods=["GET", "POST"])
@roles_required(Role.APPLICANT)
def organisation():
    current = current_user.organisation
    if request.method == "GET" and current is not None:
        form = OrganisationForm(obj=current)
    else:
        form = OrganisationForm()
    places = db.session.scalars(db.select(Place).order_by(Place.name)).all()
    form.place_id.choices = [("", "Choose an area")] + [(place.id, place.name) for place in places]
    if form.validate_on_submit():
        done = actions.carry_out(
            lambda: services.save_organisation(current_user, form.values()),
            refused=("directory.organisation_refused", current),
            form=form,
            field="name",
            to=safe_next(request.args.get("next"), url_for("applications.index")),
            message="Your organisation's details have been saved.",
        )
        if done is not None:
            return done
    return render_template("directory/organisation.html", form=form, organisation=current), (
        400 if form.errors else 200
    )


@bp.get("/manage/themes")
@roles_required(Role.PROGRAMME_OFFICER)
def themes():
    items = db.session.scalars(db.select(Theme).order_by(Theme.name)).all()
    return render_template("directory/themes.html", themes=items)


@bp.route("/manage/themes/new", methods=["GET", "POST"])
@bp.route("/manage/themes/<int:theme_id>", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def theme(theme_id=None):
    item = db.session.get(Theme, theme_id) if theme_id else None
    if theme_id and item is None:
        abort(404)
    form = ThemeForm(obj=item) if request.method == "GET" and item else ThemeForm()
    if form.validate_on_submit():
        values = {
            "name": form.name.data,
            "description": form.description.data or "",
            "is_active": bool(form.is_active.data),
        }
        done = actions.carry_out(
            lambda: services.save_theme(item, values, actor=current_user),
            refused=("directory.theme_refused", item),
            form=form,
            field="name",
            to=url_for("directory.themes"),
            message=f"The theme ‘{values['name']}’ has been saved.",
        )
        if done is not None:
            return done
    return render_template("directory/theme.html", form=form, theme=item), 400 if form.errors else 200
