"""Leadership self-assessments: the project's participants and results, the participant's own page
(reached by their emailed link, no account needed), the wave's results and the framework."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from grants.core import limits, once
from grants.core.audit import record as audit_record
from grants.core.errors import GrantsError, NotFound
from grants.core.forms import ActionForm
from grants.core.permissions import Role, roles_required
from grants.core.views import record_refusal, show_error
from grants.extensions import db
from grants.leadership import queries, services
from grants.leadership.forms import (
    ChangeParticipantForm,
    DomainForm,
    InviteForm,
    ParticipantForm,
    ScaleForm,
    self_assessment_form,
)
from grants.leadership.models import STAGE_LABELS, STAGES, LeadershipDomain, Participant
from grants.projects import permissions as project_permissions
from grants.projects import queries as project_queries
from grants.projects.models import Project
from grants.rounds.models import Round

bp = Blueprint("leadership", __name__)


def _project(project_id: int) -> Project:
    project = project_queries.load_project(project_id)
    if project is None or not project_permissions.can_view_project(current_user, project):
        abort(404)
    return project


def _results(project_ids: list[int], scores: dict | None = None) -> dict:
    """What the results pages show: every figure, and whether the groups are big enough to show.
    Someone who is not programme staff sees no domain whose pairs are fewer than ``MIN_GROUP``."""
    framework = services.current_framework()
    scores = queries.domain_scores(project_ids) if scores is None else scores
    domains = queries.domain_order([domain.name for domain in framework.domains] if framework else [], scores)
    pairs = queries.pairs_count(scores)
    shown, changes = queries.visible_changes(
        queries.paired_change(scores, domains), pairs, staff=services.can_see_individuals(current_user)
    )
    return {
        "changes": changes,
        "chart": queries.chart_rows(changes),
        "pairs": pairs,
        "respondents": queries.respondents(scores),
        "shown": shown,
        "min_group": queries.MIN_GROUP,
    }


@bp.get("/projects/<int:project_id>/leadership")
@login_required
def project(project_id):
    project = _project(project_id)
    manage = services.can_manage_participants(current_user, project)
    participants = queries.participants_of(project.id) if manage or services.can_see_individuals(current_user) else []
    invite_form = InviteForm(formdata=None)
    invite_form.participants.choices = [(p.id, p.name) for p in participants]
    return render_template(
        "leadership/project.html",
        project=project,
        participants=participants,
        stages=queries.stages_of([p.id for p in participants]),
        stage_labels=STAGE_LABELS,
        stage_keys=STAGES,
        manage=manage,
        individuals=services.can_see_individuals(current_user),
        invite_form=invite_form,
        **_results([project.id]),
    )


@bp.route("/projects/<int:project_id>/leadership/participants/new", methods=["GET", "POST"])
@login_required
def add_participant(project_id):
    project = _project(project_id)
    if not services.can_manage_participants(current_user, project):
        abort(403)
    form = ParticipantForm()
    if form.validate_on_submit():
        if (earlier := once.carried_out(form)) is not None:
            return earlier
        try:
            services.add_participant(
                project,
                name=form.name.data,
                email=form.email.data,
                organisation_name=form.organisation_name.data,
                actor=current_user,
            )
        except GrantsError as error:
            record_refusal("leadership.participant_refused", project, error)
            show_error(form, error, "email")
        else:
            location = url_for("leadership.project", project_id=project.id) + "#participants"
            once.led_to(form, location)
            db.session.commit()
            flash(f"{form.name.data} has been added. Invite them to a self-assessment when it is time.", "success")
            return redirect(location)
    return render_template("leadership/participant.html", project=project, form=form), (400 if form.errors else 200)


@bp.route("/projects/<int:project_id>/leadership/participants/<int:participant_id>/change", methods=["GET", "POST"])
@login_required
def change_participant(project_id, participant_id):
    project = _project(project_id)
    if not services.can_manage_participants(current_user, project):
        abort(403)
    person = db.session.get(Participant, participant_id)
    if person is None or person.project_id != project.id:
        abort(404)
    if request.method == "GET":
        form = ChangeParticipantForm(obj=person)
    else:
        form = ChangeParticipantForm()
    if form.validate_on_submit():
        try:
            withdrawn = services.change_participant(
                project,
                person,
                name=form.name.data,
                email=form.email.data,
                organisation_name=form.organisation_name.data,
                actor=current_user,
            )
        except GrantsError as error:
            record_refusal("leadership.participant_refused", project, error)
            person = db.session.get(Participant, participant_id)
            show_error(form, error, "email")
        else:
            db.session.commit()
            message = f"{person.name}'s details have been saved."
            if withdrawn:
                message += " The links sent to their old email address no longer work: invite them again."
            flash(message, "success")
            return redirect(url_for("leadership.project", project_id=project.id) + "#participants")
    return render_template("leadership/participant.html", project=project, form=form, person=person), (
        400 if form.errors else 200
    )


@bp.post("/projects/<int:project_id>/leadership/invite")
@login_required
def invite(project_id):
    project = _project(project_id)
    if not services.can_manage_participants(current_user, project):
        abort(403)
    participants = queries.participants_of(project.id)
    form = InviteForm()
    form.participants.choices = [(p.id, p.name) for p in participants]
    if form.validate_on_submit():
        chosen = [p for p in participants if p.id in set(form.participants.data)]
        try:
            invited, answered = services.invite(project, chosen, form.stage.data, actor=current_user)
        except GrantsError as error:
            record_refusal("leadership.invitation_refused", project, error)
            show_error(form, error, "participants")
        else:
            db.session.commit()
            message = f"{invited} {'person has' if invited == 1 else 'people have'} been emailed a link."
            if answered:
                message += f" {answered} had already answered and were not sent it again."
            flash(message, "success")
            return redirect(url_for("leadership.project", project_id=project.id) + "#participants")
    return render_template(
        "leadership/project.html",
        project=project,
        participants=participants,
        stages=queries.stages_of([p.id for p in participants]),
        stage_labels=STAGE_LABELS,
        stage_keys=STAGES,
        manage=True,
        individuals=services.can_see_individuals(current_user),
        invite_form=form,
        form=form,
        **_results([project.id]),
    ), 400


@bp.get("/projects/<int:project_id>/leadership/participants/<int:participant_id>")
@login_required
def participant(project_id, participant_id):
    project = _project(project_id)
    if not services.can_see_individuals(current_user):
        abort(403)
    person = db.session.get(Participant, participant_id)
    if person is None or person.project_id != project.id:
        abort(404)
    scores = queries.domain_scores([project.id])
    mine = {stage: scores.get((person.id, stage), {}) for stage in STAGES}
    domains = sorted({domain for by_domain in mine.values() for domain in by_domain})
    return render_template(
        "leadership/participant_answers.html",
        project=project,
        person=person,
        mine=mine,
        domains=domains,
        stage_labels=STAGE_LABELS,
        stage_keys=STAGES,
    )


@bp.get("/rounds/<int:round_id>/leadership")
@roles_required(Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER, Role.STEERING_CHAIR, Role.STEERING_MEMBER)
def wave(round_id):
    round_ = db.get_or_404(Round, round_id)
    hidden = project_permissions.hidden_application_ids(current_user)
    projects = db.session.scalars(
        db.select(Project).where(Project.round_id == round_.id).order_by(Project.reference)
    ).all()
    projects = [project for project in projects if project.application_id not in hidden]
    project_ids = [project.id for project in projects]
    scores = queries.domain_scores(project_ids)
    projects_of = queries.participant_projects(project_ids)
    by_project = queries.pairs_by_project(scores, projects_of, project_ids)
    if not services.can_see_individuals(current_user):
        scores = queries.from_projects_shown_alone(scores, projects_of, by_project)
    return render_template(
        "leadership/wave.html",
        round=round_,
        projects=projects,
        by_project=by_project,
        **_results([project.id for project in projects], scores),
    )


# --- The participant's own page -------------------------------------------------------------------------


@bp.route("/self-assessment/<token>", methods=["GET", "POST"])
@limits.emailed_link
def answer(token):
    if len(token) > 100:
        abort(404)
    try:
        invitation = services.invitation_for(token)
    except NotFound:
        audit_record(
            "leadership.link_refused",
            object_type="assessment_invitation",
            after={"reason": "unknown link"},
            anonymous=True,
        )
        db.session.commit()
        return render_template("leadership/link_problem.html", used=False), 404
    if invitation.used_at is not None:
        audit_record("leadership.link_refused", invitation, after={"reason": "already used"}, anonymous=True)
        db.session.commit()
        return render_template("leadership/link_problem.html", used=True), 410
    framework = invitation.framework
    form = self_assessment_form(framework)
    if form.validate_on_submit():
        answers = {
            behaviour.id: int(form[f"behaviour_{behaviour.id}"].data)
            for domain in framework.domains
            for behaviour in domain.behaviours
        }
        try:
            services.submit_self_assessment(token, answers)
        except GrantsError as error:
            db.session.rollback()
            audit_record("leadership.link_refused", invitation, after={"reason": error.message}, anonymous=True)
            db.session.commit()
            if invitation_used(token):
                return render_template("leadership/link_problem.html", used=True), 410
            show_error(form, error, "submit")
        else:
            db.session.commit()
            return render_template("leadership/thanks.html", stage=STAGE_LABELS[invitation.stage].lower())
    return render_template(
        "leadership/answer.html",
        invitation=invitation,
        framework=framework,
        form=form,
        project=invitation.participant and db.session.get(Project, invitation.participant.project_id),
        stage=STAGE_LABELS[invitation.stage].lower(),
    ), (400 if form.errors else 200)


def invitation_used(token: str) -> bool:
    try:
        return services.invitation_for(token).used_at is not None
    except NotFound:
        return False


# --- The framework ----------------------------------------------------------------------------------


@bp.get("/leadership/framework")
@roles_required(Role.PROGRAMME_OFFICER)
def framework():
    current = services.ensure_framework(current_user)
    db.session.commit()
    return render_template(
        "leadership/framework.html",
        framework=current,
        editable=not services.in_use(current),
        form=ActionForm(formdata=None),
    )


@bp.route("/leadership/framework/domains/new", methods=["GET", "POST"])
@bp.route("/leadership/framework/domains/<int:domain_id>", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def domain(domain_id=None):
    current = services.ensure_framework(current_user)
    item = None
    if domain_id is not None:
        item = db.session.get(LeadershipDomain, domain_id)
        if item is None or item.framework_id != current.id:
            abort(404)
    if request.method == "GET" and item is not None:
        form = DomainForm(
            formdata=None,
            data={
                "name": item.name,
                "description": item.description,
                "behaviours": "\n".join(b.text for b in item.behaviours),
            },
        )
    else:
        form = DomainForm()
    if form.validate_on_submit():
        try:
            services.save_domain(
                current,
                item,
                name=form.name.data,
                description=form.description.data or "",
                behaviours=form.behaviours.data.splitlines(),
                actor=current_user,
            )
        except GrantsError as error:
            record_refusal("leadership.framework_refused", current, error)
            show_error(form, error, "name")
        else:
            db.session.commit()
            flash("The domain has been saved.", "success")
            return redirect(url_for("leadership.framework"))
    return render_template("leadership/domain.html", form=form, item=item), (400 if form.errors else 200)


@bp.route("/leadership/framework/domains/<int:domain_id>/remove", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def remove_domain(domain_id):
    current = services.ensure_framework(current_user)
    item = db.session.get(LeadershipDomain, domain_id)
    if item is None or item.framework_id != current.id:
        abort(404)
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        try:
            services.remove_domain(current, item, actor=current_user)
        except GrantsError as error:
            record_refusal("leadership.framework_refused", current, error)
            flash(error.message, "important")
        else:
            db.session.commit()
            flash("The domain has been removed.", "success")
        return redirect(url_for("leadership.framework"))
    return render_template("leadership/remove_domain.html", item=item, form=ActionForm(formdata=None))


@bp.route("/leadership/framework/scale", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def scale():
    current = services.ensure_framework(current_user)
    if request.method == "GET":
        form = ScaleForm(
            formdata=None, data={"name": current.name, **{f"point_{n}": t for n, t in enumerate(current.scale, 1)}}
        )
    else:
        form = ScaleForm()
    if form.validate_on_submit():
        try:
            services.save_scale(
                current, name=form.name.data, scale=[form[f"point_{n}"].data for n in range(1, 6)], actor=current_user
            )
        except GrantsError as error:
            record_refusal("leadership.framework_refused", current, error)
            show_error(form, error, "name")
        else:
            db.session.commit()
            flash("The framework's name and scale have been saved.", "success")
            return redirect(url_for("leadership.framework"))
    return render_template("leadership/scale.html", form=form), (400 if form.errors else 200)


@bp.post("/leadership/framework/new-version")
@roles_required(Role.PROGRAMME_OFFICER)
def new_version():
    if not ActionForm().validate_on_submit():
        abort(400)
    new = services.start_new_version(actor=current_user)
    db.session.commit()
    flash(f"Version {new.version} is ready to change. Self-assessments sent from now on use it.", "success")
    return redirect(url_for("leadership.framework"))
