"""Every move a round can make, in one place."""

from grants.core.workflow import Workflow

ROUND_WORKFLOW = Workflow(
    "round",
    {
        "draft": {"open"},
        "open": {"closed"},
        "closed": {"assessing"},
        "assessing": {"decided"},
        "decided": {"archived"},
    },
)

# The words on the button that makes each move, for the officer's round page.
MOVE_LABELS = {
    "open": "Publish the round",
    "closed": "Close the round now",
    "assessing": "Start assessment (bids go under review)",
    "decided": "Mark decisions as made",
    "archived": "Archive the round",
}
