"""The applicant's journey: start a bid, fill in its sections, invite partners, check and submit,
withdraw. Each handler: load (404) → permission (403) → form → one change through the action path
(``grants.core.actions``), which commits it or refuses it (audited once) and shows why."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from grants.applications import queries, rules, services
from grants.applications.forms import StartForm, SubmitForm, WithdrawForm
from grants.applications.models import Application, ApplicationStatus
from grants.applications.page_forms import UPLOAD_ACCEPT, page_form, uploaded_answers
from grants.applications.permissions import (
    can_edit_application,
    can_read_documents,
    can_start_application,
    can_view_application,
    can_withdraw_application,
    is_member,
)
from grants.applications.workflow import DECISION_READ, PDF_DOWNLOADED
from grants.bidforms.models import FormPage
from grants.bidforms.queries import Form, form_of
from grants.core import actions, pdf
from grants.core.errors import AlreadyDone, GrantsError, PermissionDenied
from grants.core.permissions import Role, roles_required
from grants.documents import storage
from grants.documents.models import Document
from grants.extensions import db
from grants.rounds.models import Round, RoundStatus

bp = Blueprint("applications", __name__)

# The bid's fields that the forms carry under another name.
FORM_FIELDS = {
    "match_amount_pence": "match_amount",
    "amount_requested_pence": "amount_requested",
    "section_states": "completed",
    "partners": "completed",
    "organisation": "organisation_name",
}


def load_visible(application_id: int) -> Application:
    """The bid, or 404 for anyone who may not see it (so another organisation cannot tell it exists)."""
    application = queries.load_application(application_id)
    if application is None or not can_view_application(current_user, application):
        abort(404)
    return application


def load_editable(application_id: int) -> Application:
    application = load_visible(application_id)
    refuse_unless_editable(application)
    return application


def refuse_unless_editable(application: Application) -> None:
    """403, saying why, unless the person may change the bid now."""
    if not can_edit_application(current_user, application):
        if application.status != ApplicationStatus.DRAFT:
            raise PermissionDenied(services.not_editable_message(application))
        if not application.round.is_accepting():
            raise PermissionDenied("The round has closed: this bid can no longer be changed.")
        raise PermissionDenied("Only people from the lead organisation can change this bid.")


def attach_problems(form, problems: list[rules.Problem]) -> None:
    """Show each problem beside its field (or the "completed" question, if it has none on this form)."""
    for problem in problems:
        name = FORM_FIELDS.get(problem.field, problem.field)
        field = form[name] if name in form else form.completed
        if problem.message not in field.errors:
            field.errors = [*field.errors, problem.message]


def shown_on(form, default: str):
    """How a section's refusal is shown: every problem of an incomplete section beside its field, any
    other refusal (an upload, say) beside the field it names, else beside ``default``."""

    def show(error: GrantsError) -> None:
        if isinstance(error, services.Incomplete):
            attach_problems(form, error.problems)
        else:
            actions.show_on_field(form, error, default, FORM_FIELDS)

    return show


def flashed(location: str):
    """A refusal told in a message on the page at ``location``."""

    def show(error: GrantsError):
        flash(error.message, "important")
        return redirect(location, code=303)

    return show


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
        given_up=queries.awards_given_up(applications),
        rounds=rounds,
        organisation=organisation,
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
        done = actions.carry_out(
            lambda: services.start_application(round_, form.title.data, actor=current_user),
            refused=("application.start_refused", round_),
            form=form,
            show=lambda error: _started_already(round_, error) or shown_on(form, "submit")(error),
            to=lambda application: url_for("applications.show", application_id=application.id),
        )
        if done is not None:
            return done
    return render_template("applications/start.html", round=round_, form=form), 400 if form.errors else 200


def _started_already(round_: Round, error: GrantsError):
    """Started a moment ago, by a colleague or a second click: go to that bid."""
    if isinstance(error, services.AlreadyStarted):
        existing = services.live_application_for(round_.id, current_user.organisation_id)
        if existing is not None:
            return redirect(url_for("applications.show", application_id=existing.id), code=303)
    return None


@bp.get("/applications/<int:application_id>")
@login_required
def show(application_id):
    application = load_visible(application_id)
    editable = can_edit_application(current_user, application)
    given_up_at = queries.awards_given_up([application]).get(application.id)
    decision = queries.decision_in_effect(application.id)
    _note_decision_read(application, decision)
    bid_form = form_of(application.round_id)
    pages = bid_form.shown_pages(application.answers or {})
    return render_template(
        "applications/show.html",
        application=application,
        bid_form=bid_form,
        pages=pages,
        states={page.key: rules.section_status(application, bid_form, page) for page in pages} if editable else {},
        editable=editable,
        withdrawable=can_withdraw_application(current_user, application),
        timeline=queries.timeline(application, given_up_at=given_up_at),
        decision=decision,
        given_up_at=given_up_at,
        unread_messages=queries.unread_messages(current_user, application),
    )


def _note_decision_read(application: Application, decision) -> None:
    """The first time someone of the bid's organisation sees its decision, it leaves their home's
    decisions to read: the reading is kept in the audit trail (which also shows the applicant saw it)."""
    if decision is None or not is_member(current_user, application):
        return
    if not queries.decision_read(application.id, current_user.id, decision.effective_at):
        actions.record(DECISION_READ, application, after={"outcome": str(decision.outcome)})


# --- Sections ---------------------------------------------------------------------------------------


def partnership_page(bid_form: Form) -> FormPage | None:
    """The page the partnership block is on (alone): its own page of invitations."""
    block = bid_form.by_key.get("partnership")
    return block.page if block is not None and block.is_block else None


@bp.route("/applications/<int:application_id>/sections/<section>", methods=["GET", "POST"])
@login_required
def section(application_id, section):
    application = load_visible(application_id)
    bid_form = form_of(application.round_id)
    page = bid_form.page(section)
    if page is None or page not in bid_form.shown_pages(application.answers or {}):
        abort(404)
    if page is partnership_page(bid_form):
        return redirect(url_for("applications.partnership", application_id=application_id))
    refuse_unless_editable(application)
    questions = bid_form.shown_questions(page, application.answers or {})
    form = page_form(application, page, questions, posted=request.method == "POST")
    if form.validate_on_submit():
        done = actions.carry_out(
            lambda: services.save_section(
                application, page, form.values(), complete=form.is_complete, actor=current_user, form=bid_form
            ),
            refused=("application.section_refused", application),
            form=form,
            show=shown_on(form, "evidence" if "evidence" in form else "completed"),
            to=url_for("applications.show", application_id=application.id),
            message=f"Saved: {page.title}.",
        )
        if done is not None:
            return done
    return render_template(
        "applications/sections/page.html",
        application=application,
        form=form,
        page=page,
        questions=questions,
        uploaded=uploaded_answers(application, questions),
        upload_accept=UPLOAD_ACCEPT,
        title=page.title,
    ), 400 if form.errors else 200


# --- Check, submit, withdraw ------------------------------------------------------------------------


ALREADY_SUBMITTED = "This bid has already been submitted."


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
    if form.validate_on_submit():
        # Submitted since the page was loaded (seen under the lock): ``AlreadySubmitted`` leads where the
        # first did; withdrawn, or the round closed: told on the bid's page.
        return actions.carry_out(
            lambda: services.submit_application(application, actor=current_user),
            refused=("application.submission_refused", application),
            show=lambda error: _submission_refused(application, form, error),
            to=url_for("applications.submitted", application_id=application.id),
        )
    bid_form = form_of(application.round_id)
    return _check_page(application, form, bid_form, services.submission_problems(application, form=bid_form))


def _check_page(application: Application, form: SubmitForm, bid_form: Form, problems: list[rules.Problem]):
    return render_template(
        "applications/check.html",
        application=application,
        form=form,
        bid_form=bid_form,
        problems=[(problem.message, problem_href(application, bid_form, problem)) for problem in problems],
    )


def problem_href(application: Application, bid_form: Form, problem: rules.Problem) -> str:
    """Where a problem is put right: its page, at the field of its question (or of its block)."""
    if problem.section == "round":
        return url_for("rounds.show", round_id=application.round_id)
    if (page := bid_form.page(problem.section)) is not None and page is partnership_page(bid_form):
        return url_for("applications.partnership", application_id=application.id)
    name = FORM_FIELDS.get(problem.field, problem.field)
    question = bid_form.by_key.get(name)
    anchor = f"{name}-day" if question is not None and question.kind == "date" else name
    return url_for("applications.section", application_id=application.id, section=problem.section) + f"#{anchor}"


def _submission_refused(application: Application, form: SubmitForm, error: GrantsError):
    if isinstance(error, services.Incomplete):
        return _check_page(application, form, form_of(application.round_id), error.problems), 400
    return flashed(url_for("applications.show", application_id=application.id))(error)


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
    if isinstance(refusal, AlreadyDone):
        return flashed(url_for("applications.show", application_id=application.id))(refusal)
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
        # Withdrawn since the page was loaded (seen under the lock): ``AlreadyWithdrawn`` leads to the bid.
        return actions.carry_out(
            lambda: services.withdraw_application(application, form.reason.data, actor=current_user),
            refused=("application.withdrawal_refused", application),
            to=url_for("applications.show", application_id=application.id),
            message="Your bid has been withdrawn.",
        )
    return render_template("applications/withdraw.html", application=application, form=form), (
        400 if form.errors else 200
    )


# --- Documents --------------------------------------------------------------------------------------


@bp.get("/applications/<int:application_id>/documents/<int:document_id>")
@login_required
def document(application_id, document_id):
    application = queries.load_application(application_id)
    if application is None or not can_read_documents(current_user, application):
        abort(404)
    document = db.session.get(Document, document_id)
    if document is None or document.application_id != application.id:
        abort(404)
    if document.message_id is not None:  # a message's file: ``conversations.file``, for those who may read it
        abort(404)
    return storage.send_document(document)


# --- The bid as submitted, to keep -------------------------------------------------------------------


@bp.get("/applications/<int:application_id>/bid.pdf")
@login_required
def bid_pdf(application_id):
    """Every answer as the bid was submitted, for those who may read it: its organisation, the programme
    team, those assessing it (never a reviewer with a conflict). A draft has no such document: 404."""
    application = queries.load_application(application_id)
    if application is None or not can_read_documents(current_user, application) or not application.was_submitted:
        abort(404)
    filename = f"{application.reference}-bid-as-submitted.pdf"
    body = pdf.render_pdf(
        "pdf/bid.html",
        title=f"{application.reference} {application.display_title}: the bid as submitted",
        application=application,
        bid_form=form_of(application.round_id),
    )
    actions.record(PDF_DOWNLOADED, application, after={"document": "bid as submitted", "filename": filename})
    return pdf.pdf_download(body, filename)
