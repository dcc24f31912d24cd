"""Who may see and download the open data: the programme staff who publish it. (The steering group
is left out: its members' conflicts of interest would otherwise need applying to a file that is
published whole.)"""

from __future__ import annotations

from grants.core.permissions import Role

READERS = (Role.PROGRAMME_OFFICER, Role.ADMIN)


def can_export_open_data(user) -> bool:
    return bool(user.is_authenticated and user.has_any_role(*READERS))
