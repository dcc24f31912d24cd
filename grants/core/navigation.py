"""The service navigation: each area registers its entries with the roles that may see them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import request, url_for
from flask_login import current_user

from grants.core.permissions import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    roles: frozenset[Role] | None  # None: every signed-in person
    order: int
    active_prefix: str | None = None  # blueprint name whose pages mark this entry as current
    public: bool = False  # shown to visitors who have not signed in too

    def visible_to(self, user: Any) -> bool:
        if self.public:
            return True
        if not user.is_authenticated:
            return False
        return self.roles is None or user.has_any_role(*self.roles)


_ITEMS: list[NavItem] = []
_GATES: list[Callable[[Any], bool]] = []  # predicates on the signed-in person: the navigation is shown only if all hold


def register_nav(
    label: str,
    endpoint: str,
    *,
    roles: Iterable[Role | str] | None = None,
    order: int = 50,
    active_prefix: str | None = None,
    public: bool = False,
) -> None:
    item = NavItem(label, endpoint, frozenset(Role(r) for r in roles) if roles else None, order, active_prefix, public)
    if item not in _ITEMS:
        _ITEMS.append(item)


def hide_navigation_unless(predicate: Callable[[Any], bool]) -> None:
    """Show a signed-in person no navigation unless ``predicate(user)`` holds (the accounts area: until
    two-factor sign-in is set up, nothing else opens)."""
    if predicate not in _GATES:
        _GATES.append(predicate)


def nav_items_for(user: Any) -> list[NavItem]:
    return sorted((item for item in _ITEMS if item.visible_to(user)), key=lambda item: (item.order, item.label))


def service_navigation() -> list[dict[str, Any]]:
    """Items in the shape ``govukServiceNavigation`` takes, with the current page marked."""
    if current_user.is_authenticated and not all(gate(current_user) for gate in _GATES):
        return []
    endpoint = request.endpoint or ""
    items = []
    for item in nav_items_for(current_user):
        blueprint = item.active_prefix
        current = endpoint == item.endpoint
        active = current or bool(blueprint and endpoint.startswith(blueprint + "."))
        items.append({"text": item.label, "href": url_for(item.endpoint), "current": current, "active": active})
    return items
