"""Every list is paginated and ordered; this turns a page of results into GOV.UK pagination."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, request, url_for
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from grants.extensions import db

MAX_PAGE = 100_000  # beyond any real list; larger numbers are typing mistakes or probes


MAX_ID = 2**31 - 1


def id_arg(name: str) -> int | None:
    """A record id from the query string, or None if it is missing or could not be one."""
    value = (request.args.get(name) or "").strip()
    if not value.isascii() or not value.isdecimal():
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


def _is_ordered(statement: Select[Any]) -> bool:
    """Whether the outermost query has an ORDER BY, read from its SQL at bracket depth 0 only (a subquery's
    own ORDER BY does not count; SQLAlchemy keeps the clauses in no public attribute). Compiling the
    statement costs milliseconds on every page of a list, so the rule is checked where a mistake is caught
    (the tests, debugging); a production request trusts the code the suite has held to it."""
    if not (current_app.testing or current_app.debug):
        return True
    return _is_ordered_sql(statement)


def _is_ordered_sql(statement: Select[Any]) -> bool:
    sql, depth = str(statement), 0
    for index, char in enumerate(sql):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0 and sql.startswith("ORDER BY", index):
            return True
    return False


def paginate(statement: Select[Any], per_page: int | None = None, *, total: int | None = None) -> Pagination:
    """A Flask-SQLAlchemy pagination of ``statement`` (which must have an ORDER BY) at ``?page=``;
    ``total``: how many rows it has, if the page has counted them already (no second count)."""
    if not _is_ordered(statement):
        raise ValueError("lists are always ordered: add order_by() before paginating")
    per_page = per_page or current_app.config["PAGE_SIZE"]
    page = request.args.get("page", 1, type=int)
    page = page if 1 <= page <= MAX_PAGE else 1
    counted = total is None
    found = db.paginate(statement, page=page, per_page=per_page, max_per_page=per_page, error_out=False, count=counted)
    if not counted:
        found.total = total
    return found


class _ListPagination(Pagination):
    """Flask-SQLAlchemy's pagination over a list already in memory: the base class leaves these two to a
    subclass (its own subclasses run a query)."""

    def _query_items(self) -> list[Any]:
        return list(self._query_args["items"])[self._query_offset : self._query_offset + self.per_page]

    def _query_count(self) -> int:
        return len(self._query_args["items"])


class _FetchedPagination(Pagination):
    """Flask-SQLAlchemy's pagination over a list counted already, whose page is fetched by a function
    of its own (``fetch(offset, limit)``)."""

    def _query_items(self) -> list[Any]:
        return list(self._query_args["fetch"](self._query_offset, self.per_page))

    def _query_count(self) -> int:
        return int(self._query_args["total"])


def _page_within(total: int, per_page: int) -> int:
    """The page asked for at ``?page=``; a page past the end is the last, nonsense is the first."""
    last = max(1, -(-total // per_page))
    page = request.args.get("page", 1, type=int)
    return min(page, last) if 1 <= page <= MAX_PAGE else 1


def paginate_list(items: list[Any], per_page: int | None = None) -> Pagination:
    """``paginate`` for a list already worked out in order: a page past the end is the last."""
    per_page = per_page or current_app.config["PAGE_SIZE"]
    page = _page_within(len(items), per_page)
    return _ListPagination(page=page, per_page=per_page, max_per_page=per_page, error_out=False, items=items)


def paginate_counted(total: int, fetch: Callable[[int, int], list[Any]], per_page: int | None = None) -> Pagination:
    """``paginate`` for a list whose order is worked out by a query of its own (a ranking, with ranks and
    running totals over the whole list): ``total`` items, of which ``fetch(offset, limit)`` gives a page.
    Only the page is built. A page past the end is the last."""
    per_page = per_page or current_app.config["PAGE_SIZE"]
    page = _page_within(total, per_page)
    return _FetchedPagination(
        page=page, per_page=per_page, max_per_page=per_page, error_out=False, total=total, fetch=fetch
    )


def pagination_params(page: Pagination, endpoint: str | None = None) -> dict[str, Any] | None:
    """Parameters for ``govukPagination`` that keep the other query-string arguments; the links go to
    ``endpoint`` (with the same view arguments) if given, else to this request's page."""
    if page.pages <= 1:
        return None
    args = request.args.to_dict()
    target = endpoint or request.endpoint or ""
    view_args = dict(request.view_args or {})

    def href(number: int | None) -> str:
        return url_for(target, **{**view_args, **args, "page": number})

    items: list[dict[str, Any]] = []
    for number in page.iter_pages(left_edge=1, left_current=1, right_current=1, right_edge=1):
        if number is None:
            items.append({"ellipsis": True})
        else:
            items.append({"number": number, "href": href(number), "current": number == page.page})
    params: dict[str, Any] = {"items": items}
    if page.has_prev:
        params["previous"] = {"href": href(page.prev_num)}
    if page.has_next:
        params["next"] = {"href": href(page.next_num)}
    return params
