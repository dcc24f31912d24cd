"""Who may download which dataset, and which records each person's download leaves out.

Downloads follow the rules of the pages the records come from:

- programme officers and administrators download everything;
- finance approvers the money: projects, tranches and payments (as on the funding pages);
- a steering group chair what they moderate and decide (bids, scores, decisions) and the projects;
- a steering member only the projects, as on the project and progress pages: they see the bids they
  were asked to score, never the round's other bids, scores or decisions;
- applicants and enablers nothing: their pages show them only their own bids and projects.

Whatever their roles, no one's download holds the bids they have a conflict of interest with (declared,
or through their own organisation), nor the scores and decisions on them, as on the assessment pages;
steering-group members' downloads leave out those bids' projects too (``hidden_application_ids``).
"""

from __future__ import annotations

from dataclasses import dataclass

from grants.core.permissions import Role
from grants.reviews.queries import ASSESSED_STATES

EVERYTHING = (Role.PROGRAMME_OFFICER,)  # administrators manage people, not bids or money, as on the pages
READERS: dict[str, tuple[Role, ...]] = {
    "applications": (*EVERYTHING, Role.STEERING_CHAIR),
    "scores": (*EVERYTHING, Role.STEERING_CHAIR),
    "decisions": (*EVERYTHING, Role.STEERING_CHAIR),
    "projects": (*EVERYTHING, Role.FINANCE_APPROVER, Role.STEERING_CHAIR, Role.STEERING_MEMBER),
    "tranches": (*EVERYTHING, Role.FINANCE_APPROVER),
    "payments": (*EVERYTHING, Role.FINANCE_APPROVER),
}
BID_DATASETS = frozenset({"applications", "scores", "decisions"})
EXPORTERS = tuple(role for role in Role if any(role in roles for roles in READERS.values()))


@dataclass(frozen=True)
class Scope:
    """The records of one person's download: a round (or every round), the bids left out, and the bid
    states they may read (``None``: every state, drafts included)."""

    round_id: int | None = None
    hidden_application_ids: frozenset[int] = frozenset()
    bid_states: tuple[str, ...] | None = None


def can_download(user, dataset: str) -> bool:
    return bool(user.is_authenticated and dataset in READERS and user.has_any_role(*READERS[dataset]))


def downloadable(user) -> list[str]:
    """The datasets this person may download, in the page's order."""
    return [dataset for dataset in READERS if can_download(user, dataset)]


def conflicted_ids(user) -> frozenset[int]:
    from grants.reviews.queries import conflicted_application_ids

    return frozenset(conflicted_application_ids(user))


def hidden_project_ids(user) -> frozenset[int]:
    """The bids whose projects this person's downloads leave out."""
    from grants.projects.permissions import hidden_application_ids

    return frozenset(hidden_application_ids(user))


def scope_for(user, dataset: str, round_id: int | None) -> Scope:
    if dataset in BID_DATASETS:
        # Officers see every bid, drafts included; a chair the bids under assessment and decided.
        states = None if user.has_any_role(*EVERYTHING) else ASSESSED_STATES
        return Scope(round_id, conflicted_ids(user), states)
    return Scope(round_id, hidden_project_ids(user))
