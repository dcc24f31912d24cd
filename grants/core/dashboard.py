"""What the signed-in person's home page offers, by role. Each area adds its links when it is set up."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grants.core.permissions import Role


@dataclass(frozen=True)
class Panel:
    role: Role
    heading: str
    description: str
    links: list[tuple[str, str]] = field(default_factory=list)  # (text, endpoint)


ROLE_DESCRIPTIONS = {
    Role.APPLICANT: "Draft and submit bids for your partnership, see decisions and report on your project.",
    Role.STEERING_MEMBER: "Declare conflicts of interest and score the bids assigned to you.",
    Role.STEERING_CHAIR: "Moderate scores, select the portfolio within budget and record decisions.",
    Role.ENABLER: "Support your assigned projects and log what is shifting in the system.",
    Role.PROGRAMME_OFFICER: "Run rounds, assign reviewers and enablers, issue agreements and request payments.",
    Role.FINANCE_APPROVER: "Give the second signature on every tranche release.",
    Role.ADMIN: "Manage people's accounts and roles, and read the audit trail.",
}

_LINKS: dict[Role, list[tuple[str, str]]] = {role: [] for role in Role}


def register_dashboard_link(role: Role, text: str, endpoint: str) -> None:
    if (text, endpoint) not in _LINKS[role]:
        _LINKS[role].append((text, endpoint))


def dashboard_panels(user: Any) -> list[Panel]:
    return [
        Panel(role, role.label, ROLE_DESCRIPTIONS[role], list(_LINKS[role])) for role in Role if user.has_role(role)
    ]
