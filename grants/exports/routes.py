"""The downloads page and the downloads: each one checked, recorded in the audit trail, then streamed
from one database query a batch at a time, so a large export never sits whole in memory."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, stream_with_context
from flask_login import current_user, login_required

from grants.core import actions
from grants.core.errors import PermissionDenied
from grants.core.spreadsheets import XLSX_MIMETYPE, csv_chunks, xlsx_chunks
from grants.core.times import london_today
from grants.exports import permissions, queries
from grants.exports.datasets import DATASETS, EVERY_DATASET, Dataset
from grants.extensions import db
from grants.main.errors import render_error
from grants.rounds.choice import RoundNotANumber, chosen_round, sees_draft_rounds
from grants.rounds.models import Round

bp = Blueprint("exports", __name__, url_prefix="/exports")
BATCH = 500
MIMETYPES = {"csv": "text/csv", "xlsx": XLSX_MIMETYPE}
NOT_A_ROUND = "Choose a round from the list"
PAGE = "the downloads page"


def _refuse(target, message: str):
    actions.refuse("exports.refused", target, PermissionDenied(message))
    return render_error(403, message)


@bp.get("/")
@login_required
def index():
    names = permissions.downloadable(current_user)
    if not names:
        return _refuse(EVERY_DATASET, "Your account does not give you access to data downloads.")
    error, status = None, 200
    try:
        chosen = chosen_round(current_user, page=PAGE)
    except RoundNotANumber:
        chosen, error, status = None, NOT_A_ROUND, 400
    return render_template(
        "exports/index.html",
        datasets=[DATASETS[name].in_round(chosen.id if chosen else None) for name in names],
        rounds=queries.rounds(drafts=sees_draft_rounds(current_user)),
        chosen=chosen,
        error=error,
        bids_left_out=bool(permissions.conflicted_ids(current_user)),
        projects_left_out=bool(permissions.hidden_project_ids(current_user)),
    ), status


def _filename(dataset: Dataset, round_: Round | None, file_format: str) -> str:
    today = london_today().isoformat()
    return f"{dataset.name}-{round_.code if round_ else 'all-rounds'}-{today}.{file_format}"


@bp.get("/<name>.<any(csv, xlsx):file_format>")
@login_required
def download(name, file_format):
    dataset = DATASETS.get(name)
    if dataset is None:
        abort(404)
    if not permissions.can_download(current_user, name):
        return _refuse(dataset, f"Your account does not give you access to the {dataset.title.lower()} download.")
    round_ = chosen_round(current_user, page=PAGE)  # a 400 or 404 page for a round that cannot be chosen
    dataset = dataset.in_round(round_.id if round_ else None)
    statement = dataset.statement(permissions.scope_for(current_user, name, round_.id if round_ else None))
    filename = _filename(dataset, round_, file_format)
    actions.record(  # the download is on record before its first byte leaves
        "exports.downloaded",
        dataset,
        after={"dataset": name, "format": file_format, "round": round_.code if round_ else None},
    )
    return _streamed(dataset, statement, file_format, filename)


def _streamed(dataset: Dataset, statement, file_format: str, filename: str) -> Response:
    def records():
        # A server-side cursor on PostgreSQL: the rows arrive a batch at a time.
        yield from db.session.execute(statement.execution_options(yield_per=BATCH)).mappings()

    if file_format == "csv":
        body = csv_chunks(dataset.header, dataset.csv_rows(records()))
    else:
        body = xlsx_chunks(dataset.title, dataset.header, dataset.xlsx_rows(records()), dataset.number_formats)
    return Response(
        stream_with_context(body),
        mimetype=MIMETYPES[file_format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
