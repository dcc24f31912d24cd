"""Template filters and globals shared by every area."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from flask.templating import Environment
from jinja2 import ChoiceLoader, FileSystemBytecodeCache, FileSystemLoader, PackageLoader, PrefixLoader
from markupsafe import Markup, escape

from grants.core.components import bar_width, govuk_pagination, govuk_summary_list, govuk_table, govuk_tag
from grants.core.inputs import govuk_date_input, govuk_input, govuk_select, select_items
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
