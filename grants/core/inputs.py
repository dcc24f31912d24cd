"""GOV.UK form inputs built in Python: select, date input, radios, text input and textarea, the same markup
as the govuk-frontend-jinja macros (whitespace aside), for the forms of the busiest pages (a select of 300
places took 14 ms through the macro). ``grants.core.forms``' quick widgets render with them; only the
parameters listed are understood, anything else raises ValueError rather than being ignored.
``tests/core/test_templating.py`` holds each one to its macro's output."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from markupsafe import Markup, escape

from grants.core.components import _attributes, _classes, _only, _safe

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
    described_by: list[str] = []
    parts += _hint_and_error(id_, hint, error, described_by)
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
    described_by: list[str] = []
    inner = _hint_and_error(id_, hint, error, described_by)
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
    described_by: list[str] = []
    parts = _hint_and_error(prefix, hint, error, described_by)
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
    id_, error = escape(params.get("id") or params["name"]), params.get("errorMessage")
    described_by: list[str] = []
    parts = _labelled(id_, params, described_by)
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
    id_, error = escape(params.get("id") or params["name"]), params.get("errorMessage")
    described_by: list[str] = []
    parts = _labelled(id_, params, described_by)
    classes = _classes("govuk-textarea", error and "govuk-textarea--error", params.get("classes"))
    described = f' aria-describedby="{" ".join(described_by)}"' if described_by else ""
    rows, name = escape(params.get("rows") or 5), escape(params["name"])
    parts.append(
        f'<textarea class="{classes}" id="{id_}" name="{name}" rows="{rows}"{described}'
        f"{_attributes(params.get('attributes'))}>{escape(params.get('value', ''))}</textarea></div>"
    )
    return _safe(parts)


def _hint_and_error(
    id_: str, hint: dict[str, Any] | None, error: dict[str, Any] | None, described_by: list[str]
) -> list[str]:
    """A field's hint (its text and classes) and error message (its text), as the macros write them; their ids
    are added to ``described_by`` for the field's ``aria-describedby``."""
    parts = []
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
    return parts


def _labelled(id_: str, params: dict[str, Any], described_by: list[str]) -> list[str]:
    """The start of a text input or textarea: its form group, label, hint and error message, as the macros
    write them (the ids of the hint and error are added to ``described_by``)."""
    label, error = params.get("label") or {}, params.get("errorMessage")
    _only(label, {"text", "classes"})
    return [
        f'<div class="{_classes("govuk-form-group", error and "govuk-form-group--error")}">',
        f'<label class="{_classes("govuk-label", label.get("classes"))}" for="{id_}">',
        f"{escape(label.get('text', ''))}</label>",
        *_hint_and_error(id_, params.get("hint"), error, described_by),
    ]
