"""A bid's and a project's conversation pages."""

from __future__ import annotations

from flask import Blueprint, abort

bp = Blueprint("conversations", __name__)


@bp.get("/applications/<int:application_id>/messages")
def bid(application_id):
    abort(404)  # the page is drawn in the next change


@bp.get("/projects/<int:project_id>/messages")
def project(project_id):
    abort(404)


@bp.get("/messages/<int:message_id>/files/<int:document_id>")
def file(message_id, document_id):
    abort(404)  # the download is added with the pages; the reviews' clarifications link to it already
