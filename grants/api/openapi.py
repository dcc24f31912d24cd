"""The API's OpenAPI 3.1 document, built here and served at ``/api/v1/openapi.json``. The docs page
is rendered from it, and the tests check every response the API gives against it."""

from __future__ import annotations

from copy import deepcopy

from grants.api.representations import ONS_CODE_PATTERN, RESOURCES
from grants.api.schema import ID, enum, nullable, object_schema, ref
from grants.applications.models import STATUSES as APPLICATION_STATUSES
from grants.funding.models import TRANCHE_STATUSES
from grants.projects.models import RAGS
from grants.projects.models import STATUSES as PROJECT_STATUSES
from grants.rounds.models import STATUSES as ROUND_STATUSES

VERSION = "1.0.0"
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 25
ROUND_CODE_PATTERN = r"^[A-Za-z0-9-]{1,8}$"
REFERENCE_PATTERN = r"^[A-Za-z0-9-]{1,20}$"
SLUG_PATTERN = r"^[a-z0-9-]{1,80}$"
ORGANISATION_PATTERN = r"^(\d{1,10}|[A-Za-z]{2}-[A-Za-z0-9]{2,5}-[A-Za-z0-9-]{1,60})$"

DESCRIPTION = """\
Read-only access to the grant programme's rounds, applications (bids), projects, tranches and
learning items, for other systems such as a council's data warehouse.

**Authentication.** Create a token in your account (Your account → API tokens) and send it on every
request: `Authorization: Bearer grants_…`. A token acts as you, with the roles you chose for it
that you still hold: it sees exactly what you may see in the service with those roles, and nothing
once it is revoked, has expired or your account is deactivated.

**Pagination.** Lists take `page` (from 1) and `per_page` (1 to 100, default 25) and answer
`{"data": [...], "meta": {"page", "per_page", "total", "pages"}, "links": {"self", "next", "prev"}}`.
Lists are always in the same order.

**Formats.** Money is in whole pence (`*_pence`) with `currency` "GBP". Times are UTC in ISO 8601
(`2026-11-22T09:53:00Z`); dates are `YYYY-MM-DD`.

**Errors** are JSON: `{"error": {"status": 404, "code": "not_found", "message": "..."}}`. A filter or
page that cannot be read is a 400 naming the parameter; an unknown parameter is a 400 too.
"""


def _enum(values) -> dict:
    return enum(values).schema


# The records' components come from their one declaration in ``representations``; the envelopes
# around them (a page's meta and links, an error) are described here.
SCHEMAS = {resource.name: resource.schema() for resource in RESOURCES}
SCHEMAS["Meta"] = object_schema(
    {
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        "total": {"type": "integer", "minimum": 0},
        "pages": {"type": "integer", "minimum": 0},
    }
)
SCHEMAS["Links"] = object_schema(
    {
        "self": {"type": "string", "format": "uri"},
        "next": nullable({"type": "string", "format": "uri"}),
        "prev": nullable({"type": "string", "format": "uri"}),
    }
)
SCHEMAS["Error"] = object_schema(
    {
        "error": object_schema(
            {
                "status": {"type": "integer"},
                "code": _enum(
                    ("bad_request", "unauthorized", "forbidden", "not_found", "method_not_allowed", "too_many_requests")
                ),
                "message": {"type": "string", "minLength": 1},
            }
        )
    }
)
for _name in ("Round", "Application", "Project", "Tranche", "LearningItem"):
    SCHEMAS[f"{_name}List"] = object_schema(
        {"data": {"type": "array", "items": ref(_name)}, "meta": ref("Meta"), "links": ref("Links")}
    )
for _name in ("Round", "ApplicationDetail", "Project", "LearningItem"):
    SCHEMAS[f"{_name}Document"] = object_schema({"data": ref(_name)})


def _query(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


PAGE = _query("page", "The page, from 1.", {"type": "integer", "minimum": 1, "default": 1})
PER_PAGE = _query(
    "per_page",
    f"Records a page, 1 to {MAX_PER_PAGE}.",
    {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
)
ROUND_FILTER = _query("round", "A round's id (12) or code (LV2).", {"type": "string", "pattern": ROUND_CODE_PATTERN})
PLACE_FILTER = _query(
    "place", "A place's ONS code (Wigan is E08000010).", {"type": "string", "pattern": ONS_CODE_PATTERN}
)

# The filters each list takes, besides page and per_page: the API refuses any other parameter.
FILTERS = {
    "/rounds": [_query("status", "Rounds in this state.", _enum(ROUND_STATUSES))],
    "/applications": [
        ROUND_FILTER,
        _query("status", "Bids in this state.", _enum(APPLICATION_STATUSES)),
        _query(
            "organisation",
            "The lead organisation's id or its org-id (GB-CHC-1234567).",
            {"type": "string", "pattern": ORGANISATION_PATTERN},
        ),
    ],
    "/projects": [
        ROUND_FILTER,
        _query(
            "status",
            "Projects in this state: setup, active or closing while a project runs; closed, withdrawn (its "
            "award given up) or ended_early once it has finished.",
            _enum(PROJECT_STATUSES),
        ),
        _query("rag", "Projects rated this (none: not yet rated).", _enum((*RAGS, "none"))),
        PLACE_FILTER,
    ],
    "/tranches": [
        _query("project", "A project's reference (LV2-0007).", {"type": "string", "pattern": REFERENCE_PATTERN}),
        _query("status", "Tranches in this state (cancelled: never to be paid).", _enum(TRANCHE_STATUSES)),
    ],
    "/learning-items": [
        _query("theme", "A theme's slug.", {"type": "string", "pattern": SLUG_PATTERN}),
        PLACE_FILTER,
    ],
}

LISTS = {
    "/rounds": ("Round", "Rounds", "Open, closed and past rounds (and drafts, for programme officers)."),
    "/applications": (
        "Application",
        "Applications",
        "Bids: an applicant's organisation's; those a steering member is reading; for a chair every "
        "submitted bid without a conflict; every bid for a programme officer.",
    ),
    "/projects": (
        "Project",
        "Projects",
        "Projects: an applicant's organisation's; an enabler's current ones; all for the steering "
        "group (except those a member is conflicted with) and programme staff.",
    ),
    "/tranches": ("Tranche", "Tranches", "The tranches of the projects the token may see."),
    "/learning-items": (
        "LearningItem",
        "Learning items",
        "Published case studies and insights, and any item of a project the token may see.",
    ),
}
ITEMS = {
    "/rounds/{id}": ("RoundDocument", "A round"),
    "/applications/{id}": ("ApplicationDetailDocument", "An application, with its narrative"),
    "/projects/{id}": ("ProjectDocument", "A project"),
    "/learning-items/{id}": ("LearningItemDocument", "A learning item"),
}
REFUSED_COLLECTIONS = {"/applications", "/projects", "/tranches"}


def _json(description: str, schema_name: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ref(schema_name)}}}


def _errors(*statuses: int) -> dict:
    descriptions = {
        400: "A parameter could not be read; the message names it.",
        401: "No token, or one that is unknown, revoked or expired.",
        403: "The token's roles give no access to this collection.",
        404: "No such record, or the token may not see it.",
        429: "Too many refused tokens from this address: wait as long as the Retry-After header says.",
    }
    return {str(status): _json(descriptions[status], "Error") for status in statuses}


def _list_path(path: str) -> dict:
    schema, tag, description = LISTS[path]
    errors = (400, 401, 403, 429) if path in REFUSED_COLLECTIONS else (400, 401, 429)
    return {
        "get": {
            "operationId": "list_" + path.strip("/").replace("-", "_"),
            "summary": f"List {tag.lower()}",
            "description": description,
            "tags": [tag],
            "parameters": [PAGE, PER_PAGE, *FILTERS[path]],
            "responses": {"200": _json(f"A page of {tag.lower()}.", f"{schema}List"), **_errors(*errors)},
        }
    }


def _item_path(path: str) -> dict:
    schema, summary = ITEMS[path]
    collection = path.removesuffix("/{id}")
    errors = (401, 403, 404, 429) if collection in REFUSED_COLLECTIONS else (401, 404, 429)
    return {
        "get": {
            "operationId": "get_" + collection.strip("/").replace("-", "_").removesuffix("s"),
            "summary": summary,
            "tags": [LISTS[collection][1]],
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": deepcopy(ID.schema)}],
            "responses": {"200": _json(summary + ".", schema), **_errors(*errors)},
        }
    }


def document(server_url: str = "/api/v1") -> dict:
    paths = {}
    for path in LISTS:
        paths[path] = _list_path(path)
        if f"{path}/{{id}}" in ITEMS:
            paths[f"{path}/{{id}}"] = _item_path(f"{path}/{{id}}")
    return {
        "openapi": "3.1.0",
        "info": {"title": "Grants API", "version": VERSION, "description": DESCRIPTION},
        "servers": [{"url": server_url}],
        "security": [{"bearerToken": []}],
        "tags": [{"name": tag, "description": description} for _schema, tag, description in LISTS.values()],
        "paths": paths,
        "components": {
            "schemas": deepcopy(SCHEMAS),
            "securitySchemes": {
                "bearerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token made in your account: Authorization: Bearer grants_…",
                }
            },
        },
    }
