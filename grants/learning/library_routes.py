"""The public learning library: published case studies and insights, searchable and filterable, each
with its project's public summary; an Atom feed of new items; and the learning network of a theme.
No sign-in needed, and nothing unpublished ever shows."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, make_response, render_template, request

from grants.core.cache import cached_page
from grants.core.pagination import id_arg, paginate
from grants.directory.models import Theme
from grants.extensions import db
from grants.learning import queries
from grants.learning.models import CommitmentStatus

bp = Blueprint("library", __name__, url_prefix="/learning")


def _filters() -> queries.LibraryFilters:
    q = " ".join((request.args.get("q") or "").split())[: queries.MAX_QUERY_LENGTH]
    theme = (request.args.get("theme") or "").strip()[:80] or None
    return queries.LibraryFilters(q=q, theme=theme, place=id_arg("place"), wave=id_arg("wave"))


@bp.get("/")
@cached_page
def index():
    filters = _filters()
    page = paginate(queries.library_statement(filters), per_page=queries.LIBRARY_PAGE_SIZE)
    return render_template("learning/library.html", page=page, filters=filters, **queries.filter_choices())


@bp.get("/items/<int:item_id>")
def item(item_id):
    found = queries.published_item(item_id)
    if found is None:
        abort(404)
    return render_template("learning/public_item.html", item=found)


@bp.get("/feed.atom")
def feed():
    items = queries.feed_items()
    updated = max((item.published_at for item in items), default=datetime(2026, 1, 1, tzinfo=UTC))
    response = make_response(render_template("learning/feed.xml", items=items, updated=updated))
    response.mimetype = "application/atom+xml"
    return response


@bp.get("/projects/<int:project_id>")
def project(project_id):
    found = queries.public_project(project_id)
    if found is None:
        abort(404)
    return render_template(
        "learning/public_project.html",
        project=found,
        application=found.application,
        items=queries.items_of(found.id, published_only=True),
        applied_out=[
            commitment
            for commitment in queries.commitments_of(found.id)
            if commitment.status == CommitmentStatus.DONE
            and commitment.kind == "apply_elsewhere"
            and commitment.applied_to
        ],
        applied_here=[
            commitment
            for commitment in queries.applied_here(found.id, done_only=True)
            if commitment.kind == "apply_elsewhere"
        ],
    )


@bp.get("/network")
def network():
    return render_template("learning/network.html", themes=queries.network_themes())


@bp.get("/network/<slug>")
def network_theme(slug):
    theme = db.session.scalar(db.select(Theme).where(Theme.slug == slug[:80]))
    if theme is None:
        abort(404)
    return render_template("learning/network_theme.html", theme=theme, **queries.network_of(theme))
