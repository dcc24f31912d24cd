"""Roles and the helpers routes use to refuse what a person's roles do not allow.

Object-level rules live beside their area as ``can_<verb>(user, obj)``; this module holds only what
every area shares.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required


class Role(StrEnum):
    APPLICANT = "applicant"
    STEERING_MEMBER = "steering_member"
    STEERING_CHAIR = "steering_chair"
    ENABLER = "enabler"
    PROGRAMME_OFFICER = "programme_officer"
    FINANCE_APPROVER = "finance_approver"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.APPLICANT: "Applicant",
    Role.STEERING_MEMBER: "Steering group member",
    Role.STEERING_CHAIR: "Steering group chair",
    Role.ENABLER: "Enabler",
    Role.PROGRAMME_OFFICER: "Programme officer",
    Role.FINANCE_APPROVER: "Finance approver",
    Role.ADMIN: "Administrator",
}
ALL_ROLES = tuple(Role)
STAFF_ROLES = frozenset(ALL_ROLES) - {Role.APPLICANT}


def has_any_role(user: Any, *roles: Role | str) -> bool:
    return bool(user and user.is_authenticated and user.has_any_role(*roles))


def roles_required(*roles: Role | str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Route decorator: sign-in required, then 403 unless the person holds one of ``roles``."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required  # type: ignore[untyped-decorator]  # Flask-Login ships no types
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.has_any_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = frozenset(Role(r) for r in roles)  # type: ignore[attr-defined]  # read by the access checks
        return wrapped

    return decorator
