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
    object_schema,
)
from grants.applications.models import STATUSES as APPLICATION_STATUSES
from grants.bidforms.kinds import KEY_PATTERN, KINDS
from grants.directory.models import SECTORS
from grants.funding.models import TRANCHE_STATUSES
from grants.learning.models import ITEM_KINDS, ITEM_STATUSES
from grants.projects.models import RAGS
from grants.projects.models import STATUSES as PROJECT_STATUSES
from grants.rounds.models import STATUSES as ROUND_STATUSES

ONS_CODE_PATTERN = r"^[EKNSW]\d{8}$"

# What each state of a project and of a tranche means, for the OpenAPI document: a client must know
# that a finished project is no longer running, and that an award given up is not money awarded.
PROJECT_STATUS_MEANINGS = {
    "setup": "Setting up: created when its bid was approved; the grant agreement is not yet signed.",
    "active": "Active: the agreement is signed and the work is under way.",
    "closing": "Closing: past its end date (or its close-out started early); the close-out is under way.",
    "closed": "Closed: the close-out is done. Finished (finished_at says when).",
    "withdrawn": "Award given up: the partnership gave up the award before any payment. Finished; its "
    "award_pence is not money awarded, and its tranches are all cancelled.",
    "ended_early": "Ended early: stopped after some payments; the tranches not paid are cancelled. Finished.",
}
TRANCHE_STATUS_MEANINGS = {
    "scheduled": "Waiting for its conditions.",
    "eligible": "Its conditions are met: ready for a programme officer to request its release.",
    "requested": "Release requested: waiting for a finance approver.",
    "released": "Paid (released_at says when).",
    "held": "Held: not to be paid until the hold is lifted.",
    "cancelled": "Cancelled: never to be paid, because its project ended without it (cancelled_at says when).",
}
assert set(PROJECT_STATUS_MEANINGS) == set(PROJECT_STATUSES), "every project status is described"
assert set(TRANCHE_STATUS_MEANINGS) == set(TRANCHE_STATUSES), "every tranche status is described"


def described(meanings: dict[str, str]) -> str:
    return " ".join(f"`{value}`: {meaning}" for value, meaning in meanings.items())


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
# A bid's answers to its round's questions, keyed by each question's stable key: the value as kept.
ANSWERS = Type(
    {
        "type": "object",
        "propertyNames": {"pattern": KEY_PATTERN.pattern},
        "additionalProperties": {
            "oneOf": [
                {"type": "string"},
                {"type": "integer"},
                {"type": "array", "items": {"type": "string"}},
            ]
        },
    }
)
ANSWERS_DESCRIPTION = (
    "The bid's answers to its round's questions, keyed by each question's key (see `questions`); a "
    "question not answered, or not asked because of an earlier answer, has no key. Short and long text: "
    "the text. Whole number: an integer. Money: an integer in pence (GBP). Date: `YYYY-MM-DD`. Yes or "
    'no: `"yes"` or `"no"`. One choice: the chosen value. Several choices: an array of the chosen values. '
    "A file: the id of its document (an integer)."
)
QUESTIONS = Type(
    {
        "type": "array",
        "items": object_schema(
            {
                "key": {"type": "string", "pattern": KEY_PATTERN.pattern},
                "page": {"type": "string", "description": "The title of the form's page the question is on."},
                "title": {"type": "string"},
                "kind": {"type": "string", "enum": list(KINDS)},
                "required": {"type": "boolean"},
                "choices": {
                    "type": "array",
                    "description": "For one or several choices: each value and the words the applicant saw.",
                    "items": object_schema({"value": {"type": "string"}, "label": {"type": "string"}}),
                },
            }
        ),
    }
)


def questions_of(form) -> list[dict]:
    """The questions of a round's form (``grants.bidforms.queries.Form``) whose answers a bid keeps."""
    return [
        {
            "key": question.key,
            "page": question.page.title,
            "title": question.title,
            "kind": question.kind,
            "required": question.required,
            "choices": [{"value": choice["value"], "label": choice["label"]} for choice in question.choices or []],
        }
        for question in form.answerable
    ]


# One bid with its answers, as the people who may read it see it.
application_detail = application.extended(
    "ApplicationDetail",
    "A bid with its answers to the questions of its round's form.",
    [
        Field("answers", ANSWERS, description=ANSWERS_DESCRIPTION, given=True, default={}),
        Field(
            "questions",
            QUESTIONS,
            description="The questions of the bid's round whose answers it keeps, in the form's order.",
            given=True,
            default=[],
        ),
    ],
)

project = Resource(
    "Project",
    "A funded project, created when its bid is approved; it keeps the bid's reference.",
    [
        Field("id", ID),
        Field("reference", STRING),
        Field("title", STRING),
        Field("status", enum(PROJECT_STATUSES), description=described(PROJECT_STATUS_MEANINGS)),
        Field(
            "finished_at",
            UTC_TIME,
            nullable=True,
            description="When the project closed, its award was given up or it ended early; null while it runs.",
        ),
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
        Field("status", enum(TRANCHE_STATUSES), description=described(TRANCHE_STATUS_MEANINGS)),
        Field("eligible_at", UTC_TIME, nullable=True),
        Field("requested_at", UTC_TIME, nullable=True),
        Field("released_at", UTC_TIME, nullable=True),
        Field("held_at", UTC_TIME, nullable=True),
        Field("cancelled_at", UTC_TIME, nullable=True),
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
