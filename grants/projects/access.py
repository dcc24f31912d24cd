"""Opening a project from a page's address: the one loader every area's project pages use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort
from flask_login import current_user

from grants.projects import permissions, queries
from grants.projects.models import Project


def project_or_404(project_id: int, may_see: Callable[[Any, Project], bool] | None = None) -> Project:
    """The project, or 404 for anyone who may not see it: by the project's own rule, or by ``may_see``
    where an area's pages are narrower (a project's funding is for its team and the programme staff)."""
    project = queries.load_project(project_id)
    rule = may_see or permissions.can_view_project
    if project is None or not rule(current_user, project):
        abort(404)
    return project


def project_and_enabler_or_404(project_id: int) -> tuple[Project, int | None]:
    """The project and its current enabler's id (which several pages show), or 404 as above."""
    project = queries.load_project(project_id)
    if project is None:
        abort(404)
    enabler_id = permissions.current_enabler_id(project)
    if not permissions.can_view_project(current_user, project, enabler_id):
        abort(404)
    return project, enabler_id
