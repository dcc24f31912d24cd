"""Records as the API shows them, each declared once: ``round_(record)`` is the JSON the API answers and
``round_.schema()`` its component in the OpenAPI document (``grants.api.openapi``). Money is in integer
pence with its currency, times in UTC written ``2026-11-22T09:53:00Z``, dates ``2026-11-22``."""

from __future__ import annotations

from grants.api.schema import (
    DATE,
    ID,
    INTEGER,
    PENCE,
    POSITIVE,
    STRING,
    UTC_TIME,
    Field,
    Resource,
    Type,
    array,
    currency,
    enum,
)
from grants.applications.models import STATUSES as APPLICATION_STATUSES
from grants.directory.models import SECTORS
from grants.funding.models import TRANCHE_STATUSES
from grants.learning.models import ITEM_KINDS, ITEM_STATUSES
from grants.projects.models import RAGS
from grants.projects.models import STATUSES as PROJECT_STATUSES
from grants.rounds.models import STATUSES as ROUND_STATUSES

ONS_CODE_PATTERN = r"^[EKNSW]\d{8}$"

place = Resource(
    "Place",
    "A local authority area, identified by its ONS code.",
    [
        Field("name", STRING),
        Field("ons_code", Type({"type": "string", "pattern": ONS_CODE_PATTERN})),
        Field("region", STRING),
    ],
)
theme = Resource(
    "Theme",
    "A wicked issue the programme funds work on.",
    [Field("slug", STRING), Field("name", STRING)],
)
organisation = Resource(
    "Organisation",
    "An organisation; org_id is its 360Giving identifier, such as GB-CHC-1234567.",
    [Field("id", ID), Field("name", STRING), Field("org_id", STRING, nullable=True), Field("sector", enum(SECTORS))],
)
round_summary = Resource("RoundSummary", None, [Field("id", ID), Field("code", STRING), Field("title", STRING)])
project_summary = Resource(
    "ProjectSummary", None, [Field("id", ID), Field("reference", STRING), Field("title", STRING)]
)

round_ = Resource(
    "Round",
    "A wave of the programme: a call for bids. Draft rounds are seen only by programme officers.",
    [
        Field("id", ID),
        Field("code", STRING),
        Field("title", STRING),
        Field("summary", STRING),
        Field("status", enum(ROUND_STATUSES)),
        Field("opens_at", UTC_TIME),
        Field("closes_at", UTC_TIME),
        Field("assessment_deadline", DATE, nullable=True),
        Field("award_pence", PENCE),
        Field("match_required_pence", PENCE),
        Field("budget_pence", PENCE),
        currency(),
        Field("places", POSITIVE, nullable=True),
        Field(
            "tranche_plan", array(INTEGER), description="Percentages.", read=lambda record: record.tranche_plan or []
        ),
        Field("themes", array(theme.type)),
    ],
)

application = Resource(
    "Application",
    "A bid by a lead organisation for its partnership.",
    [
        Field("id", ID),
        Field("reference", STRING, nullable=True),
        Field("round", round_summary.type),
        Field("status", enum(APPLICATION_STATUSES)),
        Field("title", STRING),
        Field("lead_organisation", organisation.type),
        Field("place", place.type, nullable=True),
        Field("themes", array(theme.type)),
        Field("amount_requested_pence", PENCE, nullable=True),
        Field("match_funder", STRING),
        Field("match_amount_pence", PENCE, nullable=True),
        currency(),
        Field("submitted_at", UTC_TIME, nullable=True),
        Field("withdrawn_at", UTC_TIME, nullable=True),
        Field("created_at", UTC_TIME),
        Field("updated_at", UTC_TIME),
    ],
)
# One bid with its narrative, as the people who may read it see it.
application_detail = application.extended(
    "ApplicationDetail",
    "A bid with its narrative.",
    [
        Field("issue", STRING),
        Field("shared_vision", STRING),
        Field("systems_leadership", STRING),
        Field("outcomes", STRING),
        Field("learning_plan", STRING),
    ],
)

project = Resource(
    "Project",
    "A funded project, created when its bid is approved; it keeps the bid's reference.",
    [
        Field("id", ID),
        Field("reference", STRING),
        Field("title", STRING),
        Field("status", enum(PROJECT_STATUSES)),
        Field("rag", enum(RAGS), nullable=True),
        Field("round", round_summary.type),
        Field("application_id", ID),
        Field("lead_organisation", organisation.type),
        Field("place", place.type, nullable=True),
        Field("award_pence", PENCE),
        # Summed over the page's projects in one query by the view.
        Field(
            "released_pence",
            INTEGER,
            description="The pence released to the project so far.",
            given=True,
            default=0,
        ),
        currency(),
        Field("starts_on", DATE),
        Field("ends_on", DATE),
        Field("last_update_on", DATE, nullable=True),
    ],
)

tranche = Resource(
    "Tranche",
    "One payment of a project's award.",
    [
        Field("id", ID),
        Field("project", project_summary.type),
        Field("sequence", POSITIVE),
        Field("amount_pence", PENCE),
        currency(),
        Field("due_on", DATE),
        Field("status", enum(TRANCHE_STATUSES)),
        Field("eligible_at", UTC_TIME, nullable=True),
        Field("requested_at", UTC_TIME, nullable=True),
        Field("released_at", UTC_TIME, nullable=True),
        Field("held_at", UTC_TIME, nullable=True),
        # Given by the view only for a token whose roles see payments.
        Field(
            "payment_reference",
            STRING,
            nullable=True,
            description="The finance system's reference of the payment, once released. Only for "
            "tokens with the programme officer or finance approver role; null for others.",
            given=True,
        ),
    ],
)

learning_item = Resource(
    "LearningItem",
    "A case study or insight. Published items are public; others are seen by those who may see the project.",
    [
        Field("id", ID),
        Field("kind", enum(ITEM_KINDS)),
        Field("title", STRING),
        Field("summary", STRING),
        Field("body", STRING),
        Field("what_worked", STRING),
        Field("what_did_not", STRING),
        Field("status", enum(ITEM_STATUSES)),
        Field("project", project_summary.type),
        Field("place", place.type, nullable=True),
        Field("themes", array(theme.type)),
        Field("published_at", UTC_TIME, nullable=True),
        Field("created_at", UTC_TIME),
        Field("updated_at", UTC_TIME),
    ],
)

# In the order the OpenAPI document lists their components.
RESOURCES = (
    place,
    theme,
    organisation,
    round_summary,
    project_summary,
    round_,
    application,
    application_detail,
    project,
    tranche,
    learning_item,
)
