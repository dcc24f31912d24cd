"""Every move a bid can make, in one place."""

from grants.applications.models import ApplicationStatus
from grants.core.workflow import Workflow

APPLICATION_WORKFLOW = Workflow(
    "application",
    {
        ApplicationStatus.DRAFT: {ApplicationStatus.SUBMITTED, ApplicationStatus.WITHDRAWN},
        ApplicationStatus.SUBMITTED: {
            ApplicationStatus.INELIGIBLE,
            ApplicationStatus.UNDER_REVIEW,
            ApplicationStatus.WITHDRAWN,
        },
        ApplicationStatus.UNDER_REVIEW: {
            ApplicationStatus.APPROVED,
            ApplicationStatus.RESERVE,
            ApplicationStatus.REJECTED,
            ApplicationStatus.WITHDRAWN,
        },
        ApplicationStatus.RESERVE: {ApplicationStatus.APPROVED, ApplicationStatus.REJECTED},
    },
    states=ApplicationStatus,
)

# Decisions are final: a bid can be withdrawn until one is made.
WITHDRAWABLE = frozenset(
    state for state, targets in APPLICATION_WORKFLOW.transitions.items() if ApplicationStatus.WITHDRAWN in targets
)

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

# Someone of the bid's organisation opened its page once its decision had taken effect: until then, the
# decision waits on their home among the decisions to read.
DECISION_READ = "application.decision_read"
PDF_DOWNLOADED = "application.pdf_downloaded"  # the bid as submitted, kept as a PDF
