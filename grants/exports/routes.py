"""The downloads page and the downloads: each one checked, recorded in the audit trail, then streamed
from one database query a batch at a time, so a large export never sits whole in memory."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_login import current_user, login_required

from grants.core import audit
from grants.core.errors import GrantsError, NotFound, PermissionDenied
from grants.core.spreadsheets import XLSX_MIMETYPE, csv_chunks, xlsx_chunks
from grants.core.times import london_today
from grants.core.views import record_refusal
from grants.exports import permissions, queries
from grants.exports.datasets import DATASETS, EVERY_DATASET, Dataset
from grants.extensions import db
from grants.main.errors import render_error
from grants.rounds.models import Round

bp = Blueprint("exports", __name__, url_prefix="/exports")
BATCH = 500
MAX_ROUND_DIGITS = 9
MIMETYPES = {"csv": "text/csv", "xlsx": XLSX_MIMETYPE}
NOT_A_ROUND = "Choose a round from the list"
CHOOSE_AGAIN = "Go back to the downloads page and choose a round from the list."
NO_SUCH_ROUND = f"There is no round with that number. {CHOOSE_AGAIN}"
MALFORMED_ROUND = f"The round in the web address is not a round number. {CHOOSE_AGAIN}"


class RoundChoiceError(GrantsError):
    """The round in the web address is not a round number at all."""


def _chosen_round() -> Round | None:
    """The round in ``?round=``: ``None`` for every round; a 404 for a round that does not exist."""
    value = (request.args.get("round") or "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdecimal()) or len(value) > MAX_ROUND_DIGITS:
        raise RoundChoiceError(NOT_A_ROUND)
    round_ = db.session.get(Round, int(value))
    if round_ is None or (round_.status == "draft" and not permissions.sees_draft_rounds(current_user)):
        raise NotFound(NO_SUCH_ROUND)
    return round_


def _refuse(target, message: str):
    record_refusal("exports.refused", target, PermissionDenied(message))
    return render_error(403, message)


@bp.get("/")
@login_required
def index():
    names = permissions.downloadable(current_user)
    if not names:
        return _refuse(EVERY_DATASET, "Your account does not give you access to data downloads.")
    error, status = None, 200
    try:
        chosen = _chosen_round()
    except RoundChoiceError as refusal:
        chosen, error, status = None, refusal.message, 400
    return render_template(
        "exports/index.html",
        datasets=[DATASETS[name] for name in names],
        rounds=queries.rounds(drafts=permissions.sees_draft_rounds(current_user)),
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
    try:
        round_ = _chosen_round()
    except RoundChoiceError:
        return render_error(400, MALFORMED_ROUND)
    statement = dataset.statement(permissions.scope_for(current_user, name, round_.id if round_ else None))
    filename = _filename(dataset, round_, file_format)
    audit.record(
        "exports.downloaded",
        dataset,
        after={"dataset": name, "format": file_format, "round": round_.code if round_ else None},
    )
    db.session.commit()  # the download is on record before its first byte leaves
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
