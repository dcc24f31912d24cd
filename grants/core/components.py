"""GOV.UK components built in Python: the same markup as the govuk-frontend-jinja macros (whitespace
aside), for the long lists of the busiest pages (their form inputs are in ``grants.core.inputs``). The
macros call another macro for every cell, item and attribute, so a table of 50 rows took 10–20 ms to
render. Only the parameters listed are understood; anything else raises ValueError rather than being
ignored.
``tests/core/test_templating.py`` holds each one to its macro's output."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape


def _classes(base: str, *extra: object) -> str:
    words = [str(value) for value in extra if value]
    return f"{base} {escape(' '.join(words))}" if words else base


def _attributes(attributes: dict[str, Any] | None) -> str:
    """Plain ``name="value"`` pairs (the macros' booleans written in lower case)."""
    pairs = ""
    for name, value in (attributes or {}).items():
        if isinstance(value, dict):
            raise ValueError("attributes with options need the govuk-frontend-jinja macro")
        value = str(value).lower() if isinstance(value, bool) else value
        pairs += f' {escape(name)}="{escape(value)}"'
    return pairs


def _content(item: dict[str, Any]) -> str:
    """``html`` (trusted, as the macros' ``| safe``) if given, else ``text``, escaped; a missing text is empty."""
    return str(item["html"]) if item.get("html") else escape(item.get("text", ""))


def _safe(parts: list[str]) -> Markup:
    # Every value in the parts was escaped above; html parameters come from our templates (built with
    # html(), link() or a macro), as the macros take them.
    return Markup("".join(parts))  # noqa: S704  # nosec B704


TABLE_PARAMS = {"caption", "captionClasses", "head", "rows", "firstCellIsHeader", "classes", "attributes"}
CELL_PARAMS = {"text", "html", "format", "classes", "colspan", "rowspan", "attributes"}
PLAIN_CELL = {"text", "html", "format", "classes"}


def govuk_table(params: dict[str, Any]) -> Markup:
    """``govukTable(params)``, built in Python."""
    _only(params, TABLE_PARAMS)
    parts = [f'<table class="{_classes("govuk-table", params.get("classes"))}"{_attributes(params.get("attributes"))}>']
    if params.get("caption"):
        classes = _classes("govuk-table__caption", params.get("captionClasses"))
        parts.append(f'<caption class="{classes}">{escape(params["caption"])}</caption>')
    if params.get("head"):
        parts.append('<thead class="govuk-table__head"><tr class="govuk-table__row">')
        for item in params["head"]:
            format_ = f"govuk-table__header--{item['format']}" if item.get("format") else None
            parts.append(
                _cell('th scope="col"', "th", _classes("govuk-table__header", format_, item.get("classes")), item)
            )
        parts.append("</tr></thead>")
    parts.append('<tbody class="govuk-table__body">')
    header_first = params.get("firstCellIsHeader")
    for row in params.get("rows") or []:
        if not row:
            continue
        parts.append('<tr class="govuk-table__row">')
        for position, cell in enumerate(row):
            if position == 0 and header_first:
                parts.append(_cell('th scope="row"', "th", _classes("govuk-table__header", cell.get("classes")), cell))
            else:
                format_ = f"govuk-table__cell--{cell['format']}" if cell.get("format") else None
                parts.append(_cell("td", "td", _classes("govuk-table__cell", format_, cell.get("classes")), cell))
        parts.append("</tr>")
    parts.append("</tbody></table>")
    return _safe(parts)


def _cell(opening: str, tag: str, classes: str, cell: dict[str, Any]) -> str:
    extra = ""
    if not cell.keys() <= PLAIN_CELL:  # most cells are text (or html), a format and classes: nothing more
        _only(cell, CELL_PARAMS)
        extra = "".join(f' {name}="{escape(cell[name])}"' for name in ("colspan", "rowspan") if cell.get(name))
        extra += _attributes(cell.get("attributes"))
    return f'<{opening} class="{classes}"{extra}>{_content(cell)}</{tag}>'


def bar_width(value: float, top: float) -> str:
    """The class that draws a chart's bar ``value / top`` of its track's width, to the whole percent
    (``grants-w-0`` to ``grants-w-100`` in grants.css): the pages' policy lets no inline style through,
    so a ``style="width: …"`` attribute would draw no bar at all. A value above nothing is at least 1%,
    so that it shows."""
    if not top or value <= 0:
        return "grants-w-0"
    return f"grants-w-{min(100, max(1, round(100 * value / top)))}"


def govuk_tag(params: dict[str, Any]) -> Markup:
    """``govukTag(params)``, built in Python."""
    _only(params, {"text", "html", "classes", "attributes"})
    classes = _classes("govuk-tag", params.get("classes"))
    return _safe([f'<strong class="{classes}"{_attributes(params.get("attributes"))}>{_content(params)}</strong>'])


SUMMARY_LIST_PARAMS = {"rows", "classes", "attributes"}
SUMMARY_ROW_PARAMS = {"key", "value", "actions", "classes"}


def govuk_summary_list(params: dict[str, Any]) -> Markup:
    """``govukSummaryList(params)``, built in Python (not as a card): a row without actions among rows
    with some is marked so, as the macro marks it."""
    _only(params, SUMMARY_LIST_PARAMS)
    rows = [row for row in params.get("rows") or [] if row]
    any_actions = any(_action_items(row) for row in rows)
    classes = _classes("govuk-summary-list", params.get("classes"))
    parts = [f'<dl class="{classes}"{_attributes(params.get("attributes"))}>']
    for row in rows:
        _only(row, SUMMARY_ROW_PARAMS)
        items = _action_items(row)
        no_actions = "govuk-summary-list__row--no-actions" if any_actions and not items else None
        parts.append(f'<div class="{_classes("govuk-summary-list__row", no_actions, row.get("classes"))}">')
        for tag, part in (("dt", "key"), ("dd", "value")):
            item = row.get(part) or {}
            _only(item, {"text", "html", "classes"})
            classes = _classes(f"govuk-summary-list__{part}", item.get("classes"))
            parts.append(f'<{tag} class="{classes}">{_content(item)}</{tag}>')
        if items:
            parts.append(f'<dd class="{_classes("govuk-summary-list__actions", row["actions"].get("classes"))}">')
            if len(items) == 1:
                parts.append(_action_link(items[0]))
            else:
                parts.append('<ul class="govuk-summary-list__actions-list">')
                parts.extend(f'<li class="govuk-summary-list__actions-list-item">{_action_link(a)}</li>' for a in items)
                parts.append("</ul>")
            parts.append("</dd>")
        parts.append("</div>")
    parts.append("</dl>")
    return _safe(parts)


def _action_items(row: dict[str, Any]) -> list[dict[str, Any]]:
    actions = row.get("actions") or {}
    _only(actions, {"items", "classes"})
    return list(actions.get("items") or [])


def _action_link(action: dict[str, Any]) -> str:
    _only(action, {"href", "text", "html", "visuallyHiddenText", "classes", "attributes"})
    hidden = action.get("visuallyHiddenText")
    extra = f'<span class="govuk-visually-hidden"> {escape(hidden)}</span>' if hidden else ""
    classes = _classes("govuk-link", action.get("classes"))
    return (
        f'<a class="{classes}" href="{escape(action.get("href", ""))}"{_attributes(action.get("attributes"))}>'
        f"{_content(action)}{extra}</a>"
    )


_ARROWS = {
    "prev": '<svg class="govuk-pagination__icon govuk-pagination__icon--prev" xmlns="http://www.w3.org/2000/svg" '
    'height="13" width="15" aria-hidden="true" focusable="false" viewBox="0 0 15 13"><path d="m6.5938-0.0078125-6.'
    '7266 6.7266 6.7441 6.4062 1.377-1.449-4.1856-3.9768h12.896v-2h-12.984l4.2931-4.293-1.414-1.414z"></path></svg>',
    "next": '<svg class="govuk-pagination__icon govuk-pagination__icon--next" xmlns="http://www.w3.org/2000/svg" '
    'height="13" width="15" aria-hidden="true" focusable="false" viewBox="0 0 15 13"><path d="m8.107-0.0078125-1.'
    '4136 1.414 4.2926 4.293h-12.986v2h12.896l-4.1855 3.9766 1.377 1.4492 6.7441-6.4062-6.7246-6.7266z"></path></svg>',
}


def govuk_pagination(params: dict[str, Any]) -> Markup:
    """``govukPagination(params)``, built in Python, for the numbered pages that ``pagination_params``
    gives (a list of pages, with a previous and a next link)."""
    _only(params, {"items", "previous", "next"})
    parts = ['<nav class="govuk-pagination" aria-label="Pagination">']
    if (params.get("previous") or {}).get("href"):
        parts.append(_page_arrow(params["previous"], "prev", "Previous"))
    parts.append('<ul class="govuk-pagination__list">')
    parts.extend(_page_item(item) for item in params["items"] if item)
    parts.append("</ul>")
    if (params.get("next") or {}).get("href"):
        parts.append(_page_arrow(params["next"], "next", "Next"))
    parts.append("</nav>")
    return _safe(parts)


def _page_arrow(link: dict[str, Any], kind: str, text: str) -> str:
    _only(link, {"href"})
    arrow = _ARROWS[kind]
    return (
        f'<div class="govuk-pagination__{kind}"><a class="govuk-link govuk-pagination__link" '
        f'href="{escape(link["href"])}" rel="{kind}">{arrow if kind == "prev" else ""}'
        f'<span class="govuk-pagination__link-title">{text}<span class="govuk-visually-hidden"> page</span></span>'
        f"{arrow if kind == 'next' else ''}</a></div>"
    )


def _page_item(item: dict[str, Any]) -> str:
    _only(item, {"number", "href", "current", "ellipsis"})
    if item.get("ellipsis"):
        return '<li class="govuk-pagination__item govuk-pagination__item--ellipsis">&ctdot;</li>'
    current = item.get("current")
    number, marked = escape(item["number"]), ' aria-current="page"' if current else ""
    return (
        f'<li class="{_classes("govuk-pagination__item", current and "govuk-pagination__item--current")}">'
        f'<a class="govuk-link govuk-pagination__link" href="{escape(item["href"])}" aria-label="Page {number}"'
        f"{marked}>{number}</a></li>"
    )


def _only(params: dict[str, Any], known: set[str]) -> None:
    unknown = set(params) - known
    if unknown:
        raise ValueError(f"not understood here (use the govuk-frontend-jinja macro): {', '.join(sorted(unknown))}")
