"""Every move a bid can make, in one place."""

from grants.core.workflow import Workflow

APPLICATION_WORKFLOW = Workflow(
    "application",
    {
        "draft": {"submitted", "withdrawn"},
        "submitted": {"ineligible", "under_review", "withdrawn"},
        "under_review": {"approved", "reserve", "rejected", "withdrawn"},
        "reserve": {"approved", "rejected"},
    },
)

# Decisions are final: a bid can be withdrawn until one is made.
WITHDRAWABLE = frozenset(state for state, targets in APPLICATION_WORKFLOW.transitions.items() if "withdrawn" in targets)

# What the applicant's timeline shows, from the audit trail.
TIMELINE_ACTIONS = {
    "application.created": "Bid started",
    "application.submitted": "Bid submitted",
    "application.withdrawn": "Bid withdrawn",
    "application.ineligible": "Found ineligible",
    "application.under_review": "Being reviewed by the steering group",
    "application.approved": "Approved for funding",
    "application.reserve": "Placed on the reserve list",
    "application.rejected": "Not funded",
}
