"""The GOV.UK components built in Python give the markup of the govuk-frontend-jinja macros."""

import re

import pytest
from flask import render_template_string, request
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovTextArea
from markupsafe import Markup
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice

from grants.core.components import govuk_pagination, govuk_summary_list, govuk_table, govuk_tag
from grants.core.forms import QuickGovRadioInput, QuickGovSelect, QuickGovTextArea
from grants.core.inputs import govuk_date_input, govuk_input, govuk_radios, govuk_select, govuk_textarea

MACROS = {
    "govukTable": "table",
    "govukTag": "tag",
    "govukSelect": "select",
    "govukDateInput": "date-input",
    "govukRadios": "radios",
    "govukTextarea": "textarea",
    "govukSummaryList": "summary-list",
    "govukPagination": "pagination",
    "govukInput": "input",
}


def macro(name: str, params: dict) -> str:
    path = f"govuk_frontend_jinja/components/{MACROS[name]}/macro.html"
    return render_template_string(f'{{% from "{path}" import {name} %}}{{{{ {name}(params) }}}}', params=params)


def same_markup(html: str) -> str:
    """Whitespace between and inside tags does not change what a browser shows."""
    html = re.sub(r">\s+", ">", str(html))
    html = re.sub(r"\s+<", "<", html)
    return " ".join(html.split())


TABLES = [
    {"rows": []},
    {
        "caption": "3 bids <ranked>",
        "captionClasses": "govuk-table__caption--m",
        "classes": "grants-ranking",
        "head": [{"html": "<span>Select</span>"}, {"text": "Rank", "format": "numeric"}, {"text": "B & C"}],
        "rows": [
            [{"html": Markup("<input>")}, {"text": 1, "format": "numeric"}, {"text": "<b>", "classes": "x"}],
            [],
            [{"text": ""}, {"text": None}, {"html": "", "text": "fallback", "colspan": 2}],
        ],
    },
    {
        "firstCellIsHeader": True,
        "head": [{"text": "Place"}, {"text": "Approved", "format": "numeric"}],
        "rows": [[{"text": "Wigan"}, {"text": "3", "format": "numeric"}]],
        "attributes": {"data-module": "x", "aria-hidden": True},
    },
]


@pytest.mark.parametrize("params", TABLES)
def test_the_table_is_the_macros(app, params):
    with app.test_request_context():
        assert same_markup(govuk_table(params)) == same_markup(macro("govukTable", params))


@pytest.mark.parametrize(
    "params",
    [{"text": "Approve"}, {"text": "<Reject>", "classes": "govuk-tag--red"}, {"html": "<b>In</b> effect"}],
)
def test_the_tag_is_the_macros(app, params):
    with app.test_request_context():
        assert same_markup(govuk_tag(params)) == same_markup(macro("govukTag", params))


SELECTS = [
    {
        "id": "place",
        "name": "place",
        "label": {"text": "Place", "classes": "govuk-label--s"},
        "items": [{"value": "", "text": "All places"}, {"value": 7, "text": "Wigan & Leigh", "selected": True}],
    },
    {
        "name": "theme",
        "label": {"text": "Theme"},
        "hint": {"text": "The issue <it> tackles", "classes": "grants-hint"},
        "errorMessage": {"text": "Choose a theme"},
        "classes": "govuk-!-width-full",
        "formGroup": {"classes": "grants-filter"},
        "attributes": {"required": "required"},
        "items": [{"value": True, "text": "Yes", "selected": False}, None, {"text": "No value", "disabled": True}],
    },
]


@pytest.mark.parametrize("params", SELECTS)
def test_the_select_is_the_macros(app, params):
    with app.test_request_context():
        assert same_markup(govuk_select(params)) == same_markup(macro("govukSelect", params))


def test_a_filters_items_start_with_everything_and_select_the_chosen_value(app):
    from grants.core.inputs import select_items

    items = select_items([(3, "Bolton"), (7, "Wigan & Leigh")], 7, "All places")
    assert items == [
        {"value": "", "text": "All places"},
        {"value": 3, "text": "Bolton", "selected": False},
        {"value": 7, "text": "Wigan & Leigh", "selected": True},
    ]
    assert select_items([("care", "Care")], None, "All themes")[1]["selected"] is False
    params = {"id": "place", "name": "place", "label": {"text": "Place"}, "items": items}
    with app.test_request_context():
        assert same_markup(govuk_select(params)) == same_markup(macro("govukSelect", params))


def _day_parts(*values, error=False):
    widths = {"day": 2, "month": 2, "year": 4}
    return [
        {"name": name, "label": name.capitalize(), "value": value, "classes": f"govuk-input--width-{widths[name]}"}
        | ({"classes": f"govuk-input--width-{widths[name]} govuk-input--error"} if error else {})
        for name, value in zip(widths, values, strict=True)
    ]


DATE_INPUTS = [
    {
        "id": "since",
        "namePrefix": "since",
        "items": _day_parts("", "", ""),
        "fieldset": {"legend": {"text": "From", "classes": "govuk-fieldset__legend--s"}},
        "hint": {"text": "For example, 27 3 2027"},
    },
    {
        "id": "until",
        "namePrefix": "until",
        "items": _day_parts("31", "<2>", "2027", error=True),
        "fieldset": {"legend": {"text": "To & after"}},
        "hint": {"text": "For example, 27 3 2027"},
        "errorMessage": {"text": "Enter a real <date>"},
    },
    {
        "id": "on",
        "items": [  # a label from the name, no value (the macro leaves a space after the classes without any)
            {"name": "day", "value": None, "classes": "govuk-input--width-2"},
            {"name": "month", "label": "Month", "classes": "govuk-input--width-2"},
            {"name": "year", "value": 2027, "classes": "govuk-input--width-4"},
        ],
        "fieldset": {"legend": {"text": "On"}},
    },
]


@pytest.mark.parametrize("params", DATE_INPUTS)
def test_the_date_input_is_the_macros(app, params):
    with app.test_request_context():
        assert same_markup(govuk_date_input(params)) == same_markup(macro("govukDateInput", params))


RADIOS = [
    {
        "name": "rag",
        "items": [{"text": "Red", "value": "red"}, {"text": "Use the latest <update>'s", "value": "clear"}],
        "hint": {"text": ""},
        "fieldset": {"legend": {"text": "The project's RAG", "classes": "govuk-fieldset__legend--s"}},
        "classes": "govuk-radios--inline govuk-radios--small",
    },
    {
        "name": "kind",
        "idPrefix": "what-kind",
        "items": [
            {"text": "Workshop", "value": "workshop"},
            None,
            {"text": "Other", "value": "other", "checked": True},
        ],
        "hint": {"text": "What <kind> of work"},
        "errorMessage": {"text": "Choose a kind"},
        "fieldset": {"legend": {"text": "Kind"}},
    },
    {
        "name": "plain",
        "items": [{"text": "Yes", "value": "yes", "checked": False}, {"text": "No", "value": "no"}],
        "fieldset": {"legend": {"text": "Plain?"}},
    },
]


@pytest.mark.parametrize("params", RADIOS)
def test_the_radios_are_the_macros(app, params):
    with app.test_request_context():
        assert same_markup(govuk_radios(params)) == same_markup(macro("govukRadios", params))


def test_the_quick_radios_widget_gives_the_same_page_and_falls_back_to_the_macro(app):
    class Choice(FlaskForm):
        class Meta:
            csrf = False

        rag = RadioField(
            "RAG", choices=[SelectChoice("red", "Red"), SelectChoice("green", "Green")], widget=QuickGovRadioInput()
        )

    with app.test_request_context("/?rag=green"):
        form = Choice(request.args)
        form.rag.errors = ["Choose a RAG"]
        quick = form.rag(params={"classes": "govuk-radios--inline"})
        assert 'id="rag-2" name="rag" type="radio" value="green" checked>' in quick
        assert 'aria-describedby="rag-hint rag-error"' in quick
        assert same_markup(quick) == same_markup(GovRadioInput()(form.rag, params={"classes": "govuk-radios--inline"}))
        with_a_hint = form.rag(params={"items": [{"hint": {"text": "Off track"}}]})
        assert 'id="rag-item-hint"' in with_a_hint


TEXTAREAS = [
    {"id": "reason", "name": "reason", "label": {"text": "Why"}, "attributes": {}, "value": "", "rows": 2},
    {
        "name": "risks",
        "label": {"text": "Risks & <issues>", "classes": "govuk-label--s"},
        "hint": {"text": "What could <go> wrong"},
        "errorMessage": {"text": "Risks must be 2000 characters or fewer"},
        "value": "</textarea><script>",
        "classes": "grants-wide",
        "attributes": {"required": "required", "maxlength": 2000},
    },
    {"name": "note", "label": {"text": "Note"}, "hint": {"text": "Kept <private>", "classes": "grants-hint"}},
]


@pytest.mark.parametrize("params", TEXTAREAS)
def test_the_textarea_is_the_macros(app, params):
    with app.test_request_context():
        assert same_markup(govuk_textarea(params)) == same_markup(macro("govukTextarea", params))


SUMMARY_LISTS = [
    {"rows": []},
    {
        "classes": "govuk-summary-list--no-border",
        "attributes": {"id": "money"},
        "rows": [
            {"key": {"text": "Awarded"}, "value": {"text": "£27,000.00 to 1 project"}},
            None,
            {"key": {"html": "<b>Released</b>", "classes": "x"}, "value": {"text": "<£0>", "classes": "y"}},
        ],
    },
    {
        "rows": [
            {
                "key": {"text": "Progress reports"},
                "value": {"text": "3"},
                "actions": {"items": [{"href": "/r?a=1&b=2", "text": "See them", "visuallyHiddenText": "overdue <r>"}]},
            },
            {"key": {"text": "Reviews"}, "value": {"text": "0"}, "actions": {"items": []}, "classes": "grants-row"},
            {
                "key": {"text": "Conditions"},
                "value": {"html": "<strong>2</strong>"},
                "actions": {
                    "classes": "z",
                    "items": [
                        {"href": "/a", "text": "Change", "classes": "govuk-link--no-visited-state"},
                        {"href": "/b", "html": "<em>Waive</em>", "visuallyHiddenText": "a condition"},
                    ],
                },
            },
        ]
    },
    {
        "rows": [
            {"key": {"text": "Lead <organisation>"}, "value": {"text": "Wigan & Leigh"}},
            None,
            {"key": {"text": "Grant"}, "value": {"html": Markup('£27,000 · <a href="/f">Tranches</a>')}},
            {
                "key": {"text": "Enabler"},
                "value": {"text": "Ann"},
                "actions": {"items": [{"href": "/m?a=1&b=2", "text": "Change", "visuallyHiddenText": "enabler"}]},
            },
            {"key": {"text": "Messages", "classes": "k"}, "value": {"text": "", "classes": "v"}, "actions": {}},
        ]
    },
    {
        "classes": "govuk-summary-list--no-border",
        "rows": [
            {
                "key": {"html": "<b>Place</b>"},
                "value": {"text": "Wigan"},
                "classes": "grants-row",
                "actions": {
                    "classes": "grants-actions",
                    "items": [
                        {"href": "/a", "text": "Change"},
                        {"href": "/b", "html": "<i>Remove</i>", "classes": "x"},
                    ],
                },
            }
        ],
    },
    {"rows": [{"key": {"text": "Runs"}, "value": {"text": "1 April 2026 to 31 March 2027"}, "actions": {}}]},
]


@pytest.mark.parametrize("params", SUMMARY_LISTS)
def test_the_summary_list_is_the_macros(app, params):
    with app.test_request_context():
        assert same_markup(govuk_summary_list(params)) == same_markup(macro("govukSummaryList", params))


def test_the_quick_textarea_widget_gives_the_same_page_and_falls_back_to_the_macro(app):
    class Note(FlaskForm):
        class Meta:
            csrf = False

        reason = TextAreaField("Why", widget=QuickGovTextArea())

    with app.test_request_context("/?reason=Off+%3Ctrack%3E"):
        form = Note(request.args)
        form.reason.errors = ["Give a reason"]
        quick = form.reason(params={"rows": 2})
        assert 'rows="2" aria-describedby="reason-error">Off &lt;track&gt;</textarea>' in quick
        assert same_markup(quick) == same_markup(GovTextArea()(form.reason, params={"rows": 2}))
        with_spellcheck = form.reason(params={"spellcheck": False})
        assert 'spellcheck="false"' in with_spellcheck


def _pages(current: int, numbers: list[int | None]) -> list[dict]:
    return [
        {"ellipsis": True}
        if number is None
        else {"number": number, "href": f"/p?q=a&b&page={number}", "current": number == current}
        for number in numbers
    ]


PAGINATIONS = [
    {"items": _pages(1, [1, 2, None, 50]), "next": {"href": "/p?page=2"}},
    {
        "items": _pages(7, [1, None, 6, 7, 8, None, 50]),
        "previous": {"href": "/p?page=6"},
        "next": {"href": "/p?page=8"},
    },
    {"items": _pages(50, [1, None, 49, 50]), "previous": {"href": "/p?page=49"}},
]


@pytest.mark.parametrize("params", PAGINATIONS)
def test_the_pagination_is_the_macros(app, params):
    with app.test_request_context():
        assert same_markup(govuk_pagination(params)) == same_markup(macro("govukPagination", params))


INPUTS = [
    {
        "label": {"text": "Search", "classes": "govuk-label--s"},
        "id": "q",
        "name": "q",
        "type": "search",
        "value": "hospital <discharge> & home",
        "hint": {"text": "Words in the title, summary or story"},
        "spellcheck": False,
    },
    {"name": "hours", "label": {"text": "Hours"}, "value": 0, "classes": "govuk-input--width-4", "spellcheck": True},
    {
        "name": "reference",
        "label": {"text": "Reference"},
        "value": False,
        "autocomplete": "off",
        "errorMessage": {"text": "Enter a <reference>"},
    },
    {"name": "q", "label": {"text": "Search"}, "value": "", "spellcheck": "no"},
]


@pytest.mark.parametrize("params", INPUTS)
def test_the_input_is_the_macros(app, params):
    with app.test_request_context():
        assert same_markup(govuk_input(params)) == same_markup(macro("govukInput", params))


def test_what_is_not_understood_is_refused_not_ignored():
    with pytest.raises(ValueError, match="isPageHeading"):
        govuk_select({"name": "x", "label": {"text": "X", "isPageHeading": True}})
    with pytest.raises(ValueError, match="firstCellIsHeaders"):
        govuk_table({"firstCellIsHeaders": True})
    with pytest.raises(ValueError, match="prefix"):
        govuk_input({"name": "amount", "label": {"text": "Amount"}, "prefix": {"text": "£"}})
    with pytest.raises(ValueError, match="landmarkLabel"):
        govuk_pagination({"items": [], "landmarkLabel": "Pages of results"})
    with pytest.raises(ValueError, match="card"):
        govuk_summary_list({"rows": [], "card": {"title": {"text": "Bid"}}})
    with pytest.raises(ValueError, match="fieldset"):
        govuk_radios({"name": "x", "items": [{"text": "X", "value": "x"}]})
    with pytest.raises(ValueError, match="conditional"):
        item = {"text": "X", "value": "x", "conditional": {"html": "<p>"}}
        govuk_radios({"name": "x", "items": [item], "fieldset": {"legend": {"text": "X"}}})
    with pytest.raises(ValueError, match="isPageHeading"):
        govuk_date_input({"id": "on", "items": [], "fieldset": {"legend": {"text": "On", "isPageHeading": True}}})


def test_the_quick_select_widget_gives_the_same_page_and_falls_back_to_the_macro(app):
    class Filters(FlaskForm):
        class Meta:
            csrf = False

        place = SelectField(
            "Place", choices=[SelectChoice("", "All places"), SelectChoice("1", "Bolton")], widget=QuickGovSelect()
        )

    with app.test_request_context("/?place=1"):
        form = Filters(request.args)
        form.place.errors = ["Choose a place"]
        quick = form.place()
        assert 'aria-describedby="place-error"' in quick and '<option value="1" selected>Bolton</option>' in quick
        assert same_markup(quick) == same_markup(GovSelect()(form.place))
        heading = form.place(params={"label": {"isPageHeading": True}})
        assert '<h1 class="govuk-label-wrapper">' in heading


def test_a_bars_width_is_its_share_to_the_whole_percent_and_shows_when_above_nothing():
    from grants.core.components import bar_width

    assert bar_width(50, 200) == "grants-w-25"
    assert bar_width(200, 200) == "grants-w-100"
    assert bar_width(1, 1000) == "grants-w-1"  # a sliver, not nothing
    assert bar_width(0, 1000) == bar_width(5, 0) == "grants-w-0"
    assert bar_width(3.2, 5) == "grants-w-64"


def test_no_page_template_writes_an_inline_style_the_pages_policy_would_refuse():
    """``style-src 'self'``: a style attribute on a page is dropped by the browser (emails and PDFs,
    which no policy covers, may carry them)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    found = [
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if path.relative_to(root).parts[0] not in ("email", "pdf") and 'style="' in path.read_text()
    ]
    assert found == []


def test_each_template_has_the_environments_globals_as_a_plain_dictionary(app):
    """A ``ChainMap`` made every macro import look up each global in Python (``TemplateEnvironment``)."""
    with app.app_context():
        template = app.jinja_env.get_template("base.html")
    assert type(template.globals) is dict
    assert template.globals == dict(app.jinja_env.globals)
