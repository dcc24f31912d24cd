"""Every move a round can make, in one place."""

from grants.core.workflow import Workflow
from grants.rounds.models import RoundStatus

ROUND_WORKFLOW = Workflow(
    "round",
    {
        RoundStatus.DRAFT: {RoundStatus.OPEN},
        RoundStatus.OPEN: {RoundStatus.CLOSED},
        RoundStatus.CLOSED: {RoundStatus.ASSESSING},
        RoundStatus.ASSESSING: {RoundStatus.DECIDED},
        RoundStatus.DECIDED: {RoundStatus.ARCHIVED},
    },
    states=RoundStatus,
)

# The words on the button that makes each move, for the officer's round page.
MOVE_LABELS = {
    RoundStatus.OPEN: "Publish the round",
    RoundStatus.CLOSED: "Close the round now",
    RoundStatus.ASSESSING: "Start assessment (bids go under review)",
    RoundStatus.DECIDED: "Mark decisions as made",
    RoundStatus.ARCHIVED: "Archive the round",
}
