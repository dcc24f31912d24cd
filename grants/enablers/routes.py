"""Enablers: their home and profile; programme officers' pool of enablers and matching to projects."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_login import current_user

from grants.accounts.models import User
from grants.core import actions
from grants.core.forms import ActionForm
from grants.core.pagination import paginate
from grants.core.permissions import Role, roles_required
from grants.directory.models import Place, Theme
from grants.enablers import matching, queries, services
from grants.enablers.forms import AssignForm, EndForm, InviteForm, ProfileForm
from grants.enablers.models import DEFAULT_CAPACITY, EnablerAssignment, EnablerProfile
from grants.enablers.permissions import can_assign_enablers
from grants.extensions import db
from grants.projects import queries as project_queries
from grants.projects.access import project_or_404
from grants.projects.models import Project

bp = Blueprint("enablers", __name__)
DUE_WITHIN = timedelta(days=60)
PAST_SHOWN = 10  # the enabler's most recent past projects, on their home


# --- The enabler's own pages ------------------------------------------------------------------------


@bp.get("/enabler")
@roles_required(Role.ENABLER)
def home():
    assignments = db.session.scalars(
        matching.current_assignments()
        .where(EnablerAssignment.enabler_id == current_user.id)
        .order_by(EnablerAssignment.starts_on)
    ).all()
    projects = db.session.scalars(
        db.select(Project).where(Project.id.in_([a.project_id for a in assignments])).order_by(Project.reference)
    ).all()
    project_ids = [p.id for p in projects]
    due = queries.commitments_due(project_ids, date.today() + DUE_WITHIN)
    conditions = queries.conditions_owned(current_user.id, project_ids)
    profile = services.profile_of(current_user)
    return render_template(
        "enablers/home.html",
        projects=projects,
        due=due,
        conditions=conditions,
        profile=profile,
        today=date.today(),
        references={p.id: p.reference for p in projects},
        past=queries.past_support(current_user.id, PAST_SHOWN),
    )


def _profile_form(user, profile: EnablerProfile | None) -> ProfileForm:
    if request.method == "GET" and profile is not None:
        form = ProfileForm(
            data={
                "bio": profile.bio,
                "approaches": profile.approaches,
                "regions": profile.regions,
                "capacity": profile.capacity,
                "available_from": profile.available_from,
                "available_until": profile.available_until,
                "themes": [t.id for t in profile.themes],
                "places": [p.id for p in profile.places],
                "links": ", ".join(o.org_id or "" for o in profile.links),
            }
        )
    else:
        form = ProfileForm()
    form.themes.choices = [(t.id, t.name) for t in db.session.scalars(db.select(Theme).order_by(Theme.name))]
    form.places.choices = [(p.id, p.name) for p in db.session.scalars(db.select(Place).order_by(Place.name))]
    return form


def _save_profile(person, form: ProfileForm, to: str, message: str):
    """The profile kept, or None when it is refused (the form then shows why)."""
    values = {
        "bio": form.bio.data or "",
        "approaches": form.approaches.data or [],
        "regions": form.regions.data or [],
        "capacity": form.capacity.data,
        "available_from": form.available_from.data,
        "available_until": form.available_until.data,
        "theme_ids": form.themes.data or [],
        "place_ids": form.places.data or [],
        "link_identifiers": form.link_identifiers(),
    }
    return actions.carry_out(
        lambda: services.save_profile(person, values, actor=current_user),
        refused=("enabler.profile_refused", person),
        form=form,
        field="bio",
        to=lambda _profile: _warned_of_links(person, to),
        message=message,
    )


def _warned_of_links(person, to: str) -> str:
    """Links with a partnership the enabler supports are declared, not refused: the person is told."""
    linked = matching.links_with_current_projects([person.id]).get(person.id)
    if linked:
        flash(
            f"The links now declared include organisations in the partnership of {', '.join(linked)}, "
            "which this enabler supports. The programme team will decide whether the support should change.",
            "important",
        )
    return to


@bp.route("/enabler/profile", methods=["GET", "POST"])
@roles_required(Role.ENABLER)
def profile():
    person = current_user._get_current_object()  # the user, not the proxy, for a refusal's record
    form = _profile_form(person, services.profile_of(person))
    if form.validate_on_submit():
        done = _save_profile(person, form, url_for("enablers.home"), "Your profile has been saved.")
        if done is not None:
            return done
    page = render_template("enablers/profile.html", form=form, person=current_user, own=True)
    return page, 400 if form.errors else 200


# --- The programme officer's pool -------------------------------------------------------------------


@bp.get("/manage/enablers")
@roles_required(Role.PROGRAMME_OFFICER)
def pool():
    page = paginate(matching.active_enablers_statement())
    ids = [user.id for user in page.items]
    return render_template(
        "enablers/pool.html",
        page=page,
        profiles=matching.profiles_of(ids),
        loads=matching.current_loads(),
        linked=matching.links_with_current_projects(ids),
        filled_in=matching.is_filled_in,
        default_capacity=DEFAULT_CAPACITY,
    )


@bp.route("/manage/enablers/invite", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def invite():
    form = InviteForm()
    if form.validate_on_submit():
        done = actions.carry_out(
            lambda: services.invite_enabler(email=form.email.data, name=form.name.data, actor=current_user),
            refused=("enabler.invite_refused", None),
            form=form,
            field="email",
            to=lambda user: url_for("enablers.edit", user_id=user.id),
            message=lambda user: f"{user.name} has been invited: they have been emailed a link to choose a password.",
        )
        if done is not None:
            return done
    return render_template("enablers/invite.html", form=form), 400 if form.errors else 200


@bp.route("/manage/enablers/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def edit(user_id):
    person = db.get_or_404(User, user_id)
    if not person.has_role(Role.ENABLER):
        abort(404)
    form = _profile_form(person, services.profile_of(person))
    if form.validate_on_submit():
        done = _save_profile(person, form, url_for("enablers.pool"), f"{person.name}'s profile has been saved.")
        if done is not None:
            return done
    page = render_template("enablers/profile.html", form=form, person=person, own=False)
    return page, 400 if form.errors else 200


# --- Matching and assignment ------------------------------------------------------------------------


def _matching_page(project: Project, form: AssignForm, end_form: EndForm, status: int = 200):
    can_assign = can_assign_enablers(current_user, project)
    ranked, linked = matching.rank(project) if can_assign else ([], [])
    return render_template(
        "enablers/match.html",
        project=project,
        ranked=ranked,
        linked=linked,
        form=form,
        end_form=end_form,
        can_assign=can_assign,
        current=services.current_assignment(project),
        assignments=project_queries.assignments_of(project.id),
    ), status


def _support_ended(project: Project, prefix: str = ""):
    """A change of enabler sent for a finished project (from a page left open): refused by the service,
    which says why, on the project's enabler page. ``prefix``: the form's, for its CSRF token."""
    if not ActionForm(prefix=prefix).validate_on_submit():
        abort(400)
    return actions.carry_out(
        lambda: services.check_supportable(project),
        refused=("enabler.assign_refused", project),
        to=url_for("enablers.match", project_id=project.id),
    )


@bp.route("/manage/projects/<int:project_id>/enabler", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def match(project_id):
    project = project_or_404(project_id)
    if request.method == "POST" and project.is_finished:
        return _support_ended(project)
    ranked, _ = matching.rank(project)
    form = AssignForm() if request.method == "POST" else AssignForm(formdata=None)
    form.enabler_id.choices = [(m.enabler.id, m.enabler.name) for m in ranked]
    if form.validate_on_submit():
        enabler = db.session.get(User, form.enabler_id.data)
        done = actions.carry_out(
            lambda: services.support_project(
                project,
                enabler,
                reason=form.reason.data,
                override_reason=form.override_reason.data,
                actor=current_user,
            ),
            refused=("enabler.assign_refused", project),
            form=form,
            field="enabler_id",
            to=url_for("projects.show", project_id=project.id),
            message=lambda _: (
                f"{enabler.name} now supports {project.reference}. They and the project lead have been emailed."
            ),
        )
        if done is not None:
            return done
    return _matching_page(project, form, EndForm(formdata=None, prefix="end"), 400 if form.errors else 200)


@bp.post("/manage/projects/<int:project_id>/enabler/end")
@roles_required(Role.PROGRAMME_OFFICER)
def end(project_id):
    project = project_or_404(project_id)
    if project.is_finished:
        return _support_ended(project, prefix="end")
    form = EndForm(prefix="end")
    if form.validate_on_submit():
        done = actions.carry_out(
            lambda: services.end_assignment(project, reason=form.reason.data, actor=current_user),
            refused=("enabler.end_refused", project),
            form=form,
            field="reason",
            to=url_for("enablers.match", project_id=project.id),
            message=lambda _: f"The enabler's support for {project.reference} has ended.",
        )
        if done is not None:
            return done
    assign_form = AssignForm(formdata=None)
    assign_form.enabler_id.choices = []
    return _matching_page(project, assign_form, form, 400)
