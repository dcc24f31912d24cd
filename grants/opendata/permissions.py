"""Who may see and download the open data. Programme staff publish it; the steering group may read what
is (or will be) public about the grants it chose."""

from __future__ import annotations

from grants.core.permissions import Role

READERS = (Role.PROGRAMME_OFFICER, Role.ADMIN, Role.STEERING_CHAIR, Role.STEERING_MEMBER)


def can_export_open_data(user) -> bool:
    return bool(user.is_authenticated and user.has_any_role(*READERS))
