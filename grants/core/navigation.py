"""The service navigation: each area registers its pages, with the roles that may see them, into a group.

The top of every page carries at most seven entries, whatever roles a person holds: "Your work" (their
home) and one entry per group (rounds, bids, projects and funding, the programme, admin, account). A
group whose pages the person can see only one of links straight to that page, under that page's own
name; a group with more links to its landing page, which lists each page the person can see with a
sentence saying what it is for. An area adds a page to a group with
``register_nav(label, endpoint, group="programme", description="...")``; the page's heading matches
its label.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import request, url_for
from flask_login import current_user

from grants.core.permissions import Role

HOME_LABEL = "Your work"
HOME_ENDPOINT = "main.home"
LANDING_ENDPOINT = "main.section"


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: str  # the menu entry, and the landing page's heading
    order: int
    intro: str  # the sentence under the landing page's heading


GROUPS: dict[str, NavGroup] = {
    group.key: group
    for group in (
        NavGroup("rounds", "Rounds", 20, "Funding rounds from the call for bids to the decisions."),
        NavGroup("bids", "Bids", 30, "The bids you are writing and the bids you have been asked to score."),
        NavGroup(
            "projects",
            "Projects and funding",
            40,
            "Funded projects, the money released to them and the people who support them.",
        ),
        NavGroup(
            "programme", "Programme", 50, "The programme as a whole: how it is doing, what it has learnt, and its data."
        ),
        NavGroup("admin", "Admin", 60, "Who may do what, what has happened, and the settings the programme runs on."),
        NavGroup("account", "Account", 70, "Your own details, and your organisation's."),
    )
}


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    roles: frozenset[Role] | None  # None: every signed-in person
    order: int
    active_prefix: str | None = None  # blueprint name whose pages mark this entry as current
    public: bool = False  # shown to visitors who have not signed in too
    group: str = "programme"
    description: str = ""  # the sentence beside it on its group's landing page

    def visible_to(self, user: Any) -> bool:
        if self.public:
            return True
        if not user.is_authenticated:
            return False
        return self.roles is None or user.has_any_role(*self.roles)

    def marks(self, endpoint: str) -> bool:
        """Whether the page at ``endpoint`` is this entry's page or one of its section's pages."""
        prefix = self.active_prefix
        return endpoint == self.endpoint or bool(prefix and endpoint.startswith(prefix + "."))


@dataclass(frozen=True)
class MenuEntry:
    """One entry at the top of the page: a group's landing page, or the single page of it a person sees."""

    label: str
    endpoint: str
    values: dict[str, Any]  # the URL's arguments
    current: bool  # this is the page shown
    active: bool  # the page shown belongs here


_ITEMS: list[NavItem] = []
_GATES: list[Callable[[Any], bool]] = []  # predicates on the signed-in person: the navigation is shown only if all hold


def register_nav(  # noqa: PLR0913 - each is a keyword an area names
    label: str,
    endpoint: str,
    *,
    group: str,
    description: str,
    roles: Iterable[Role | str] | None = None,
    order: int = 50,
    active_prefix: str | None = None,
    public: bool = False,
) -> None:
    if group not in GROUPS:
        raise ValueError(f"No navigation group {group!r}: one of {sorted(GROUPS)}")
    roles_ = frozenset(Role(r) for r in roles) if roles else None
    item = NavItem(label, endpoint, roles_, order, active_prefix, public, group, description)
    if item not in _ITEMS:
        _ITEMS.append(item)


def hide_navigation_unless(predicate: Callable[[Any], bool]) -> None:
    """Show a signed-in person no navigation unless ``predicate(user)`` holds (the accounts area: until
    two-factor sign-in is set up, nothing else opens)."""
    if predicate not in _GATES:
        _GATES.append(predicate)


def nav_items_for(user: Any, group: str | None = None) -> list[NavItem]:
    """The pages ``user`` may see (in ``group``, if given), in their group's order then their own."""
    items = (item for item in _ITEMS if item.visible_to(user) and group in (None, item.group))
    return sorted(items, key=lambda item: (GROUPS[item.group].order, item.order, item.label))


def menu_for(user: Any, endpoint: str = "", shown_group: str | None = None) -> list[MenuEntry]:
    """The entries at the top of the page for ``user``, with the page at ``endpoint`` marked (on a
    landing page, ``shown_group`` is the group it lists)."""
    entries = []
    if user.is_authenticated:
        entries.append(MenuEntry(HOME_LABEL, HOME_ENDPOINT, {}, endpoint == HOME_ENDPOINT, endpoint == HOME_ENDPOINT))
    by_group: dict[str, list[NavItem]] = {}
    for item in nav_items_for(user):
        by_group.setdefault(item.group, []).append(item)
    for key, items in by_group.items():
        if len(items) == 1:
            (only,) = items
            entries.append(MenuEntry(only.label, only.endpoint, {}, endpoint == only.endpoint, only.marks(endpoint)))
            continue
        on_landing = endpoint == LANDING_ENDPOINT and shown_group == key
        inside = on_landing or any(item.marks(endpoint) for item in items)
        entries.append(MenuEntry(GROUPS[key].label, LANDING_ENDPOINT, {"group": key}, on_landing, inside))
    return entries


def service_navigation() -> list[dict[str, Any]]:
    """Items in the shape ``govukServiceNavigation`` takes, with the current page marked."""
    if current_user.is_authenticated and not all(gate(current_user) for gate in _GATES):
        return []
    return [
        {
            "text": entry.label,
            "href": url_for(entry.endpoint, **entry.values),
            "current": entry.current,
            "active": entry.active,
        }
        for entry in menu_for(current_user, request.endpoint or "", (request.view_args or {}).get("group"))
    ]
