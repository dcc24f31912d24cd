"""The read-only JSON API at ``/api/v1``: thin views that read the parameters (400), check the
token (401) and its roles (403), load what the token may see (404) and answer JSON."""

from __future__ import annotations

import re
from functools import partial

from flask import Blueprint, g, jsonify, request, url_for

from grants.api import auth, openapi, queries
from grants.api import permissions as access
from grants.api import representations as show
from grants.api.errors import ApiError, error_response
from grants.bidforms.queries import form_of
from grants.core.pagination import MAX_PAGE
from grants.extensions import db

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC_ENDPOINTS = {"api.openapi_document"}


@bp.before_request
def _authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    g.principal = auth.authenticate()


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return error_response(error.status, error.message)


@bp.after_request
def _no_caching(response):
    response.headers.setdefault("Cache-Control", "no-store")
    return response


# --- Reading the parameters -------------------------------------------------------------------------


def _once(name: str) -> str | None:
    values = request.args.getlist(name)
    if len(values) > 1:
        raise ApiError(400, f"Give the {name} parameter once.")
    return values[0].strip() if values else None


def _whole_number(name: str, default: int, maximum: int) -> int:
    text = _once(name)
    if text is None:
        return default
    if not (text.isascii() and text.isdecimal() and len(text) <= 6 and 1 <= int(text) <= maximum):
        raise ApiError(400, f"The {name} parameter must be a whole number from 1 to {maximum:,}.")
    return int(text)


def _filters(path: str) -> dict[str, str]:
    """The list's filters, each checked against the OpenAPI document's description of it."""
    described = {parameter["name"]: parameter for parameter in openapi.FILTERS[path]}
    unknown = sorted(set(request.args) - {"page", "per_page", *described})
    if unknown:
        accepted = ", ".join(["page", "per_page", *described])
        raise ApiError(400, f"Unknown parameter {unknown[0]!r}. This list accepts: {accepted}.")
    filters = {}
    for name, parameter in described.items():
        value = _once(name)
        if value is None:
            continue
        schema = parameter["schema"]
        if "enum" in schema and value not in schema["enum"]:
            raise ApiError(400, f"The {name} parameter must be one of: {', '.join(schema['enum'])}.")
        if "pattern" in schema and not re.fullmatch(schema["pattern"], value):
            raise ApiError(400, f"The {name} parameter is not valid: {parameter['description']}")
        filters[name] = value
    return filters


def _require(collection: str) -> None:
    if not access.can_read_collection(g.principal, collection):
        auth.refuse(g.api_token, 403, f"This API token's roles do not give access to {collection.replace('-', ' ')}.")


def _page(statement, represent, *, batch=None):
    """``batch(items)``, if given, reads what the page's records need in one go; each record is then
    ``represent(item, batch_result)``."""
    page_number = _whole_number("page", 1, MAX_PAGE)
    per_page = _whole_number("per_page", openapi.DEFAULT_PER_PAGE, openapi.MAX_PER_PAGE)
    page = db.paginate(
        statement, page=page_number, per_page=per_page, max_per_page=per_page, error_out=False, count=True
    )
    args = {name: value for name, value in request.args.items() if name not in ("page", "per_page")}
    if batch is not None:
        found = batch(page.items)
        represent = partial(represent, found=found)

    def link(number: int) -> str:
        return url_for(request.endpoint, page=number, per_page=per_page, **args, _external=True)

    return jsonify(
        {
            "data": [represent(item) for item in page.items],
            "meta": {"page": page_number, "per_page": per_page, "total": page.total, "pages": page.pages},
            "links": {
                "self": link(page_number),
                "next": link(page_number + 1) if page_number < page.pages else None,
                "prev": link(min(page_number - 1, max(page.pages, 1))) if page_number > 1 else None,
            },
        }
    )


def _one(record, represent):
    return jsonify({"data": represent(record)})


# --- Rounds -----------------------------------------------------------------------------------------


@bp.get("/rounds")
def rounds():
    filters = _filters("/rounds")
    return _page(queries.rounds_statement(g.principal, filters), show.round_)


@bp.get("/rounds/<int:round_id>")
def round_(round_id):
    found = queries.load_round(round_id)
    if found is None or not access.can_view_round(g.principal, found):
        raise ApiError(404, "There is no round with that id that this API token may see.")
    return _one(found, show.round_)


# --- Applications -----------------------------------------------------------------------------------


@bp.get("/applications")
def applications():
    _require("applications")
    filters = _filters("/applications")
    return _page(queries.applications_statement(g.principal, filters), show.application)


@bp.get("/applications/<int:application_id>")
def application(application_id):
    _require("applications")
    found = queries.load_application(application_id)
    if found is None or not access.can_view(g.principal, found):
        raise ApiError(404, "There is no application with that id that this API token may see.")
    form = form_of(found.round_id)  # the questions the bid was answered against
    represent = partial(show.application_detail, answers=form.kept(found.answers), questions=show.questions_of(form))
    return _one(found, represent)


# --- Projects and tranches --------------------------------------------------------------------------


@bp.get("/projects")
def projects():
    _require("projects")
    filters = _filters("/projects")
    return _page(queries.projects_statement(g.principal, filters), _project, batch=queries.released_by_project)


def _project(record, found: dict[int, int]) -> dict:
    return show.project(record, released_pence=found.get(record.id, 0))


@bp.get("/projects/<int:project_id>")
def project(project_id):
    _require("projects")
    found = queries.load_project(project_id)
    if found is None or not access.can_view_project(g.principal, found):
        raise ApiError(404, "There is no project with that id that this API token may see.")
    return _one(found, partial(_project, found=queries.released_by_project([found])))


@bp.get("/tranches")
def tranches():
    _require("tranches")
    filters = _filters("/tranches")
    return _page(queries.tranches_statement(g.principal, filters), _tranche, batch=_payment_references)


def _payment_references(tranches) -> dict[int, str]:
    return queries.payment_references(tranches) if access.can_see_payments(g.principal) else {}


def _tranche(record, found: dict[int, str]) -> dict:
    return show.tranche(record, payment_reference=found.get(record.id))


# --- Learning items ---------------------------------------------------------------------------------


@bp.get("/learning-items")
def learning_items():
    filters = _filters("/learning-items")
    return _page(queries.learning_items_statement(g.principal, filters), show.learning_item)


@bp.get("/learning-items/<int:item_id>")
def learning_item(item_id):
    found = queries.load_learning_item(item_id)
    if found is None or not access.can_view_learning_item(g.principal, found):
        raise ApiError(404, "There is no learning item with that id that this API token may see.")
    return _one(found, show.learning_item)


# --- The description --------------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi_document():
    response = jsonify(openapi.document())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
