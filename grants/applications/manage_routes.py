"""The programme officer's view of every bid: filter, search, read, export."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_login import current_user

from grants.applications import queries
from grants.applications.answer_columns import AnswerColumns
from grants.applications.forms import ApplicationFilterForm
from grants.applications.models import STATUS_LABELS, STATUSES
from grants.applications.permissions import can_view_application
from grants.bidforms.queries import form_of
from grants.core.cache import cached_page
from grants.core.money import format_pence
from grants.core.pagination import paginate
from grants.core.permissions import Role, roles_required
from grants.core.spreadsheets import safe_cell
from grants.core.times import format_datetime
from grants.directory.models import SECTORS, Place, Theme
from grants.extensions import db
from grants.rounds.models import Round

bp = Blueprint("manage_applications", __name__, url_prefix="/manage/applications")

CSV_COLUMNS = [
    "Reference",
    "Title",
    "Round",
    "Status",
    "Lead organisation",
    "Lead sector",
    "Place",
    "ONS code",
    "Themes",
    "Amount requested",
    "Match pledged",
    "Submitted",
]
EXPORT_BATCH = 500


def _int(value):
    return int(value) if value and value.isdecimal() and value.isascii() and len(value) < 10 else None


def _filters(form: ApplicationFilterForm) -> dict:
    # Plain rows for the choices: the rounds' themes and the places' details are not needed here.
    rounds = db.session.execute(db.select(Round.id, Round.code, Round.title).order_by(Round.opens_at.desc()))
    themes = db.session.execute(db.select(Theme.id, Theme.name).order_by(Theme.name))
    places = db.session.execute(db.select(Place.id, Place.name).order_by(Place.name))
    form.round.choices = [("", "All rounds")] + [(str(r.id), f"{r.code}: {r.title}") for r in rounds]
    form.status.choices = [("", "All statuses")] + [(s, STATUS_LABELS[s]) for s in STATUSES]
    form.theme.choices = [("", "All themes")] + [(str(t.id), t.name) for t in themes]
    form.place.choices = [("", "All places")] + [(str(p.id), p.name) for p in places]
    form.sector.choices = [("", "All sectors")] + list(SECTORS.items())
    form.validate()
    return {
        "round": _int(form.round.data),
        "status": form.status.data if form.status.data in STATUSES else None,
        "theme": _int(form.theme.data),
        "place": _int(form.place.data),
        "sector": form.sector.data if form.sector.data in SECTORS else None,
        "q": (form.q.data or "").strip() or None,
    }


@bp.get("/")
@roles_required(Role.PROGRAMME_OFFICER)
@cached_page
def index():
    form = ApplicationFilterForm(request.args)
    filters = _filters(form)
    page = paginate(queries.officer_statement(filters))
    return render_template(
        "applications/manage/index.html",
        page=page,
        given_up=queries.awards_given_up(page.items),
        form=form,
        filters=filters,
    )


@bp.get("/export.csv")
@roles_required(Role.PROGRAMME_OFFICER)
def export():
    """Streamed in batches, so a large export never sits in memory whole."""
    filters = _filters(ApplicationFilterForm(request.args))
    answers = AnswerColumns.of_round(filters["round"])  # with a round chosen, a column for each question
    statement = answers.reading(queries.officer_statement(filters)).execution_options(yield_per=EXPORT_BATCH)

    def rows():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(answers.header(CSV_COLUMNS))
        for application in db.session.scalars(statement):
            writer.writerow(_csv_row(application) + answers.cells(application))
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    response = Response(stream_with_context(rows()), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="applications.csv"'
    return response


def _csv_row(application) -> list:
    return [
        application.reference or "",
        safe_cell(application.display_title),
        application.round.code,
        STATUS_LABELS[application.status],
        safe_cell(application.lead_organisation.name),
        SECTORS[application.lead_organisation.sector],
        application.place.name if application.place else "",
        application.place.ons_code if application.place else "",
        "; ".join(theme.name for theme in application.themes),
        format_pence(application.amount_requested_pence),
        format_pence(application.match_amount_pence),
        format_datetime(application.submitted_at),
    ]


@bp.get("/<int:application_id>")
@roles_required(Role.PROGRAMME_OFFICER)
def show(application_id):
    application = queries.load_application(application_id)
    if application is None or not can_view_application(current_user, application):
        abort(404)
    given_up_at = queries.awards_given_up([application]).get(application.id)
    return render_template(
        "applications/manage/show.html",
        application=application,
        bid_form=form_of(application.round_id),
        timeline=queries.timeline(application, given_up_at=given_up_at),
        given_up_at=given_up_at,
        unread_messages=queries.unread_messages(current_user, application),
    )
