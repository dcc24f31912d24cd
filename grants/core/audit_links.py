"""Where the audit trail links each object it names: every area registers the kinds of object it owns.

An audit event names its object by type and id (``project`` 12). The trail links it to the object's
page when the object still exists and the person reading the trail may open that page; otherwise the
object is named in plain text. Each area says how, for its own types, in its ``init_app``:

    register_audit_link("project", resolver)

``resolver(user, ids)`` takes the ids (strings, as the trail stores them) of one type on a page and
answers ``{id: url}`` for those the person may open, in a fixed number of queries however many ids:
so a page of the trail costs at most one resolver call per registered type.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

Resolver = Callable[[Any, list[str]], dict[str, str]]

_RESOLVERS: dict[str, Resolver] = {}


def register_audit_link(object_type: str, resolver: Resolver) -> None:
    _RESOLVERS[object_type] = resolver


def registered_types() -> list[str]:
    return sorted(_RESOLVERS)


def whole_ids(ids: Iterable[str]) -> list[int]:
    """The ids that could be a record's: a resolver's first step (the trail stores ids as text)."""
    return sorted({int(value) for value in ids if value and value.isascii() and value.isdecimal() and len(value) < 10})


def links_for(user: Any, objects: Iterable[tuple[str | None, str | None]]) -> dict[tuple[str, str], str]:
    """``{(type, id): url}`` for each object on a page of the trail that the person may open."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for object_type, object_id in objects:
        if object_type in _RESOLVERS and object_id:
            wanted[object_type].add(object_id)
    links: dict[tuple[str, str], str] = {}
    for object_type, ids in sorted(wanted.items()):
        for object_id, url in _RESOLVERS[object_type](user, sorted(ids)).items():
            links[(object_type, object_id)] = url
    return links
