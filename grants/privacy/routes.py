"""A person's own personal data (the page and the download), and anonymising withdrawn applicants."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, stream_with_context, url_for
from flask_login import current_user, login_required

from grants.accounts import services as account_services
from grants.accounts.models import User
from grants.core import actions, limits
from grants.core.db import utcnow
from grants.core.pagination import paginate
from grants.core.permissions import roles_required
from grants.core.times import london_today
from grants.extensions import db
from grants.privacy import queries, services
from grants.privacy.forms import AnonymiseForm
from grants.privacy.permissions import ANONYMISERS
from grants.privacy.personal_data import chunks as personal_data_chunks

bp = Blueprint("privacy", __name__)


# --- Your personal data ----------------------------------------------------------------------------------


@bp.get("/account/personal-data")
@login_required
def personal_data():
    return render_template("privacy/personal_data.html", retention_days=queries.retention_days())


@bp.get("/account/personal-data/download")
@login_required
def download():
    user_id = current_user.id
    actions.record("privacy.personal_data_downloaded", current_user)  # on record before its first byte leaves
    filename = f"grants-personal-data-{london_today().isoformat()}.json"
    body = personal_data_chunks(user_id, current_app.config["SERVICE_NAME"])
    return Response(
        stream_with_context(body),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


# --- Anonymising withdrawn applicants ----------------------------------------------------------------------


@bp.get("/manage/personal-data/")
@roles_required(*ANONYMISERS)
def index():
    page = paginate(queries.anonymisable_statement(queries.cutoff_for(utcnow())))
    withdrawals = queries.last_withdrawals([person.id for person in page.items])
    return render_template(
        "privacy/index.html", page=page, withdrawals=withdrawals, retention_days=queries.retention_days()
    )


@bp.route("/manage/personal-data/people/<int:user_id>/anonymise", methods=["GET", "POST"])
@roles_required(*ANONYMISERS)
@limits.reauthentication
def anonymise(user_id):
    """Cannot be undone, so the officer enters their own password again; a wrong one is audited and
    counted against the limit, and nothing else changes."""
    person = db.get_or_404(User, user_id)
    form = AnonymiseForm()
    if form.validate_on_submit():
        return actions.carry_out(
            lambda: _anonymise(person, form.password.data),
            refused=("privacy.anonymise_refused", person),
            show=lambda refusal: (_confirm_page(person, form, refusal.message, refused=True), 409),
            to=lambda counts: url_for("privacy.index") if counts is not None else _wrong_password(person, form),
            message=lambda counts: (
                f"Their personal data has been anonymised: they are now “{person.name}”."
                if counts is not None
                else None
            ),
        )
    return _confirm_page(person, form, services.refusal_reason(person)), (400 if form.errors else 200)


def _anonymise(person: User, password: str) -> dict[str, int] | None:
    """What was anonymised; None after a wrong password, whose audit (and nothing else) is kept."""
    actor = current_user._get_current_object()
    if not account_services.reauthenticate(actor, password, purpose="anonymise", subject=person):
        return None
    return services.anonymise_person(person, actor=actor)


def _wrong_password(person: User, form: AnonymiseForm):
    form.password.errors = ["The password is not right. Enter your own password to anonymise this person"]
    return _confirm_page(person, form, services.refusal_reason(person)), 400


def _confirm_page(person: User, form: AnonymiseForm, reason: str | None, refused: bool = False) -> str:
    return render_template(
        "privacy/anonymise.html",
        person=person,
        form=form,
        reason=reason,
        refused=refused,
        bids=queries.bids_led_by(person.id),
        retention_days=queries.retention_days(),
    )
