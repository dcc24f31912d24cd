"""Who may change a project's enabler: a programme officer, while the project is live. A finished
project's support ended with it (closed, its award given up, or ended early), and it takes no other."""

from __future__ import annotations

from grants.core.permissions import Role


def can_assign_enablers(user, project) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.PROGRAMME_OFFICER) and project.is_live)
