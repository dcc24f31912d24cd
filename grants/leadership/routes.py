"""Leadership self-assessments: the project's participants and results, the participant's own page
(reached by their emailed link, no account needed), the wave's results and the framework."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user, login_required

from grants.core import actions, limits
from grants.core.errors import GrantsError
from grants.core.forms import ActionForm
from grants.core.permissions import Role, roles_required
from grants.extensions import db
from grants.leadership import kept, queries, services
from grants.leadership.forms import (
    ChangeParticipantForm,
    DomainForm,
    InviteForm,
    ParticipantForm,
    ScaleForm,
    self_assessment_form,
)
from grants.leadership.models import STAGE_LABELS, STAGES, LeadershipDomain, Participant
from grants.leadership.permissions import (
    can_close_stage,
    can_manage_participants,
    can_see_individuals,
    can_see_open_results,
)
from grants.projects import permissions as project_permissions
from grants.projects.access import project_or_404
from grants.projects.models import Project
from grants.rounds.models import Round

bp = Blueprint("leadership", __name__)


def _results(scores: dict, *, staff: bool) -> dict:
    """What the results pages show of these answers: every figure, and whether the groups are big
    enough to show. Someone who is not programme staff sees no domain whose pairs are fewer than
    ``MIN_GROUP`` (and, by the caller, only the answers of closed stages)."""
    framework = services.current_framework()
    domains = queries.domain_order([domain.name for domain in framework.domains] if framework else [], scores)
    result = {
        "pairs": queries.pairs_count(scores),
        "respondents": queries.respondents(scores),
        "changes": queries.paired_change(scores, domains),
    }
    return _shown(result, staff=staff)


def _shown(result: dict, *, staff: bool) -> dict:
    """``_results`` of figures already added up: ``{"pairs", "respondents", "changes": [DomainChange]}``."""
    shown, changes = queries.visible_changes(result["changes"], result["pairs"], staff=staff)
    return {
        "changes": changes,
        "chart": queries.chart_rows(changes),
        "pairs": result["pairs"],
        "respondents": result["respondents"],
        "shown": shown,
        "min_group": queries.MIN_GROUP,
        "staff": staff,
    }


@bp.get("/projects/<int:project_id>/leadership")
@login_required
def project(project_id):
    project = project_or_404(project_id)
    manage = can_manage_participants(current_user, project)
    participants = queries.participants_of(project.id) if manage or can_see_individuals(current_user) else []
    return _project_page(project, participants, InviteForm(formdata=None), manage=manage)


def _project_page(project: Project, participants: list[Participant], invite_form: InviteForm, *, manage: bool):
    invite_form.participants.choices = [(p.id, p.name) for p in participants]
    staff = can_see_open_results(current_user)
    closed = queries.closed_stages([project.id])[project.id]
    scores = queries.domain_scores([project.id])
    if not staff:  # a stage still open may change with the next answer: only closed ones are shown
        scores = {key: by_domain for key, by_domain in scores.items() if key[1] in closed}
    counts = queries.stage_counts(project.id)
    may_close = can_close_stage(current_user, project)
    return render_template(
        "leadership/project.html",
        project=project,
        participants=participants,
        stages=queries.stages_of([p.id for p in participants]),
        stage_labels=STAGE_LABELS,
        stage_keys=STAGES,
        manage=manage,
        individuals=can_see_individuals(current_user),
        invite_form=invite_form,
        form=invite_form,
        closed=closed,
        counts=counts,
        closable=[stage for stage in STAGES if may_close and stage not in closed and counts[stage].invited],
        **_results(scores, staff=staff),
    ), (400 if invite_form.errors else 200)


@bp.route("/projects/<int:project_id>/leadership/participants/new", methods=["GET", "POST"])
@login_required
def add_participant(project_id):
    project = project_or_404(project_id)
    if not can_manage_participants(current_user, project):
        abort(403)
    form = ParticipantForm()
    if form.validate_on_submit():
        done = actions.carry_out(
            lambda: services.add_participant(
                project,
                name=form.name.data,
                email=form.email.data,
                organisation_name=form.organisation_name.data,
                actor=current_user,
            ),
            refused=("leadership.participant_refused", project),
            form=form,
            field="email",
            to=_participants_of(project),
            message=f"{form.name.data} has been added. Invite them to a self-assessment when it is time.",
        )
        if done is not None:
            return done
    return render_template("leadership/participant.html", project=project, form=form), (400 if form.errors else 200)


@bp.route("/projects/<int:project_id>/leadership/participants/<int:participant_id>/change", methods=["GET", "POST"])
@login_required
def change_participant(project_id, participant_id):
    project = project_or_404(project_id)
    if not can_manage_participants(current_user, project):
        abort(403)
    person = db.session.get(Participant, participant_id)
    if person is None or person.project_id != project.id:
        abort(404)
    if request.method == "GET":
        form = ChangeParticipantForm(obj=person)
    else:
        form = ChangeParticipantForm()
    if form.validate_on_submit():
        done = actions.carry_out(
            lambda: services.change_participant(
                project,
                person,
                name=form.name.data,
                email=form.email.data,
                organisation_name=form.organisation_name.data,
                actor=current_user,
            ),
            refused=("leadership.participant_refused", project),
            form=form,
            claim=False,
            field="email",
            to=_participants_of(project),
            message=lambda withdrawn: (
                f"{person.name}'s details have been saved."
                + (" The links sent to their old email address no longer work: invite them again." if withdrawn else "")
            ),
        )
        if done is not None:
            return done
    return render_template("leadership/participant.html", project=project, form=form, person=person), (
        400 if form.errors else 200
    )


@bp.post("/projects/<int:project_id>/leadership/invite")
@login_required
def invite(project_id):
    project = project_or_404(project_id)
    if not can_manage_participants(current_user, project):
        abort(403)
    participants = queries.participants_of(project.id)
    form = InviteForm()
    form.participants.choices = [(p.id, p.name) for p in participants]
    if form.validate_on_submit():
        chosen = [p for p in participants if p.id in set(form.participants.data)]
        done = actions.carry_out(
            lambda: services.invite(project, chosen, form.stage.data, actor=current_user),
            refused=("leadership.invitation_refused", project),
            form=form,
            field="participants",
            to=_participants_of(project),
            message=_invited,
        )
        if done is not None:
            return done
    return _project_page(project, participants, form, manage=True)


@bp.post("/projects/<int:project_id>/leadership/stages/<stage>/close")
@login_required
def close_stage(project_id, stage):
    project = project_or_404(project_id)
    if stage not in STAGES:
        abort(404)
    if not can_close_stage(current_user, project):
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    words = STAGE_LABELS[stage].lower()
    return actions.carry_out(
        lambda: services.close_stage(project, stage, actor=current_user),
        refused=("leadership.stage_close_refused", project),
        to=url_for("leadership.project", project_id=project.id) + "#stages",
        message=f"The self-assessment {words} has closed: it takes no more answers, and its results are shown to "
        "the project team and the steering group.",
    )


def _participants_of(project: Project) -> str:
    return url_for("leadership.project", project_id=project.id) + "#participant-list"


def _invited(counts: tuple[int, int]) -> str:
    invited, answered = counts
    message = f"{invited} {'person has' if invited == 1 else 'people have'} been emailed a link."
    if answered:
        message += f" {answered} had already answered and were not sent it again."
    return message


@bp.get("/projects/<int:project_id>/leadership/participants/<int:participant_id>")
@login_required
def participant(project_id, participant_id):
    project = project_or_404(project_id)
    if not can_see_individuals(current_user):
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
    staff = can_see_open_results(current_user)
    shifts = kept.kept(project_ids)  # each project's figures as kept, not every answer
    closed = queries.closed_stages(project_ids)
    if not staff:  # only closed stages, whose results never change
        shifts = {project_id: shift.seen(closed.get(project_id, {})) for project_id, shift in shifts.items()}
    by_project = {project_id: shifts.get(project_id, kept.NOTHING_ANSWERED).pairs for project_id in project_ids}
    if not can_see_individuals(current_user):
        shifts = kept.shown_alone(shifts)
    framework = services.current_framework()
    result = kept.added_up(shifts.values(), [domain.name for domain in framework.domains] if framework else [])
    result["changes"] = [queries.DomainChange(**change) for change in result["changes"]]
    return render_template(
        "leadership/wave.html",
        round=round_,
        projects=projects,
        by_project=by_project,
        still_open={project_id: queries.results_still_open(stages) for project_id, stages in closed.items()},
        **_shown(result, staff=staff),
    )


# --- The participant's own page -------------------------------------------------------------------------


@bp.route("/self-assessment/<token>", methods=["GET", "POST"])
@limits.emailed_link
def answer(token):
    if len(token) > 100:
        abort(404)
    invitation = services.find_invitation(token)
    if invitation is None or invitation.used_at is not None:
        reason = "already used" if invitation else "unknown link"
        actions.record(
            "leadership.link_refused",
            invitation,
            object_type="assessment_invitation",
            after={"reason": reason},
            anonymous=True,
        )
        return _link_problem(used=invitation is not None)
    if services.closure_of(invitation.participant.project_id, invitation.stage) is not None:
        actions.record(
            "leadership.link_refused",
            invitation,
            object_type="assessment_invitation",
            after={"reason": "stage closed"},
            anonymous=True,
        )
        return _link_problem(closed=True)
    framework = invitation.framework
    form = self_assessment_form(framework)
    if form.validate_on_submit():
        answers = {
            behaviour.id: int(form[f"behaviour_{behaviour.id}"].data)
            for domain in framework.domains
            for behaviour in domain.behaviours
        }
        stage = STAGE_LABELS[invitation.stage].lower()
        done = actions.carry_out(
            lambda: services.submit_self_assessment(token, answers),
            refused=("leadership.link_refused", invitation),
            anonymous=True,  # whoever is signed in on this browser, the participant answers through their link
            to=lambda _: actions.page("leadership/thanks.html", stage=stage),
            show=lambda error: _answer_refused(token, form, error),
        )
        if done is not None:
            return done
    return _answer_page(invitation, form)


def _link_problem(*, used: bool = False, closed: bool = False):
    """An unknown link (404), or one already used or for a stage that has closed (410)."""
    return render_template("leadership/link_problem.html", used=used, closed=closed), 410 if used or closed else 404


def _answer_refused(token: str, form, error: GrantsError):
    """A refused answer (the refusal is recorded): used a moment ago by another press, the stage closed
    while the participant was answering, or the form again."""
    invitation = services.find_invitation(token)
    if invitation is None or invitation.used_at is not None:
        return _link_problem(used=invitation is not None)
    if isinstance(error, services.StageClosedError):
        return _link_problem(closed=True)
    behaviours = {f"behaviour:{b.id}": f"behaviour_{b.id}" for d in invitation.framework.domains for b in d.behaviours}
    actions.show_on_field(form, error, "submit", behaviours)
    return _answer_page(invitation, form)


def _answer_page(invitation, form):
    return render_template(
        "leadership/answer.html",
        invitation=invitation,
        framework=invitation.framework,
        form=form,
        project=invitation.participant and db.session.get(Project, invitation.participant.project_id),
        stage=STAGE_LABELS[invitation.stage].lower(),
    ), (400 if form.errors else 200)


# --- The framework ----------------------------------------------------------------------------------


@bp.get("/leadership/framework")
@roles_required(Role.PROGRAMME_OFFICER)
def framework():
    """The current framework: the default one is made (and kept) the first time anyone looks."""
    return actions.carry_out(
        lambda: services.ensure_framework(current_user),
        refused=("leadership.framework_refused", None),
        to=lambda current: actions.page(
            "leadership/framework.html",
            framework=current,
            editable=not services.in_use(current),
            form=ActionForm(formdata=None),
        ),
    )


@bp.route("/leadership/framework/domains/new", methods=["GET", "POST"])
@bp.route("/leadership/framework/domains/<int:domain_id>", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def domain(domain_id=None):
    current = services.ensure_framework(current_user)
    item = _domain_or_404(current, domain_id) if domain_id is not None else None
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
        done = actions.carry_out(
            lambda: services.save_domain(
                current,
                item,
                name=form.name.data,
                description=form.description.data or "",
                behaviours=form.behaviours.data.splitlines(),
                actor=current_user,
            ),
            refused=("leadership.framework_refused", current),
            form=form,
            field="name",
            to=url_for("leadership.framework"),
            message="The domain has been saved.",
        )
        if done is not None:
            return done
    return render_template("leadership/domain.html", form=form, item=item), (400 if form.errors else 200)


def _domain_or_404(framework, domain_id: int) -> LeadershipDomain:
    item = db.session.get(LeadershipDomain, domain_id)
    if item is None or item.framework_id != framework.id:
        abort(404)
    return item


@bp.route("/leadership/framework/domains/<int:domain_id>/remove", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def remove_domain(domain_id):
    current = services.ensure_framework(current_user)
    item = _domain_or_404(current, domain_id)
    if request.method == "GET":
        return render_template("leadership/remove_domain.html", item=item, form=ActionForm(formdata=None))
    if not ActionForm().validate_on_submit():
        abort(400)
    return actions.carry_out(
        lambda: services.remove_domain(current, item, actor=current_user),
        refused=("leadership.framework_refused", current),
        to=url_for("leadership.framework"),
        message="The domain has been removed.",
    )


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
        done = actions.carry_out(
            lambda: services.save_scale(
                current, name=form.name.data, scale=[form[f"point_{n}"].data for n in range(1, 6)], actor=current_user
            ),
            refused=("leadership.framework_refused", current),
            form=form,
            field="name",
            fields={"scale": "point_1"},
            to=url_for("leadership.framework"),
            message="The framework's name and scale have been saved.",
        )
        if done is not None:
            return done
    return render_template("leadership/scale.html", form=form), (400 if form.errors else 200)


@bp.post("/leadership/framework/new-version")
@roles_required(Role.PROGRAMME_OFFICER)
def new_version():
    if not ActionForm().validate_on_submit():
        abort(400)
    return actions.carry_out(
        lambda: services.start_new_version(actor=current_user),
        refused=("leadership.framework_refused", services.current_framework()),
        to=url_for("leadership.framework"),
        message=lambda new: f"Version {new.version} is ready to change. Self-assessments sent from now on use it.",
    )
