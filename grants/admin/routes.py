from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from grants.accounts import services as account_services
from grants.accounts.forms import RolesForm
from grants.accounts.models import User
from grants.admin.queries import audit_statement, users_statement
from grants.core.pagination import paginate
from grants.core.permissions import Role, roles_required
from grants.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/people")
@roles_required(Role.ADMIN)
def users():
    query = (request.args.get("q") or "").strip()[:100]
    page = paginate(users_statement(query))
    return render_template("admin/users.html", page=page, query=query)


@bp.route("/people/<int:user_id>/roles", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_roles(user_id):
    user = db.get_or_404(User, user_id)
    form = RolesForm(roles=sorted(role.value for role in user.roles))
    if form.validate_on_submit():
        try:
            account_services.set_roles(user, form.roles.data, actor=current_user)
        except account_services.AccountError as error:
            db.session.rollback()
            form.roles.errors = [error.message]
        else:
            db.session.commit()
            flash(f"Roles saved for {user.name}.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_roles.html", user=user, form=form)


@bp.get("/audit")
@roles_required(Role.ADMIN, Role.PROGRAMME_OFFICER)
def audit_log():
    filters = {
        key: (request.args.get(key) or "").strip()[:80] or None for key in ("action", "object_type", "object_id")
    }
    page = paginate(audit_statement(**filters))
    return render_template("admin/audit_log.html", page=page, filters=filters)
