"""Funding pages: the portfolio for finance, a project's agreement, schedule, conditions and match
funding, and the two signatures on every release."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from grants.accounts import services as account_services
from grants.accounts.models import User
from grants.core import audit, limits, once
from grants.core.errors import GrantsError
from grants.core.forms import ActionForm
from grants.core.pagination import id_arg, paginate
from grants.core.permissions import Role, roles_required
from grants.documents import storage
from grants.documents.models import Document
from grants.extensions import db
from grants.funding import permissions, queries
from grants.funding.forms import (
    FILE_TYPES,
    AgreementTemplateForm,
    ApproveForm,
    ConditionForm,
    ConfirmConditionForm,
    MatchConfirmForm,
    MatchReceivedForm,
    ReasonForm,
    ScheduleForm,
    SignForm,
)
from grants.funding.models import CONDITION_KINDS, GrantAgreement, Payment, Tranche, TrancheCondition
from grants.funding.services import AlreadyDone, ConditionsLapsed, FundingError
from grants.funding.services import agreements as agreement_services
from grants.funding.services import conditions as condition_services
from grants.funding.services import match as match_services
from grants.funding.services import release as release_services
from grants.funding.services import schedule as schedule_services
from grants.funding.services import terms as terms_module
from grants.funding.services import waivers as waiver_services
from grants.funding.services.common import NotAllowed
from grants.projects import queries as project_queries
from grants.projects.models import Project
from grants.rounds.models import Round

bp = Blueprint("funding", __name__)


# --- Loading, with the permission check ------------------------------------------------------------------


def _project(project_id: int) -> Project:
    """The project, or 404 for anyone who may not see it."""
    project = project_queries.load_project(project_id)
    if project is None or not permissions.can_view_funding(current_user, project):
        abort(404)
    return project


def _tranche(tranche_id: int) -> Tranche:
    tranche = db.session.get(Tranche, tranche_id)
    if tranche is None:
        abort(404)
    return tranche


def _condition(condition_id: int) -> TrancheCondition:
    condition = db.session.get(TrancheCondition, condition_id)
    if condition is None or not permissions.can_view_funding(current_user, condition.tranche.project):
        abort(404)
    return condition


def _refused(action: str, obj, error: FundingError) -> None:
    """Nothing of the refused change is kept; the refusal itself is. A refusal because a tranche's
    conditions have lapsed also records the lapse, so the tranche no longer looks ready."""
    db.session.rollback()
    audit.record(action, obj, after={"reason": error.message})
    if isinstance(error, ConditionsLapsed):
        condition_services.evaluate_project(obj.project, actor=current_user)
    db.session.commit()


def _show_error(form, error: FundingError, default_field: str) -> None:
    name = error.field if error.field and error.field in form else default_field
    field = form[name]
    field.errors = [*field.errors, error.message]


def _confirm_page(project: Project, *, title: str, lede: str, button: str):
    """Are you sure? A change that weakens a payment control, or undoes work, is asked about first."""
    return render_template(
        "funding/confirm.html", project=project, title=title, lede=lede, button=button, form=ActionForm(formdata=None)
    )


def _reason_page(project, form, title: str, lede: str):
    """A change that needs a reason: the form, 400 with its errors."""
    return render_template("funding/reason.html", project=project, form=form, title=title, lede=lede), (
        400 if form.errors else 200
    )


def _to_project(project_id: int, anchor: str = ""):
    return redirect(url_for("funding.project", project_id=project_id) + anchor)


# --- The portfolio --------------------------------------------------------------------------------------


@bp.get("/funding/")
@roles_required(Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER)
def index():
    view = request.args.get("view") if request.args.get("view") in queries.VIEWS else "due"
    round_id = id_arg("round")
    page = paginate(queries.tranches_statement(view, round_id))
    tranche_ids = [tranche.id for tranche in page.items]
    return render_template(
        "funding/index.html",
        view=view,
        views=queries.VIEWS,
        round_id=round_id,
        rounds=db.session.scalars(
            db.select(Round).where(Round.status.in_(("decided", "archived"))).order_by(Round.closes_at.desc())
        ).all(),
        totals=queries.totals(round_id),
        view_totals=queries.view_totals(view, round_id),
        page=page,
        payments=queries.payments_for(tranche_ids),
        waiting=condition_services.unmet_conditions(tranche_ids),
    )


@bp.get("/funding/approvals")
@roles_required(Role.FINANCE_APPROVER)
def approvals():
    return redirect(url_for("funding.index", view="requested"))


@bp.get("/funding/tranches.csv")
@roles_required(Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER)
def export():
    view = request.args.get("view") if request.args.get("view") in queries.VIEWS else "all"
    round_id = id_arg("round")
    audit.record("funding.exported", object_type="tranches", after={"view": view, "round_id": round_id})
    db.session.commit()
    filename = f"grants-tranches-{view}-{date.today().isoformat()}.csv"
    return Response(
        stream_with_context(queries.csv_lines(view, round_id)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# --- A project's funding ------------------------------------------------------------------------------


def _project_page(project: Project, status: int = 200, **forms):
    tranches = db.session.scalars(
        db.select(Tranche)
        .where(Tranche.project_id == project.id)
        .options(selectinload(Tranche.conditions).selectinload(TrancheCondition.owner))
        .order_by(Tranche.sequence)
    ).all()
    payments = {p.tranche_id: p for p in db.session.scalars(db.select(Payment).where(Payment.project_id == project.id))}
    agreements = agreement_services.agreements_of(project.id)
    user = current_user
    return render_template(
        "funding/project.html",
        project=project,
        tranches=tranches,
        payments=payments,
        agreements=agreements,
        current=next((a for a in agreements if a.status in ("draft", "issued")), None),
        in_force=next((a for a in agreements if a.status == "signed"), None),
        match=match_services.match_of(project.id),
        released=sum(p.amount_pence for p in payments.values()),
        schedule_editable=schedule_services.schedule_editable(project.id),
        can_manage=permissions.can_manage(user),
        can_hold=permissions.can_see_portfolio(user),
        can_record_match=permissions.can_see_portfolio(user),
        is_staff=permissions.can_see_portfolio(user),
        can_sign=any(permissions.can_sign(user, a) for a in agreements[:1]),
        can_confirm=lambda condition: permissions.can_confirm(user, condition),
        can_propose_waiver=lambda condition: waiver_services.can_propose(user, condition),
        blockers={tranche.id: _blockers(tranche) for tranche in tranches},
        owner_can_confirm=condition_services.owner_can_confirm,
        form=forms.get("form") or ActionForm(formdata=None),
    ), status


@bp.get("/projects/<int:project_id>/funding")
@login_required
def project(project_id):
    return _project_page(_project(project_id))


@bp.route("/projects/<int:project_id>/funding/schedule", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def schedule(project_id):
    project = _project(project_id)
    tranches = schedule_services.tranches_of(project.id)
    if not schedule_services.schedule_editable(project.id):
        flash("The schedule is part of the signed agreement. Start a variation to change it.", "important")
        return _to_project(project.id)
    if request.method == "POST":
        form = ScheduleForm()
    else:
        form = ScheduleForm(
            formdata=None,
            data={"tranches": [{"tranche_id": t.id, "amount": t.amount_pence, "due_on": t.due_on} for t in tranches]},
        )
    if form.validate_on_submit():
        changes = []
        try:
            for row in form.tranches:
                changes.append(
                    schedule_services.TrancheChange(
                        int(row.form.tranche_id.data), row.form.amount.data, row.form.due_on.data
                    )
                )
        except (TypeError, ValueError):
            abort(400)
        try:
            schedule_services.change_schedule(project, changes, actor=current_user)
        except FundingError as error:
            _refused("funding.schedule_change_refused", project, error)
            _schedule_error(form, error)
        else:
            db.session.commit()
            flash("The tranche schedule has been saved.", "success")
            return _to_project(project.id, "#schedule")
    return render_template(
        "funding/schedule.html",
        project=project,
        form=form,
        tranches=tranches,
        rows=list(zip(form.tranches, tranches, strict=False)),
    ), (400 if form.errors else 200)


def _schedule_error(form: ScheduleForm, error: FundingError) -> None:
    parts = (error.field or "tranches-0-amount").split("-")
    index = int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else 0
    name = parts[2] if len(parts) == 3 and parts[2] in ("amount", "due_on") else "amount"
    if index < len(form.tranches):
        field = form.tranches[index].form[name]
        field.errors = [*field.errors, error.message]
        form.tranches.errors = [entry.errors for entry in form.tranches.entries]  # the list keeps its own copy


# --- The agreement ---------------------------------------------------------------------------------------


def _agreement(project: Project, version: int) -> GrantAgreement:
    agreement = db.session.scalar(
        db.select(GrantAgreement).where(GrantAgreement.project_id == project.id, GrantAgreement.version == version)
    )
    if agreement is None:
        abort(404)
    if agreement.issued_at is None and not permissions.can_see_portfolio(current_user):
        abort(404)  # a version never issued (a draft, or a variation withdrawn as a draft) is the programme team's
    return agreement


def _agreement_page(project, agreement, form, status=200):
    words = agreement.terms
    if agreement.status == "draft":
        words = agreement_services.current_terms(project, agreement.version)  # as it would be issued now
    return render_template(
        "funding/agreement.html",
        project=project,
        agreement=agreement,
        words=words,
        form=form,
        can_sign=agreement.status == "issued" and permissions.can_sign(current_user, agreement),
        can_manage=permissions.can_manage(current_user),
        action_form=ActionForm(formdata=None),
    ), status


@bp.get("/projects/<int:project_id>/agreement/<int:version>")
@login_required
def agreement(project_id, version):
    project = _project(project_id)
    agreement = _agreement(project, version)
    form = SignForm(formdata=None, data={"terms_digest": terms_module.digest(agreement.terms)})
    return _agreement_page(project, agreement, form)


@bp.post("/projects/<int:project_id>/agreement/<int:version>/sign")
@login_required
def sign(project_id, version):
    project = _project(project_id)
    agreement = _agreement(project, version)
    if not permissions.can_sign(current_user, agreement):
        abort(403)
    form = SignForm()
    if form.validate_on_submit():
        try:
            agreement_services.sign_agreement(
                agreement,
                actor=current_user,
                typed_name=form.full_name.data,
                confirmed=bool(form.confirm.data),
                terms_digest=form.terms_digest.data or "",
                ip_address=request.remote_addr,
                user_agent=request.user_agent.string,
            )
        except AlreadyDone as error:  # the repeat goes where the first signature led
            _refused("funding.signature_refused", agreement, error)
            flash(error.message, "important")
            return redirect(url_for("funding.project", project_id=project.id), 303)
        except FundingError as error:
            _refused("funding.signature_refused", agreement, error)
            agreement = _agreement(project, version)
            _show_error(form, error, "full_name")
            form.terms_digest.data = terms_module.digest(agreement.terms)
        else:
            db.session.commit()
            flash(
                f"You have signed version {agreement.version} of the grant agreement. "
                "We have emailed you a confirmation.",
                "success",
            )
            return _to_project(project.id)
    return _agreement_page(project, agreement, form, 400)


@bp.post("/projects/<int:project_id>/agreement/<int:version>/issue")
@roles_required(Role.PROGRAMME_OFFICER)
def issue(project_id, version):
    project = _project(project_id)
    agreement = _agreement(project, version)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        agreement_services.issue_agreement(agreement, actor=current_user)
    except GrantsError as error:
        _refused("funding.issue_refused", agreement, FundingError(error.message))
        flash(error.message, "important")
    else:
        db.session.commit()
        flash(
            f"Version {agreement.version} of the agreement has been issued. The project lead has been emailed.",
            "success",
        )
    return _to_project(project.id, "#agreement")


@bp.route("/projects/<int:project_id>/agreement/variation", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def variation(project_id):
    project = _project(project_id)
    form = ReasonForm()
    form.reason.label.text = "Why does the agreement need to change?"
    form.submit.label.text = "Start the variation"
    if form.validate_on_submit():
        try:
            new = agreement_services.start_variation(project, reason=form.reason.data, actor=current_user)
        except FundingError as error:
            _refused("funding.variation_refused", project, error)
            _show_error(form, error, "reason")
        else:
            db.session.commit()
            flash(
                f"Version {new.version} is being prepared. Change the schedule if you need to, "
                "then issue it for signature.",
                "success",
            )
            return _to_project(project.id, "#agreement")
    return _reason_page(
        project,
        form,
        "Vary the grant agreement",
        "The signed agreement stays in force until the new version is signed. "
        "Unpaid tranches can be changed meanwhile.",
    )


@bp.route("/projects/<int:project_id>/agreement/<int:version>/withdraw", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def withdraw(project_id, version):
    project = _project(project_id)
    agreement = _agreement(project, version)
    if request.method == "GET":
        return _confirm_page(
            project,
            title=f"Withdraw version {agreement.version} of the agreement?",
            lede="The signed agreement stays in force, and the unpaid tranches go back to its amounts and dates.",
            button="Withdraw the variation",
        )
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        agreement_services.withdraw_variation(agreement, actor=current_user)
    except GrantsError as error:
        _refused("funding.withdraw_refused", agreement, FundingError(error.message))
        flash(error.message, "important")
    else:
        db.session.commit()
        flash(f"Version {agreement.version} has been withdrawn. The signed agreement stays in force.", "success")
    return _to_project(project.id, "#agreement")


# --- Conditions ---------------------------------------------------------------------------------------


@bp.route("/funding/tranches/<int:tranche_id>/conditions/new", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def add_condition(tranche_id):
    tranche = _tranche(tranche_id)
    project = _project(tranche.project_id)
    form = ConditionForm()
    if (earlier := once.sent_before(form)) is not None:  # its kind is no longer a choice once added
        return earlier
    present = {condition.kind for condition in tranche.conditions if condition.kind != "custom"}
    form.kind.choices = [choice for choice in form.kind.choices if choice.value not in present]
    owners = condition_services.possible_owners(project)
    form.owner_id.choices = [(0, "Choose someone")] + [(person.id, person.name) for person in owners]
    if form.validate_on_submit():
        if (earlier := once.carried_out(form)) is not None:
            return earlier
        owner = next((person for person in owners if person.id == form.owner_id.data), None)
        try:
            condition_services.add_condition(
                tranche, kind=form.kind.data, description=form.description.data, owner=owner, actor=current_user
            )
        except FundingError as error:
            _refused("funding.condition_refused", tranche, error)
            tranche = _tranche(tranche_id)
            _show_error(form, error, "kind")
        else:
            once.led_to(form, url_for("funding.project", project_id=project.id) + f"#tranche-{tranche.sequence}")
            db.session.commit()
            flash(f"The condition has been added to tranche {tranche.sequence}.", "success")
            return _to_project(project.id, f"#tranche-{tranche.sequence}")
    return render_template(
        "funding/condition_new.html", project=project, tranche=tranche, form=form, kinds=CONDITION_KINDS
    ), (400 if form.errors else 200)


@bp.route("/funding/conditions/<int:condition_id>/remove", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def remove_condition(condition_id):
    condition = _condition(condition_id)
    project_id, sequence = condition.tranche.project_id, condition.tranche.sequence
    if request.method == "GET" and condition.kind != "custom":
        flash(f"“{condition.label}” is a built-in condition and cannot be removed.", "important")
        return _to_project(project_id, f"#tranche-{sequence}")
    if request.method == "GET":
        return _confirm_page(
            condition.tranche.project,
            title=f"Remove “{condition.label}” from tranche {sequence}?",
            lede=f"Tranche {sequence} will no longer wait for it. If its other conditions are met, it becomes ready "
            "to request at once.",
            button="Remove the condition",
        )
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        condition_services.remove_condition(condition, actor=current_user)
    except FundingError as error:
        _refused("funding.condition_refused", condition, error)
        flash(error.message, "important")
    else:
        db.session.commit()
        flash(f"The condition has been removed from tranche {sequence}.", "success")
    return _to_project(project_id, f"#tranche-{sequence}")


@bp.route("/funding/conditions/<int:condition_id>/confirm", methods=["GET", "POST"])
@login_required
def confirm_condition(condition_id):
    condition = _condition(condition_id)
    if not permissions.can_confirm(current_user, condition):
        abort(403)
    tranche, project = condition.tranche, condition.tranche.project
    form = ConfirmConditionForm()
    if form.validate_on_submit():
        try:
            condition_services.confirm_condition(condition, actor=current_user, note=form.note.data)
        except FundingError as error:
            _refused("funding.condition_refused", condition, error)
            condition = _condition(condition_id)
            _show_error(form, error, "note")
        else:
            db.session.commit()
            flash(f"“{condition.label}” is confirmed for tranche {tranche.sequence}.", "success")
            return _to_project(project.id, f"#tranche-{tranche.sequence}")
    return render_template(
        "funding/condition_confirm.html", project=project, tranche=tranche, condition=condition, form=form
    ), (400 if form.errors else 200)


@bp.route("/funding/conditions/<int:condition_id>/reopen", methods=["GET", "POST"])
@login_required
def reopen_condition(condition_id):
    condition = _condition(condition_id)
    if not (permissions.can_confirm(current_user, condition) or permissions.can_manage(current_user)):
        abort(403)
    tranche, project = condition.tranche, condition.tranche.project
    form = ReasonForm()
    form.reason.label.text = "Why is the condition no longer met?"
    form.submit.label.text = "Reopen the condition"
    if form.validate_on_submit():
        try:
            condition_services.reopen_condition(condition, actor=current_user, reason=form.reason.data)
        except FundingError as error:
            _refused("funding.condition_refused", condition, error)
            _show_error(form, error, "reason")
        else:
            db.session.commit()
            flash(f"“{condition.label}” is open again for tranche {tranche.sequence}.", "success")
            return _to_project(project.id, f"#tranche-{tranche.sequence}")
    return _reason_page(
        project, form, f"Reopen “{condition.label}”", f"Tranche {tranche.sequence} will wait for this condition again."
    )


# --- Waivers of built-in conditions: proposed by an officer, agreed by a finance approver ------------------


@bp.route("/funding/conditions/<int:condition_id>/waive", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def propose_waiver(condition_id):
    condition = _condition(condition_id)
    tranche, project = condition.tranche, condition.tranche.project
    form = ReasonForm()
    form.reason.label.text = "Why should this condition be waived?"
    form.reason.description = "A finance approver reads this before agreeing. The project lead sees it too."
    form.submit.label.text = "Propose the waiver"
    if form.validate_on_submit():
        try:
            asked = waiver_services.propose_waiver(condition, actor=current_user, reason=form.reason.data)
        except AlreadyDone as error:
            return _already_done("funding.waiver_refused", tranche.id, error, obj=condition)
        except FundingError as error:
            _refused("funding.waiver_refused", condition, error)
            condition = _condition(condition_id)
            _show_error(form, error, "reason")
        else:
            db.session.commit()
            asked = (
                "The finance approvers have been asked to agree."
                if asked
                else "Nobody else has the finance approver role yet, so nobody can agree to it: an administrator "
                "can give the role to someone other than you, on the People page."
            )
            flash(f"You have proposed to waive “{condition.label}” for tranche {tranche.sequence}. {asked}", "success")
            return _to_project(project.id, f"#tranche-{tranche.sequence}")
    return _reason_page(
        project,
        form,
        f"Waive “{condition.label}” for tranche {tranche.sequence}?",
        "The condition counts as met only once a finance approver, someone other than you, agrees.",
    )


def _waiver_action(condition_id: int, service, done: str):
    condition = _condition(condition_id)
    tranche_id, label = condition.tranche_id, condition.label
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        service(condition, actor=current_user)
    except AlreadyDone as error:
        return _already_done("funding.waiver_refused", tranche_id, error, obj=condition)
    except FundingError as error:
        _refused("funding.waiver_refused", condition, error)
        flash(error.message, "important")
        status = 403 if isinstance(error, NotAllowed) else 409
        return _tranche_page(_tranche(tranche_id), ApproveForm(formdata=None), status)
    db.session.commit()
    flash(done.format(label=label, sequence=condition.tranche.sequence), "success")
    return redirect(url_for("funding.tranche", tranche_id=tranche_id))


@bp.post("/funding/conditions/<int:condition_id>/waive/agree")
@roles_required(Role.FINANCE_APPROVER)
def agree_waiver(condition_id):
    return _waiver_action(
        condition_id, waiver_services.agree_waiver, "You have agreed to waive “{label}” for tranche {sequence}."
    )


@bp.post("/funding/conditions/<int:condition_id>/waive/withdraw")
@roles_required(Role.PROGRAMME_OFFICER)
def withdraw_waiver(condition_id):
    return _waiver_action(
        condition_id, waiver_services.withdraw_waiver, "The waiver of “{label}” for tranche {sequence} is withdrawn."
    )


# --- Releases: request, approve, return, hold, resume ------------------------------------------------------


@bp.post("/funding/tranches/<int:tranche_id>/request")
@roles_required(Role.PROGRAMME_OFFICER)
def request_release(tranche_id):
    tranche = _tranche(tranche_id)
    project_id, sequence = tranche.project_id, tranche.sequence
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        release_services.request_release(tranche, actor=current_user)
    except AlreadyDone as error:
        return _already_done("funding.release_request_refused", tranche_id, error)
    except FundingError as error:
        _refused("funding.release_request_refused", tranche, error)
        flash(error.message, "important")
    else:
        db.session.commit()
        flash(
            f"The release of tranche {sequence} has been requested. A finance approver has been asked to approve it.",
            "success",
        )
    return _to_project(project_id, f"#tranche-{sequence}")


def _already_done(action: str, tranche_id: int, error: AlreadyDone, obj=None):
    """A repeat of something that has already happened, wherever it is caught: 409, and the tranche's
    page saying what already happened."""
    _refused(action, obj if obj is not None else _tranche(tranche_id), error)
    flash(error.message, "important")
    return _tranche_page(_tranche(tranche_id), ApproveForm(formdata=None), 409)


def _tranche_page(tranche: Tranche, form: ApproveForm, status: int = 200):
    project = tranche.project
    return render_template(
        "funding/tranche.html",
        project=project,
        tranche=tranche,
        payment=db.session.scalar(db.select(Payment).where(Payment.tranche_id == tranche.id)),
        form=form,
        can_approve=permissions.can_approve(current_user, tranche),
        own_request=tranche.status == "requested"
        and tranche.requested_by_id == current_user.id
        and current_user.has_role(Role.FINANCE_APPROVER),
        can_hold=permissions.can_hold(current_user) and tranche.status not in ("released", "held"),
        held_by=db.session.get(User, tranche.held_by_id) if tranche.held_by_id else None,
        blockers=_blockers(tranche),
        can_agree=lambda condition: waiver_services.can_agree(current_user, condition),
        can_withdraw=lambda condition: waiver_services.can_withdraw(current_user, condition),
        action_form=ActionForm(formdata=None),
    ), status


def _blockers(tranche: Tranche) -> list[str]:
    """What stops an unpaid tranche being requested, as the request itself would say."""
    return condition_services.payment_blockers(tranche) if tranche.status in ("scheduled", "eligible") else []


@bp.route("/funding/tranches/<int:tranche_id>", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER)
@limits.reauthentication
def tranche(tranche_id):
    tranche = _tranche(tranche_id)
    if request.method == "GET":
        return _tranche_page(tranche, ApproveForm(formdata=None))
    refusal = release_services.approval_refusal(tranche, current_user)
    if refusal is not None:
        if isinstance(refusal, AlreadyDone):
            return _already_done("funding.release_refused", tranche_id, refusal)
        _refused("funding.release_refused", tranche, refusal)
        flash(refusal.message, "important")
        status = 403 if isinstance(refusal, NotAllowed) else 409
        return _tranche_page(_tranche(tranche_id), ApproveForm(formdata=None), status)
    form = ApproveForm()
    if form.validate_on_submit():
        actor = current_user._get_current_object()
        if not account_services.reauthenticate(actor, form.password.data, purpose="approve a payment", subject=tranche):
            db.session.commit()  # the audit of the wrong password, nothing else
            form = ApproveForm()
            form.validate()
            form.password.errors = ["The password is not right. Enter your own password to approve the payment"]
            return _tranche_page(_tranche(tranche_id), form, 400)
        try:
            release_services.approve_release(tranche, actor=current_user, payment_reference=form.payment_reference.data)
        except AlreadyDone as error:
            return _already_done("funding.release_refused", tranche_id, error)
        except FundingError as error:
            _refused("funding.release_refused", tranche, error)
            tranche = _tranche(tranche_id)
            _show_error(form, error, "payment_reference")
        else:
            db.session.commit()
            flash(f"Tranche {tranche.sequence} of {tranche.project.reference} has been released.", "success")
            return redirect(url_for("funding.index", view="requested"))
    return _tranche_page(tranche, form, 400)


def _reason_action(
    tranche_id: int, *, service, refusal: str, title: str, lede: str, label: str, button: str, done: str
):
    tranche = _tranche(tranche_id)
    project = tranche.project
    form = ReasonForm()
    form.reason.label.text, form.submit.label.text = label, button
    if form.validate_on_submit():
        try:
            service(tranche, actor=current_user, reason=form.reason.data)
        except AlreadyDone as error:
            return _already_done(refusal, tranche_id, error)
        except FundingError as error:
            _refused(refusal, tranche, error)
            tranche = _tranche(tranche_id)
            _show_error(form, error, "reason")
        else:
            db.session.commit()
            flash(done.format(sequence=tranche.sequence), "success")
            return _to_project(project.id, f"#tranche-{tranche.sequence}")
    return _reason_page(project, form, title.format(sequence=tranche.sequence), lede)


@bp.route("/funding/tranches/<int:tranche_id>/return", methods=["GET", "POST"])
@roles_required(Role.FINANCE_APPROVER)
def return_request(tranche_id):
    return _reason_action(
        tranche_id,
        service=release_services.return_request,
        refusal="funding.return_refused",
        title="Return the request for tranche {sequence}",
        lede="The programme officer who requested it is told why. They can request it again.",
        label="Why are you returning the request?",
        button="Return the request",
        done="The request for tranche {sequence} has been returned.",
    )


@bp.route("/funding/tranches/<int:tranche_id>/hold", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER)
def hold(tranche_id):
    return _reason_action(
        tranche_id,
        service=release_services.hold_tranche,
        refusal="funding.hold_refused",
        title="Hold tranche {sequence}",
        lede="A held tranche cannot be requested or released until the hold is lifted. "
        "The project lead sees the reason.",
        label="Why is the tranche held?",
        button="Hold the tranche",
        done="Tranche {sequence} is held.",
    )


@bp.post("/funding/tranches/<int:tranche_id>/resume")
@roles_required(Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER)
def resume(tranche_id):
    tranche = _tranche(tranche_id)
    project_id, sequence = tranche.project_id, tranche.sequence
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        release_services.resume_tranche(tranche, actor=current_user)
    except AlreadyDone as error:
        return _already_done("funding.resume_refused", tranche_id, error)
    except FundingError as error:
        _refused("funding.resume_refused", tranche, error)
        flash(error.message, "important")
    else:
        db.session.commit()
        flash(f"The hold on tranche {sequence} has been lifted.", "success")
    return _to_project(project_id, f"#tranche-{sequence}")


# --- Match funding ----------------------------------------------------------------------------------------


def _match(project: Project):
    match = match_services.match_of(project.id)
    if match is None:
        abort(404)
    return match


@bp.route("/projects/<int:project_id>/match/confirm", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER)
def confirm_match(project_id):
    project = _project(project_id)
    match = _match(project)
    form = MatchConfirmForm()
    if form.validate_on_submit():
        try:
            match_services.confirm_match(match, actor=current_user, note=form.note.data, upload=form.upload())
        except FundingError as error:
            _refused("funding.match_refused", match, error)
            _show_error(form, error, "evidence")
        else:
            db.session.commit()
            flash("The match funding is confirmed.", "success")
            return _to_project(project.id, "#match")
    return render_template(
        "funding/match_confirm.html", project=project, match=match, form=form, file_types=FILE_TYPES
    ), (400 if form.errors else 200)


@bp.route("/projects/<int:project_id>/match/received", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER)
def match_received(project_id):
    project = _project(project_id)
    match = _match(project)
    if match.status == "pledged" or match.confirmed_at is None:
        flash("Confirm the match funding before recording it as received.", "important")
        return _to_project(project.id, "#match")
    if match.status == "received" and request.method == "GET":
        flash("The match funding has been received already.", "important")
        return _to_project(project.id, "#match")
    form = MatchReceivedForm()
    if form.validate_on_submit():
        try:
            match_services.record_match_received(
                match,
                actor=current_user,
                received_on=form.received_on.data,
                reference=form.reference.data,
                upload=form.upload(),
            )
        except FundingError as error:
            _refused("funding.match_refused", match, error)
            _show_error(form, error, "reference")
        else:
            db.session.commit()
            flash("The match funding is recorded as received.", "success")
            return _to_project(project.id, "#match")
    return render_template(
        "funding/match_received.html",
        project=project,
        match=match,
        form=form,
        file_types=FILE_TYPES,
        pledged_on=match_services.pledged_on(match),
    ), (400 if form.errors else 200)


@bp.get("/projects/<int:project_id>/funding/documents/<int:document_id>")
@login_required
def document(project_id, document_id):
    project = _project(project_id)
    match = match_services.match_of(project.id)
    allowed = (
        {match.evidence_document_id, match.confirmation_document_id, match.receipt_document_id} if match else set()
    )
    if document_id not in allowed - {None}:
        abort(404)
    document = db.get_or_404(Document, document_id)
    return storage.send_document(document)


# --- A round's agreement template -----------------------------------------------------------------------


@bp.route("/manage/rounds/<int:round_id>/agreement-terms", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def round_terms(round_id):
    round_ = db.get_or_404(Round, round_id)
    current = round_.agreement_template or terms_module.DEFAULT_TERMS
    form = (
        AgreementTemplateForm()
        if request.method == "POST"
        else AgreementTemplateForm(formdata=None, data={"template": current})
    )
    if form.validate_on_submit():
        unknown = terms_module.unknown_placeholders(form.template.data)
        if unknown:
            form.template.errors = [
                f"{{{{ {unknown[0]} }}}} is not a placeholder the service knows. Use only the placeholders listed"
            ]
        else:
            before = round_.agreement_template
            round_.agreement_template = form.template.data.replace("\r\n", "\n")
            audit.record(
                "round.agreement_terms_changed",
                round_,
                before={"template": before},
                after={"template": round_.agreement_template},
            )
            db.session.commit()
            flash("The agreement terms have been saved. Agreements issued from now on use them.", "success")
            return redirect(url_for("round_admin.show", round_id=round_.id))
    return render_template(
        "funding/round_terms.html", round=round_, form=form, placeholders=terms_module.PLACEHOLDERS
    ), (400 if form.errors else 200)
