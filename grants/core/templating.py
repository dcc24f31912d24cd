"""Template filters and globals shared by every area."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, current_app
from flask.templating import Environment
from jinja2 import ChoiceLoader, FileSystemBytecodeCache, FileSystemLoader, PackageLoader, PrefixLoader
from markupsafe import Markup, escape

from grants.core.money import format_pence
from grants.core.navigation import service_navigation
from grants.core.pagination import pagination_params
from grants.core.permissions import ROLE_LABELS, Role
from grants.core.times import format_date, format_datetime


def html(template: str, *values: object) -> Markup:
    """A fragment of HTML with each value escaped: ``html("<strong>{}</strong>", name)``."""
    # The fragment is written in a template by us, never taken from input; every value is escaped. (As
    # Markup(template).format(*values), for plain {} fields, without its formatter's slow Python path.)
    return Markup(template.format(*map(escape, values)))  # noqa: S704  # nosec B704


def link(href: str, text: str, hidden: str | None = None, classes: str = "govuk-link") -> Markup:
    """A link, its text escaped; ``hidden`` adds visually hidden words for screen readers."""
    extra = f'<span class="govuk-visually-hidden"> {escape(hidden)}</span>' if hidden else ""
    return Markup(f'<a class="{escape(classes)}" href="{escape(href)}">{escape(text)}{extra}</a>')  # noqa: S704  # nosec B704


def reference(value: str | None) -> Markup:
    """A bid's or project's reference (``LV2-0005``) as one word, never broken at its hyphen."""
    return Markup('<span class="grants-reference">{}</span>').format(value or "")


def paragraphs(value: str | None, classes: str = "govuk-body") -> Markup:
    """Text as people wrote it: a paragraph for each blank-line-separated block, line breaks kept."""
    blocks = [block.strip() for block in (value or "").replace("\r\n", "\n").split("\n\n") if block.strip()]
    return Markup("").join(
        Markup('<p class="{}">{}</p>').format(classes, Markup("<br>").join(block.split("\n"))) for block in blocks
    )


# --- GOV.UK components built in Python -------------------------------------------------------------
# The same markup as the govuk-frontend-jinja macros (whitespace aside), for the long lists of the busiest
# pages: the macros call another macro for every cell, option and attribute, so a table of 50 rows took
# 10–20 ms to render, and a select of 300 places 14 ms. Only the parameters listed are understood;
# anything else raises ValueError rather than being ignored.


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


SELECT_PARAMS = {"id", "name", "label", "hint", "errorMessage", "items", "classes", "attributes", "formGroup"}


def govuk_select(params: dict[str, Any]) -> Markup:
    """``govukSelect(params)``, built in Python: an option is selected if its item says so."""
    _only(params, SELECT_PARAMS)
    id_ = escape(params.get("id") or params["name"])
    label, hint, error = params.get("label") or {}, params.get("hint"), params.get("errorMessage")
    form_group = params.get("formGroup") or {}
    _only(label, {"text", "classes"})
    _only(form_group, {"classes", "attributes"})
    classes = _classes("govuk-form-group", error and "govuk-form-group--error", form_group.get("classes"))
    parts = [f'<div class="{classes}"{_attributes(form_group.get("attributes"))}>']
    if label.get("text"):
        classes = _classes("govuk-label", label.get("classes"))
        parts.append(f'<label class="{classes}" for="{id_}">{escape(label["text"])}</label>')
    described_by = []
    if hint:
        _only(hint, {"text", "classes"})
        described_by.append(f"{id_}-hint")
        classes = _classes("govuk-hint", hint.get("classes"))
        parts.append(f'<div id="{id_}-hint" class="{classes}">{escape(hint.get("text", ""))}</div>')
    if error:
        _only(error, {"text"})
        described_by.append(f"{id_}-error")
        parts.append(
            f'<p id="{id_}-error" class="govuk-error-message">'
            f'<span class="govuk-visually-hidden">Error:</span> {escape(error.get("text", ""))}</p>'
        )
    classes = _classes("govuk-select", params.get("classes"), error and "govuk-select--error")
    described = f' aria-describedby="{" ".join(described_by)}"' if described_by else ""
    parts.append(
        f'<select class="{classes}" id="{id_}" name="{escape(params["name"])}"{described}'
        f"{_attributes(params.get('attributes'))}>"
    )
    parts.extend(_option(item) for item in params.get("items") or [] if item)
    parts.append("</select></div>")
    return _safe(parts)


def select_items(choices: Iterable[tuple[Any, Any]], selected: object, first: str) -> list[dict[str, Any]]:
    """``govuk_select`` items for a filter: ``first`` (no filter, value ``""``), then each ``(value, text)``
    of ``choices`` in their order, the one equal to ``selected`` selected. Built here rather than by a loop
    in the template, which took milliseconds for a list of 300 places."""
    items: list[dict[str, Any]] = [{"value": "", "text": first}]
    items.extend({"value": value, "text": text, "selected": value == selected} for value, text in choices)
    return items


def _option(item: dict[str, Any]) -> str:
    _only(item, {"value", "text", "selected", "disabled"})
    value = ""
    if "value" in item:
        value = item["value"]
        value = f' value="{escape(str(value).lower() if isinstance(value, bool) else value)}"'
    selected = " selected" if item.get("selected") else ""
    disabled = " disabled" if item.get("disabled") else ""
    return f"<option{value}{selected}{disabled}>{escape(item.get('text', ''))}</option>"


DATE_INPUT_PARAMS = {"id", "namePrefix", "items", "fieldset", "hint", "errorMessage"}


def govuk_date_input(params: dict[str, Any]) -> Markup:
    """``govukDateInput(params)``, built in Python, in its fieldset: the macro renders a whole input
    component for each of the day, month and year (7 ms for a pair of them on a project's page)."""
    _only(params, DATE_INPUT_PARAMS)
    id_, hint, error = escape(params["id"]), params.get("hint"), params.get("errorMessage")
    legend = (params.get("fieldset") or {}).get("legend") or {}
    _only(params.get("fieldset") or {}, {"legend"})
    _only(legend, {"text", "classes"})
    described_by, inner = [], []
    if hint:
        _only(hint, {"text"})
        described_by.append(f"{id_}-hint")
        inner.append(f'<div id="{id_}-hint" class="govuk-hint">{escape(hint.get("text", ""))}</div>')
    if error:
        _only(error, {"text"})
        described_by.append(f"{id_}-error")
        inner.append(
            f'<p id="{id_}-error" class="govuk-error-message">'
            f'<span class="govuk-visually-hidden">Error:</span> {escape(error.get("text", ""))}</p>'
        )
    inner.append(f'<div class="govuk-date-input" id="{id_}">')
    inner.extend(_date_part(params, item) for item in params["items"])
    inner.append("</div>")
    described = f' aria-describedby="{" ".join(described_by)}"' if described_by else ""
    return _safe(
        [
            f'<div class="{_classes("govuk-form-group", error and "govuk-form-group--error")}">',
            f'<fieldset class="govuk-fieldset" role="group"{described}>',
            f'<legend class="{_classes("govuk-fieldset__legend", legend.get("classes"))}">'
            f"{escape(legend.get('text', ''))}</legend>",
            *inner,
            "</fieldset></div>",
        ]
    )


def _date_part(params: dict[str, Any], item: dict[str, Any]) -> str:
    """One of a date input's boxes (day, month or year), with its label."""
    _only(item, {"name", "label", "value", "classes"})
    id_ = escape(f"{params['id']}-{item['name']}")
    name = escape(f"{params['namePrefix']}-{item['name']}" if params.get("namePrefix") else item["name"])
    value = "" if item.get("value") is None else f' value="{escape(item["value"])}"'
    classes = _classes("govuk-input govuk-date-input__input", item.get("classes"))
    label = escape(item.get("label") or item["name"].capitalize())
    return (
        '<div class="govuk-date-input__item"><div class="govuk-form-group">'
        f'<label class="govuk-label govuk-date-input__label" for="{id_}">{label}</label>'
        f'<input class="{classes}" id="{id_}" name="{name}" type="text"{value} inputmode="numeric"></div></div>'
    )


RADIOS_PARAMS = {"name", "idPrefix", "items", "hint", "errorMessage", "fieldset", "classes"}


def govuk_radios(params: dict[str, Any]) -> Markup:
    """``govukRadios(params)``, built in Python, in a fieldset (as every form field's radios are): each item
    is checked if it says so (the macro's ``value`` parameter is not understood). Without conditional
    reveals, item hints or dividers."""
    _only(params, RADIOS_PARAMS)
    if not params.get("fieldset"):
        raise ValueError("radios without a fieldset need the govuk-frontend-jinja macro")
    prefix = escape(params.get("idPrefix") or params["name"])
    hint, error, fieldset = params.get("hint"), params.get("errorMessage"), params["fieldset"]
    _only(fieldset, {"legend"})
    legend = fieldset.get("legend") or {}
    _only(legend, {"text", "classes"})
    described_by, parts = [], []
    if hint:
        _only(hint, {"text"})
        described_by.append(f"{prefix}-hint")
        parts.append(f'<div id="{prefix}-hint" class="govuk-hint">{escape(hint.get("text", ""))}</div>')
    if error:
        _only(error, {"text"})
        described_by.append(f"{prefix}-error")
        parts.append(
            f'<p id="{prefix}-error" class="govuk-error-message">'
            f'<span class="govuk-visually-hidden">Error:</span> {escape(error.get("text", ""))}</p>'
        )
    parts.append(f'<div class="{_classes("govuk-radios", params.get("classes"))}" data-module="govuk-radios">')
    name = escape(params["name"])
    for number, item in enumerate(params.get("items") or [], start=1):
        if item:
            parts.append(_radio(prefix if number == 1 else f"{prefix}-{number}", name, item))
    parts.append("</div>")
    described = f' aria-describedby="{" ".join(described_by)}"' if described_by else ""
    classes = _classes("govuk-fieldset__legend", legend.get("classes"))
    return _safe(
        [
            f'<div class="{_classes("govuk-form-group", error and "govuk-form-group--error")}">',
            f'<fieldset class="govuk-fieldset"{described}>',
            f'<legend class="{classes}">{escape(legend.get("text", ""))}</legend>' if legend else "",
            *parts,
            "</fieldset></div>",
        ]
    )


def _radio(id_: str, name: str, item: dict[str, Any]) -> str:
    """One radio and its label; the first's id is the bare prefix, for the error summary to link to."""
    _only(item, {"text", "value", "checked"})
    checked = " checked" if item.get("checked") else ""
    return (
        f'<div class="govuk-radios__item"><input class="govuk-radios__input" id="{id_}" name="{name}" type="radio"'
        f' value="{escape(item.get("value", ""))}"{checked}>'
        f'<label class="govuk-label govuk-radios__label" for="{id_}">{escape(item.get("text", ""))}</label></div>'
    )


INPUT_PARAMS = {"id", "name", "type", "value", "label", "hint", "errorMessage", "spellcheck", "classes", "autocomplete"}


def govuk_input(params: dict[str, Any]) -> Markup:
    """``govukInput(params)``, built in Python: without a prefix, suffix or attributes."""
    _only(params, INPUT_PARAMS)
    id_ = escape(params.get("id") or params["name"])
    label, hint, error = params.get("label") or {}, params.get("hint"), params.get("errorMessage")
    _only(label, {"text", "classes"})
    parts = [f'<div class="{_classes("govuk-form-group", error and "govuk-form-group--error")}">']
    parts.append(f'<label class="{_classes("govuk-label", label.get("classes"))}" for="{id_}">')
    parts.append(f"{escape(label.get('text', ''))}</label>")
    described_by = []
    if hint:
        _only(hint, {"text"})
        described_by.append(f"{id_}-hint")
        parts.append(f'<div id="{id_}-hint" class="govuk-hint">{escape(hint.get("text", ""))}</div>')
    if error:
        _only(error, {"text"})
        described_by.append(f"{id_}-error")
        parts.append(
            f'<p id="{id_}-error" class="govuk-error-message">'
            f'<span class="govuk-visually-hidden">Error:</span> {escape(error.get("text", ""))}</p>'
        )
    optional = {
        "spellcheck": str(params["spellcheck"]).lower() if isinstance(params.get("spellcheck"), bool) else None,
        "value": params.get("value"),
        "aria-describedby": " ".join(described_by) or None,
        "autocomplete": params.get("autocomplete"),
    }
    classes = _classes("govuk-input", params.get("classes"), error and "govuk-input--error")
    name, type_ = escape(params["name"]), escape(params.get("type") or "text")
    # An optional attribute is left out when it is None or False (as the macros' ``optional``), not when 0.
    given = "".join(
        f' {key}="{escape(value)}"' for key, value in optional.items() if value is not None and value is not False
    )
    parts.append(f'<input class="{classes}" id="{id_}" name="{name}" type="{type_}"{given}></div>')
    return _safe(parts)


TEXTAREA_PARAMS = {"id", "name", "label", "hint", "errorMessage", "value", "rows", "classes", "attributes"}


def govuk_textarea(params: dict[str, Any]) -> Markup:
    """``govukTextarea(params)``, built in Python."""
    _only(params, TEXTAREA_PARAMS)
    id_ = escape(params.get("id") or params["name"])
    label, hint, error = params.get("label") or {}, params.get("hint"), params.get("errorMessage")
    _only(label, {"text", "classes"})
    parts = [f'<div class="{_classes("govuk-form-group", error and "govuk-form-group--error")}">']
    parts.append(f'<label class="{_classes("govuk-label", label.get("classes"))}" for="{id_}">')
    parts.append(f"{escape(label.get('text', ''))}</label>")
    described_by = []
    if hint:
        _only(hint, {"text"})
        described_by.append(f"{id_}-hint")
        parts.append(f'<div id="{id_}-hint" class="govuk-hint">{escape(hint.get("text", ""))}</div>')
    if error:
        _only(error, {"text"})
        described_by.append(f"{id_}-error")
        parts.append(
            f'<p id="{id_}-error" class="govuk-error-message">'
            f'<span class="govuk-visually-hidden">Error:</span> {escape(error.get("text", ""))}</p>'
        )
    classes = _classes("govuk-textarea", error and "govuk-textarea--error", params.get("classes"))
    described = f' aria-describedby="{" ".join(described_by)}"' if described_by else ""
    rows, name = escape(params.get("rows") or 5), escape(params["name"])
    parts.append(
        f'<textarea class="{classes}" id="{id_}" name="{name}" rows="{rows}"{described}'
        f"{_attributes(params.get('attributes'))}>{escape(params.get('value'))}</textarea></div>"
    )
    return _safe(parts)


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


def format_number(value: float | None) -> str:
    """``1900.0`` → ``1,900``; ``12.5`` → ``12.5``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}"


def role_label(role: str) -> str:
    try:
        return ROLE_LABELS[Role(role)]
    except ValueError:
        return role


class TemplateEnvironment(Environment):
    """Flask's Jinja environment, each template's globals a plain dictionary taken when it is loaded.

    Jinja gives each template a ``ChainMap`` of its own globals over the environment's, so that globals
    added after a template is loaded still reach it, which its documentation asks us not to do anyway
    ("avoid modifying any globals after a template is loaded"): every global is added in ``create_app``,
    before any template is loaded. The ``ChainMap`` costs every ``{% from … import … %}`` a Python-level
    look-up of each global to see whether the importing template has globals the imported one lacks:
    a GOV.UK page imports some twenty macros, and these look-ups were a third of rendering a short page.
    With a dictionary the same comparison is a set operation in C."""

    def make_globals(self, d: Any = None) -> Any:
        return {**self.globals, **(d or {})}


class GrantsFlask(Flask):
    """Grants' Flask application: Flask with the template environment above."""

    jinja_environment = TemplateEnvironment


def init_templating(app: Flask, templates_dir: object) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(templates_dir)),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    if app.config.get("TEMPLATE_BYTECODE_CACHE"):
        app.jinja_env.bytecode_cache = FileSystemBytecodeCache()  # see config.py
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.add_template_filter(format_pence, "money")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(role_label, "role_label")
    app.add_template_filter(format_number, "number")
    app.add_template_filter(paragraphs, "paragraphs")
    app.add_template_filter(reference, "reference")
    app.add_template_global(pagination_params)
    app.add_template_global(html)
    app.add_template_global(link)
    app.add_template_global(govuk_table)
    app.add_template_global(govuk_tag)
    app.add_template_global(govuk_summary_list)
    app.add_template_global(bar_width)
    app.add_template_global(govuk_select)
    app.add_template_global(select_items)
    app.add_template_global(govuk_date_input)
    app.add_template_global(govuk_pagination)
    app.add_template_global(govuk_input)
    app.add_template_global(service_navigation)

    @app.context_processor
    def _service() -> dict[str, str]:
        config = current_app.config
        return {
            "service_name": config["SERVICE_NAME"],
            "service_phase": config["SERVICE_PHASE"],
            "support_email": config["SUPPORT_EMAIL"],
        }
