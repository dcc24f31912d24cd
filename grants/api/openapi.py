"""The API's OpenAPI 3.1 document, built here and served at ``/api/v1/openapi.json``. The docs page
is rendered from it, and the tests check every response the API gives against it."""

from __future__ import annotations

from copy import deepcopy

from grants.applications.models import STATUSES as APPLICATION_STATUSES
from grants.directory.models import SECTORS
from grants.funding.models import TRANCHE_STATUSES
from grants.learning.models import ITEM_KINDS, ITEM_STATUSES
from grants.projects.models import RAGS
from grants.projects.models import STATUSES as PROJECT_STATUSES
from grants.rounds.models import STATUSES as ROUND_STATUSES

VERSION = "1.0.0"
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 25
ONS_CODE_PATTERN = r"^[EKNSW]\d{8}$"
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


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    schema = deepcopy(schema)
    if "$ref" in schema:
        return {"oneOf": [schema, {"type": "null"}]}
    if "enum" in schema:
        schema["enum"] = [*schema["enum"], None]
    schema["type"] = [schema["type"], "null"]
    return schema


def _object(properties: dict, description: str | None = None) -> dict:
    schema = {
        "type": "object",
        "additionalProperties": False,
        "required": list(properties),
        "properties": properties,
    }
    if description:
        schema["description"] = description
    return schema


STRING = {"type": "string"}
ID = {"type": "integer", "minimum": 1}
PENCE = {"type": "integer", "description": "An amount in whole pence."}
DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
UTC_TIME = {"type": "string", "format": "date-time", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"}
CURRENCY = {"type": "string", "const": "GBP"}


def _enum(values) -> dict:
    return {"type": "string", "enum": list(values)}


SCHEMAS = {
    "Place": _object(
        {"name": STRING, "ons_code": {"type": "string", "pattern": ONS_CODE_PATTERN}, "region": STRING},
        "A local authority area, identified by its ONS code.",
    ),
    "Theme": _object({"slug": STRING, "name": STRING}, "A wicked issue the programme funds work on."),
    "Organisation": _object(
        {"id": ID, "name": STRING, "org_id": _nullable(STRING), "sector": _enum(SECTORS)},
        "An organisation; org_id is its 360Giving identifier, such as GB-CHC-1234567.",
    ),
    "RoundSummary": _object({"id": ID, "code": STRING, "title": STRING}),
    "ProjectSummary": _object({"id": ID, "reference": STRING, "title": STRING}),
    "Round": _object(
        {
            "id": ID,
            "code": STRING,
            "title": STRING,
            "summary": STRING,
            "status": _enum(ROUND_STATUSES),
            "opens_at": UTC_TIME,
            "closes_at": UTC_TIME,
            "assessment_deadline": _nullable(DATE),
            "award_pence": PENCE,
            "match_required_pence": PENCE,
            "budget_pence": PENCE,
            "currency": CURRENCY,
            "places": _nullable({"type": "integer", "minimum": 1}),
            "tranche_plan": {"type": "array", "items": {"type": "integer"}, "description": "Percentages."},
            "themes": {"type": "array", "items": _ref("Theme")},
        },
        "A wave of the programme: a call for bids. Draft rounds are seen only by programme officers.",
    ),
}
APPLICATION_PROPERTIES = {
    "id": ID,
    "reference": _nullable(STRING),
    "round": _ref("RoundSummary"),
    "status": _enum(APPLICATION_STATUSES),
    "title": STRING,
    "lead_organisation": _ref("Organisation"),
    "place": _nullable(_ref("Place")),
    "themes": {"type": "array", "items": _ref("Theme")},
    "amount_requested_pence": _nullable(PENCE),
    "match_funder": STRING,
    "match_amount_pence": _nullable(PENCE),
    "currency": CURRENCY,
    "submitted_at": _nullable(UTC_TIME),
    "withdrawn_at": _nullable(UTC_TIME),
    "created_at": UTC_TIME,
    "updated_at": UTC_TIME,
}
SCHEMAS["Application"] = _object(APPLICATION_PROPERTIES, "A bid by a lead organisation for its partnership.")
SCHEMAS["ApplicationDetail"] = _object(
    {
        **APPLICATION_PROPERTIES,
        "issue": STRING,
        "shared_vision": STRING,
        "systems_leadership": STRING,
        "outcomes": STRING,
        "learning_plan": STRING,
    },
    "A bid with its narrative.",
)
SCHEMAS["Project"] = _object(
    {
        "id": ID,
        "reference": STRING,
        "title": STRING,
        "status": _enum(PROJECT_STATUSES),
        "rag": _nullable(_enum(RAGS)),
        "round": _ref("RoundSummary"),
        "application_id": ID,
        "lead_organisation": _ref("Organisation"),
        "place": _nullable(_ref("Place")),
        "award_pence": PENCE,
        "released_pence": {"type": "integer", "description": "The pence released to the project so far."},
        "currency": CURRENCY,
        "starts_on": DATE,
        "ends_on": DATE,
        "last_update_on": _nullable(DATE),
    },
    "A funded project, created when its bid is approved; it keeps the bid's reference.",
)
SCHEMAS["Tranche"] = _object(
    {
        "id": ID,
        "project": _ref("ProjectSummary"),
        "sequence": {"type": "integer", "minimum": 1},
        "amount_pence": PENCE,
        "currency": CURRENCY,
        "due_on": DATE,
        "status": _enum(TRANCHE_STATUSES),
        "eligible_at": _nullable(UTC_TIME),
        "requested_at": _nullable(UTC_TIME),
        "released_at": _nullable(UTC_TIME),
        "held_at": _nullable(UTC_TIME),
        "payment_reference": _nullable(
            {
                "type": "string",
                "description": "The finance system's reference of the payment, once released. Only for "
                "tokens with the programme officer or finance approver role; null for others.",
            }
        ),
    },
    "One payment of a project's award.",
)
SCHEMAS["LearningItem"] = _object(
    {
        "id": ID,
        "kind": _enum(ITEM_KINDS),
        "title": STRING,
        "summary": STRING,
        "body": STRING,
        "what_worked": STRING,
        "what_did_not": STRING,
        "status": _enum(ITEM_STATUSES),
        "project": _ref("ProjectSummary"),
        "place": _nullable(_ref("Place")),
        "themes": {"type": "array", "items": _ref("Theme")},
        "published_at": _nullable(UTC_TIME),
        "created_at": UTC_TIME,
        "updated_at": UTC_TIME,
    },
    "A case study or insight. Published items are public; others are seen by those who may see the project.",
)
SCHEMAS["Meta"] = _object(
    {
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        "total": {"type": "integer", "minimum": 0},
        "pages": {"type": "integer", "minimum": 0},
    }
)
SCHEMAS["Links"] = _object(
    {
        "self": {"type": "string", "format": "uri"},
        "next": _nullable({"type": "string", "format": "uri"}),
        "prev": _nullable({"type": "string", "format": "uri"}),
    }
)
SCHEMAS["Error"] = _object(
    {
        "error": _object(
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
    SCHEMAS[f"{_name}List"] = _object(
        {"data": {"type": "array", "items": _ref(_name)}, "meta": _ref("Meta"), "links": _ref("Links")}
    )
for _name in ("Round", "ApplicationDetail", "Project", "LearningItem"):
    SCHEMAS[f"{_name}Document"] = _object({"data": _ref(_name)})


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
        _query("status", "Projects in this state.", _enum(PROJECT_STATUSES)),
        _query("rag", "Projects rated this (none: not yet rated).", _enum((*RAGS, "none"))),
        PLACE_FILTER,
    ],
    "/tranches": [
        _query("project", "A project's reference (LV2-0007).", {"type": "string", "pattern": REFERENCE_PATTERN}),
        _query("status", "Tranches in this state.", _enum(TRANCHE_STATUSES)),
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
    return {"description": description, "content": {"application/json": {"schema": _ref(schema_name)}}}


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
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": ID}],
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
