from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from grants.core.permissions import Role, roles_required
from grants.core.security import safe_next
from grants.directory import services
from grants.directory.forms import OrganisationForm, ThemeForm
from grants.directory.models import Place, Theme
from grants.extensions import db

bp = Blueprint("directory", __name__)


def _field_error(form, error: services.DirectoryError) -> None:
    field = getattr(form, error.field or "name")
    field.errors = [*field.errors, error.message]


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
        try:
            services.save_organisation(current_user, form.values())
        except services.DirectoryError as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            db.session.commit()
            flash("Your organisation's details have been saved.", "success")
            return redirect(safe_next(request.args.get("next"), url_for("applications.index")))
    return render_template("directory/organisation.html", form=form, organisation=current)


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
        try:
            services.save_theme(item, values, actor=current_user)
        except services.DirectoryError as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            db.session.commit()
            flash(f"The theme ‘{values['name']}’ has been saved.", "success")
            return redirect(url_for("directory.themes"))
    return render_template("directory/theme.html", form=form, theme=item)
