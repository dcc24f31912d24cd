"""Who may read the progress report and who may compile it."""

from __future__ import annotations

from grants.core.permissions import Role

READERS = (Role.PROGRAMME_OFFICER, Role.STEERING_MEMBER, Role.STEERING_CHAIR, Role.ADMIN)
COMPILERS = (Role.PROGRAMME_OFFICER, Role.ADMIN)


def can_read_progress(user) -> bool:
    return bool(user.is_authenticated and user.has_any_role(*READERS))


def can_compile(user) -> bool:
    return bool(user.is_authenticated and user.has_any_role(*COMPILERS))


def sees_small_groups(user) -> bool:
    """Leadership results of fewer than five people are for programme staff only, as on the leadership
    pages themselves."""
    from grants.leadership.permissions import can_see_individuals

    return can_see_individuals(user)
