from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from grants.accounts import services as account_services
from grants.accounts import two_factor
from grants.accounts.forms import ConfirmPasswordForm, RolesForm
from grants.accounts.models import User
from grants.admin import audit_view
from grants.admin.queries import audit_event_names, audit_people, audit_statement, users_statement
from grants.core import actions, limits
from grants.core.audit_links import links_for
from grants.core.date_filters import london_bounds
from grants.core.pagination import paginate
from grants.core.permissions import Role, roles_required
from grants.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")

AUDIT_PER_PAGE = 25  # a page of the trail a person can read through without losing their place


@bp.get("/people")
@roles_required(Role.ADMIN)
def users():
    query = (request.args.get("q") or "").strip()[:100]
    page = paginate(users_statement(query))
    return render_template("admin/users.html", page=page, query=query)


@bp.route("/people/<int:user_id>/roles", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@limits.reauthentication
def user_roles(user_id):
    user = db.get_or_404(User, user_id)
    form = RolesForm(roles=sorted(role.value for role in user.roles))
    actor = current_user._get_current_object()

    def change_roles():
        account_services.require_password(actor, form.password.data, purpose="change roles", subject=user)
        account_services.set_roles(user, form.roles.data, actor=actor)

    if form.validate_on_submit() and (
        done := actions.carry_out(
            change_roles,
            refused=("user.roles_refused", user),
            to=url_for("admin.users"),
            message=f"Roles saved for {user.name}.",
            form=form,
            field="roles",
            show=lambda error: _wrong_password(error, "change roles"),
        )
    ):
        return done
    return render_template(
        "admin/user_roles.html", user=user, form=form, two_factor_required=two_factor.is_required(user)
    ), (400 if form.errors else 200)


def _wrong_password(error, doing: str) -> None:
    """A wrong password of the administrator's own is worded for what it was for; shown on its field."""
    if error.message == account_services.REFUSED_PASSWORD_MESSAGE:
        error.message = f"The password is not right. Enter your own password to {doing}"


@bp.route("/people/<int:user_id>/two-factor/reset", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@limits.reauthentication
def reset_two_factor(user_id):
    """For a person who has lost their phone and their recovery codes: they set it up again."""
    user = db.get_or_404(User, user_id)
    actor = current_user._get_current_object()
    if not user.two_factor_enabled:
        if request.method == "POST":
            actions.record("auth.two_factor_reset_refused", user, actor=actor, after={"reason": "not turned on"})
        flash(f"{user.name} does not have two-factor sign-in turned on.", "info")
        return redirect(url_for("admin.user_roles", user_id=user.id))
    if user.id == actor.id:
        actions.record("auth.two_factor_reset_refused", user, actor=actor, after={"reason": "own account"})
        flash("You cannot reset your own two-factor sign-in. Ask another administrator.", "important")
        return render_template("admin/reset_two_factor.html", user=user, form=None), 403
    form = ConfirmPasswordForm()

    def reset():
        account_services.require_password(actor, form.password.data, purpose="reset two-factor", subject=user)
        two_factor.disable(user, actor=actor)

    if form.validate_on_submit() and (
        done := actions.carry_out(
            reset,
            refused=("auth.two_factor_reset_refused", user),
            to=url_for("admin.user_roles", user_id=user.id),
            message=f"Two-factor sign-in has been reset for {user.name}. They set it up again at their next sign-in.",
            form=form,
            field="password",
            show=lambda error: _wrong_password(error, "reset two-factor sign-in"),
        )
    ):
        return done
    return render_template("admin/reset_two_factor.html", user=user, form=form), (400 if form.errors else 200)


@bp.get("/audit")
@roles_required(Role.ADMIN, Role.PROGRAMME_OFFICER)
def audit_log():
    filters = audit_view.audit_filters()
    start, end = london_bounds(filters["since"].day, filters["until"].day)
    page = paginate(
        audit_statement(
            filters["action"],
            filters["object_type"],
            filters["object_id"],
            event=filters["event"],
            person=filters["person"],
            start=start,
            end=end,
        ),
        per_page=AUDIT_PER_PAGE,
    )
    events = [(event, audit_view.readable_changes(event.before, event.after)) for event in page.items]
    errors = [day for day in (filters["since"], filters["until"]) if day.error]
    return render_template(
        "admin/audit_log.html",
        page=page,
        events=events,
        filters=filters,
        errors=errors,
        event_names=audit_event_names(),
        people=audit_people(),
        links=links_for(current_user, ((event.object_type, event.object_id) for event in page.items)),
    )
