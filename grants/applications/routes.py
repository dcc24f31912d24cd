"""The applicant's journey: start a bid, fill in its sections, invite partners, check and submit,
withdraw. Each handler: load (404) → permission (403) → form → one service → commit → redirect."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from grants.applications import queries, rules, services
from grants.applications.forms import (
    SECTION_FORMS,
    PartnerForm,
    ResendForm,
    StartForm,
    SubmitForm,
    WithdrawForm,
    initial_data,
)
from grants.applications.models import SECTIONS, Application, ApplicationStatus, Partner, PartnerStatus
from grants.applications.permissions import (
    can_edit_application,
    can_start_application,
    can_view_application,
    can_withdraw_application,
    is_member,
)
from grants.core import once
from grants.core.errors import GrantsError, InvalidTransition, PermissionDenied
from grants.core.permissions import Role, roles_required
from grants.directory.models import Place
from grants.documents import storage
from grants.documents.models import Document
from grants.extensions import db
from grants.reviews import permissions as review_permissions
from grants.reviews.queries import decision_in_effect
from grants.rounds.forms import ConfirmForm
from grants.rounds.models import Round, RoundStatus

bp = Blueprint("applications", __name__)


def load_visible(application_id: int) -> Application:
    """The bid, or 404 for anyone who may not see it (so another organisation cannot tell it exists)."""
    application = queries.load_application(application_id)
    if application is None or not can_view_application(current_user, application):
        abort(404)
    return application


def load_editable(application_id: int) -> Application:
    application = load_visible(application_id)
    if not can_edit_application(current_user, application):
        if application.status != ApplicationStatus.DRAFT:
            raise PermissionDenied(services.not_editable_message(application))
        if not application.round.is_accepting():
            raise PermissionDenied("The round has closed: this bid can no longer be changed.")
        raise PermissionDenied("Only people from the lead organisation can change this bid.")
    return application


def attach_problems(form, problems: list[rules.Problem]) -> None:
    """Show each problem beside its field (or the first field, if it has none on this form)."""
    for problem in problems:
        field = getattr(form, problem.field, None) or form.completed
        if problem.message not in field.errors:
            field.errors = [*field.errors, problem.message]


# --- The applicant's bids ---------------------------------------------------------------------------


@bp.get("/applications")
@roles_required(Role.APPLICANT)
def index():
    organisation = current_user.organisation
    applications = queries.organisation_applications(organisation.id) if organisation else []
    started = {
        application.round_id for application in applications if application.status != ApplicationStatus.WITHDRAWN
    }
    rounds = [round_ for round_ in queries.accepting_rounds() if round_.id not in started]
    return render_template(
        "applications/index.html",
        applications=applications,
        rounds=rounds,
        organisation=organisation,
        form=ConfirmForm(),
    )


@bp.route("/rounds/<int:round_id>/start", methods=["GET", "POST"])
@roles_required(Role.APPLICANT)
def start(round_id):
    """Start a bid, with its title. Sent twice (a double click) or by two colleagues at once, it makes
    one bid, and every answer leads to it."""
    round_ = db.get_or_404(Round, round_id)
    if round_.status == RoundStatus.DRAFT:
        abort(404)
    if not can_start_application(current_user):
        flash("Set up your organisation's profile before you start a bid.", "info")
        return redirect(url_for("directory.organisation", next=url_for("rounds.show", round_id=round_.id)))
    existing = services.live_application_for(round_.id, current_user.organisation_id)
    if existing:
        return redirect(url_for("applications.show", application_id=existing.id))
    if not round_.is_accepting():
        flash("This round is not accepting bids.", "info")
        return redirect(url_for("rounds.show", round_id=round_.id))
    form = StartForm()
    if form.validate_on_submit():
        if (earlier := once.carried_out(form)) is not None:
            return earlier
        try:
            application = services.start_application(round_, form.title.data, actor=current_user)
        except services.AlreadyStarted:
            db.session.rollback()  # started a moment ago, by a colleague or a second click: go to it
            existing = services.live_application_for(round_.id, current_user.organisation_id)
            if existing is None:
                raise
            return redirect(url_for("applications.show", application_id=existing.id), code=303)
        except services.ApplicationError as error:
            db.session.rollback()
            field = form.title if error.field == "title" else form.submit
            field.errors = [*field.errors, error.message]
        else:
            location = url_for("applications.show", application_id=application.id)
            once.led_to(form, location)
            db.session.commit()
            return redirect(location)
    return render_template("applications/start.html", round=round_, form=form), 400 if form.errors else 200


@bp.get("/applications/<int:application_id>")
@login_required
def show(application_id):
    application = load_visible(application_id)
    editable = can_edit_application(current_user, application)
    return render_template(
        "applications/show.html",
        application=application,
        sections=SECTIONS,
        states={section: rules.section_status(application, section) for section in SECTIONS} if editable else {},
        editable=editable,
        withdrawable=can_withdraw_application(current_user, application),
        timeline=queries.timeline(application),
        decision=decision_in_effect(application.id),
    )


# --- Sections ---------------------------------------------------------------------------------------


def _section_form(application: Application, section: str):
    form_class = SECTION_FORMS[section]
    form = form_class(data=initial_data(application, section)) if request.method == "GET" else form_class()
    if section == "issue":
        places = db.session.scalars(db.select(Place).order_by(Place.name)).all()
        form.place_id.choices = [("", "Choose a place")] + [(place.id, place.name) for place in places]
        form.themes.choices = [(theme.id, theme.name) for theme in application.round.themes]
    return form


@bp.route("/applications/<int:application_id>/sections/<section>", methods=["GET", "POST"])
@login_required
def section(application_id, section):
    if section not in SECTIONS:
        abort(404)
    if section == "partnership":
        return redirect(url_for("applications.partnership", application_id=application_id))
    application = load_editable(application_id)
    form = _section_form(application, section)
    if form.validate_on_submit():
        try:
            services.save_section(application, section, form.values(), complete=form.is_complete, actor=current_user)
        except services.Incomplete as incomplete:
            db.session.rollback()
            attach_problems(form, incomplete.problems)
        except GrantsError as error:  # an upload refused, for instance
            db.session.rollback()
            field = getattr(form, getattr(error, "field", None) or "evidence", None) or form.completed
            field.errors = [*field.errors, error.message]
        else:
            db.session.commit()
            return redirect(url_for("applications.show", application_id=application.id))
    return render_template(
        f"applications/sections/{section}.html",
        application=application,
        form=form,
        section=section,
        title=SECTIONS[section],
    )


# --- Partners ---------------------------------------------------------------------------------------


@bp.route("/applications/<int:application_id>/partnership", methods=["GET", "POST"])
@login_required
def partnership(application_id):
    application = load_editable(application_id)
    form_class = SECTION_FORMS["partnership"]
    form = form_class(data=initial_data(application, "partnership")) if request.method == "GET" else form_class()
    if form.validate_on_submit():
        try:
            services.save_section(application, "partnership", {}, complete=form.is_complete, actor=current_user)
        except services.Incomplete as incomplete:
            db.session.rollback()
            form.completed.errors = [problem.message for problem in incomplete.problems]
        else:
            db.session.commit()
            return redirect(url_for("applications.show", application_id=application.id))
    return render_template(
        "applications/sections/partnership.html",
        application=application,
        form=form,
        title=SECTIONS["partnership"],
        action_form=ConfirmForm(),
        resend_key=once.new_key(),
    )


def _load_partner(application: Application, partner_id: int) -> Partner:
    partner = db.session.get(Partner, partner_id)
    if partner is None or partner.application_id != application.id:
        abort(404)
    return partner


@bp.route("/applications/<int:application_id>/partners/new", methods=["GET", "POST"])
@bp.route("/applications/<int:application_id>/partners/<int:partner_id>/edit", methods=["GET", "POST"])
@login_required
def partner_form(application_id, partner_id=None):
    application = load_editable(application_id)
    partner = _load_partner(application, partner_id) if partner_id else None
    if partner and request.method == "GET":
        form = PartnerForm(
            data={
                "organisation_name": partner.organisation.name,
                "sector": partner.organisation.sector,
                "org_id": partner.organisation.org_id,
                "role": partner.role,
                "contact_name": partner.contact_name,
                "contact_email": partner.contact_email,
            }
        )
    else:
        form = PartnerForm()
    if form.validate_on_submit():
        if partner is None and (earlier := once.carried_out(form)) is not None:
            return earlier
        try:
            if partner:
                services.update_partner(application, partner, form.values(), actor=current_user)
            else:
                partner = services.add_partner(application, form.values(), actor=current_user)
        except services.ApplicationError as error:
            db.session.rollback()
            field = getattr(form, error.field or "organisation_name")
            field.errors = [*field.errors, error.message]
        else:
            once.led_to(form, url_for("applications.partnership", application_id=application.id))
            db.session.commit()
            flash(
                f"{partner.organisation.name} has been saved. We have emailed {partner.contact_name} "
                "a link to confirm their part."
                if partner.status == PartnerStatus.INVITED
                else "Partner saved.",
                "success",
            )
            return redirect(url_for("applications.partnership", application_id=application.id))
    return render_template("applications/partner_form.html", application=application, partner=partner, form=form)


@bp.post("/applications/<int:application_id>/partners/<int:partner_id>/remove")
@login_required
def remove_partner(application_id, partner_id):
    application = load_editable(application_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    partner = db.session.get(Partner, partner_id)
    if partner is None or partner.application_id != application.id:  # a second press: the first removed it
        return _partner_gone(application)
    name = partner.organisation.name
    try:
        services.remove_partner(application, partner, actor=current_user)
    except services.PartnerGone:
        db.session.rollback()
        return _partner_gone(application)
    db.session.commit()
    flash(f"{name} has been removed from the partnership.", "success")
    return redirect(url_for("applications.partnership", application_id=application.id))


def _partner_gone(application: Application):
    flash("That organisation is no longer a partner in this bid.", "important")
    return redirect(url_for("applications.partnership", application_id=application.id), code=303)


@bp.post("/applications/<int:application_id>/partners/<int:partner_id>/resend")
@login_required
def resend_invitation(application_id, partner_id):
    application = load_editable(application_id)
    partner = _load_partner(application, partner_id)
    form = ResendForm()
    if not form.validate_on_submit():
        abort(400)
    if (earlier := once.carried_out(form)) is not None:
        return earlier
    try:
        services.resend_invitation(application, partner, actor=current_user)
    except services.ApplicationError as error:
        db.session.rollback()
        flash(error.message, "info")
    else:
        once.led_to(form, url_for("applications.partnership", application_id=application.id))
        db.session.commit()
        flash(f"We have emailed {partner.contact_name} a new link. Earlier links no longer work.", "success")
    return redirect(url_for("applications.partnership", application_id=application.id))


# --- Check, submit, withdraw ------------------------------------------------------------------------


ALREADY_SUBMITTED = "This bid has already been submitted."
ALREADY_WITHDRAWN = "This bid has already been withdrawn."


def _submitted_before(application: Application) -> bool:
    """Whether the bid was submitted by someone of its organisation (and is not withdrawn since)."""
    return (
        is_member(current_user, application)
        and application.reference is not None
        and application.status != ApplicationStatus.WITHDRAWN
    )


def _to_submitted(application: Application):
    """A second press of "Submit", or the slower of two at once: where the first one led."""
    flash(ALREADY_SUBMITTED, "important")
    return redirect(url_for("applications.submitted", application_id=application.id), code=303)


@bp.route("/applications/<int:application_id>/check", methods=["GET", "POST"])
@login_required
def check(application_id):
    if request.method == "POST" and _submitted_before(visible := load_visible(application_id)):
        return _to_submitted(visible)
    application = load_editable(application_id)
    form = SubmitForm()
    problems = services.submission_problems(application)
    if form.validate_on_submit():
        try:
            services.submit_application(application, actor=current_user)
        except services.Incomplete as incomplete:
            db.session.rollback()
            problems = incomplete.problems
        except services.NotEditable:
            # Submitted (or withdrawn, or the round closed) since the page was loaded: seen under the lock.
            db.session.rollback()
            if _submitted_before(application):
                return _to_submitted(application)
            raise  # answered as a refusal, with what happened
        else:
            db.session.commit()
            return redirect(url_for("applications.submitted", application_id=application.id))
    return render_template(
        "applications/check.html", application=application, form=form, problems=problems, sections=SECTIONS
    )


@bp.get("/applications/<int:application_id>/submitted")
@login_required
def submitted(application_id):
    application = load_visible(application_id)
    if application.reference is None:
        return redirect(url_for("applications.show", application_id=application.id))
    return render_template("applications/submitted.html", application=application)


def _withdrawn_before(application: Application):
    """A second press of "Withdraw", or the slower of two at once: where the first one led, or a refusal
    that says what has happened to the bid since (a decision, say)."""
    refusal = services.withdrawal_refusal(application)
    if refusal is None:
        return None
    if application.status == ApplicationStatus.WITHDRAWN:
        flash(ALREADY_WITHDRAWN, "important")
        return redirect(url_for("applications.show", application_id=application.id), code=303)
    raise refusal


@bp.route("/applications/<int:application_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(application_id):
    application = load_visible(application_id)
    if not is_member(current_user, application):
        raise PermissionDenied("Only people from the lead organisation can withdraw this bid.")
    if (earlier := _withdrawn_before(application)) is not None:
        return earlier
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw_application(application, form.reason.data, actor=current_user)
        except InvalidTransition as error:
            db.session.rollback()
            if (earlier := _withdrawn_before(application)) is None:  # what the lock found, seen afresh
                raise error
            return earlier
        db.session.commit()
        flash("Your bid has been withdrawn.", "success")
        return redirect(url_for("applications.show", application_id=application.id))
    return render_template("applications/withdraw.html", application=application, form=form)


# --- Documents --------------------------------------------------------------------------------------


@bp.get("/applications/<int:application_id>/documents/<int:document_id>")
@login_required
def document(application_id, document_id):
    application = queries.load_application(application_id)
    if application is None or not (
        can_view_application(current_user, application) or review_permissions.can_read_bid(current_user, application)
    ):
        abort(404)
    document = db.session.get(Document, document_id)
    if document is None or document.application_id != application.id:
        abort(404)
    return storage.send_document(document)
