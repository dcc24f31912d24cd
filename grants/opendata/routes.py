"""The open data page, with its round filter and counts, and the 360Giving downloads it links to."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, stream_with_context
from flask_login import current_user

from grants.core import actions
from grants.core.permissions import roles_required
from grants.opendata import queries
from grants.opendata.export import NothingToPublish, prepare_export
from grants.opendata.permissions import READERS
from grants.opendata.threesixtygiving import CSV_HEADER, Publisher
from grants.rounds.choice import chosen_round, sees_draft_rounds
from grants.rounds.models import Round

bp = Blueprint("opendata", __name__, url_prefix="/open-data")


def _chosen_round() -> Round | None:
    """The round in ``?round=`` or None for the whole programme; a 400 or 404 page for a round that cannot
    be chosen (``grants.rounds.choice``)."""
    return chosen_round(current_user, page="the open data page")


@bp.get("/")
@roles_required(*READERS)
def index():
    round_ = _chosen_round()
    rounds = queries.rounds_with_counts(drafts=sees_draft_rounds(current_user))
    if round_ is None:
        count = sum(count for _, count in rounds)
    else:
        count = next(count for candidate, count in rounds if candidate.id == round_.id)
    return render_template(
        "opendata/index.html",
        rounds=rounds,
        round=round_,
        count=count,
        publisher=Publisher.from_config(current_app.config),
        columns=CSV_HEADER,
    )


@bp.get("/360giving.<any(json, csv):format_>")
@roles_required(*READERS)
def download(format_):
    round_ = _chosen_round()
    try:
        export = prepare_export(Publisher.from_config(current_app.config), round_, format_)
    except NothingToPublish as nothing:
        return render_template("opendata/nothing.html", message=nothing.message, round=round_), 404
    after = {"format": format_, "grants": export.count, "round": round_.code if round_ is not None else None}
    if round_ is not None:
        actions.record("opendata.exported", round_, after=after)
    else:
        actions.record("opendata.exported", object_type="programme", after=after)
    return Response(
        stream_with_context(export.chunks()),
        mimetype=export.mimetype,
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )
