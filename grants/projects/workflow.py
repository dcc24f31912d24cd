"""Every move a project can make, in one place.

A project is set up when its bid is approved, becomes active when its agreement is signed, and moves
to closing when its end date has passed (or when a programme officer starts the close-out early); an
officer closes it once nothing is left. Before any payment its award can be given up (withdrawn);
after some, it can be ended early. Closed, withdrawn and ended early are final.
"""

from grants.core.workflow import Workflow
from grants.projects.models import ProjectStatus

PROJECT_WORKFLOW = Workflow(
    "project",
    {
        ProjectStatus.SETUP: {ProjectStatus.ACTIVE, ProjectStatus.WITHDRAWN},
        ProjectStatus.ACTIVE: {ProjectStatus.CLOSING, ProjectStatus.WITHDRAWN, ProjectStatus.ENDED_EARLY},
        ProjectStatus.CLOSING: {ProjectStatus.CLOSED, ProjectStatus.WITHDRAWN, ProjectStatus.ENDED_EARLY},
        ProjectStatus.CLOSED: set(),
        ProjectStatus.WITHDRAWN: set(),
        ProjectStatus.ENDED_EARLY: set(),
    },
    states=ProjectStatus,
)

# What a project's timeline shows, from the audit trail.
TIMELINE_ACTIONS = {
    "project.created": "Project set up",
    "project.active": "Agreement signed: the project is active",
    "project.closing": "Close-out started",
    "project.closed": "Project closed",
    "project.withdrawn": "Award given up",
    "project.ended_early": "Project ended early",
}
