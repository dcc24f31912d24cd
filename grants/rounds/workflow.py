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
    "open": "Publish the round",
    "closed": "Close the round now",
    "assessing": "Start assessment (bids go under review)",
    "decided": "Mark decisions as made",
    "archived": "Archive the round",
}
