"""Who sees the programme at a glance: programme staff and the steering group."""

from __future__ import annotations

from grants.core.permissions import Role

READERS = (Role.PROGRAMME_OFFICER, Role.STEERING_CHAIR, Role.STEERING_MEMBER, Role.ADMIN)


def can_read_portfolio(user) -> bool:
    return bool(user.is_authenticated and user.has_any_role(*READERS))
