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
