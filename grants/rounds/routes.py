"""The public call for bids: open and upcoming rounds, and what each funds."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from grants.core.cache import cached_page
from grants.extensions import db
from grants.rounds import queries
from grants.rounds.models import Round, RoundStatus

bp = Blueprint("rounds", __name__, url_prefix="/rounds")


@bp.get("/")
@cached_page
def index():
    return render_template("rounds/index.html", **queries.public_rounds())


@bp.get("/<int:round_id>")
def show(round_id):
    round_ = db.get_or_404(Round, round_id)
    if round_.status == RoundStatus.DRAFT:
        abort(404)
    return render_template("rounds/show.html", round=round_)
