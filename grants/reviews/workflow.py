"""Every move a review assignment can make, in one place."""

from grants.core.workflow import Workflow

ASSIGNMENT_WORKFLOW = Workflow(
    "review_assignment",
    {
        "assigned": {"in_progress", "conflicted", "withdrawn"},
        "in_progress": {"submitted", "conflicted", "withdrawn"},
        "submitted": {"in_progress", "conflicted", "withdrawn"},
    },
)
