"""Every move a review assignment can make, in one place."""

from grants.core.workflow import Workflow
from grants.reviews.models import AssignmentStatus

ASSIGNMENT_WORKFLOW = Workflow(
    "review_assignment",
    {
        AssignmentStatus.ASSIGNED: {
            AssignmentStatus.IN_PROGRESS,
            AssignmentStatus.CONFLICTED,
            AssignmentStatus.WITHDRAWN,
        },
        AssignmentStatus.IN_PROGRESS: {
            AssignmentStatus.SUBMITTED,
            AssignmentStatus.CONFLICTED,
            AssignmentStatus.WITHDRAWN,
        },
        AssignmentStatus.SUBMITTED: {
            AssignmentStatus.IN_PROGRESS,
            AssignmentStatus.CONFLICTED,
            AssignmentStatus.WITHDRAWN,
        },
    },
    states=AssignmentStatus,
)
