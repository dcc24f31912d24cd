"""Template filters and globals shared by every area."""

from __future__ import annotations

from flask import Flask, current_app
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from markupsafe import Markup

from grants.core.money import format_pence
from grants.core.navigation import service_navigation
from grants.core.pagination import pagination_params
from grants.core.permissions import ROLE_LABELS, Role
from grants.core.times import format_date, format_datetime


def html(template: str, *values) -> Markup:
    """A fragment of HTML with each value escaped: ``html("<strong>{}</strong>", name)``."""
    # The fragment is written in a template by us, never taken from input; format() escapes every value.
    return Markup(template).format(*values)  # noqa: S704  # nosec B704


def link(href: str, text: str, hidden: str | None = None, classes: str = "govuk-link") -> Markup:
    """A link, its text escaped; ``hidden`` adds visually hidden words for screen readers."""
    extra = Markup('<span class="govuk-visually-hidden"> {}</span>').format(hidden) if hidden else ""
    return Markup('<a class="{}" href="{}">{}{}</a>').format(classes, href, text, extra)


def paragraphs(value: str | None, classes: str = "govuk-body") -> Markup:
    """Text as people wrote it: a paragraph for each blank-line-separated block, line breaks kept."""
    blocks = [block.strip() for block in (value or "").replace("\r\n", "\n").split("\n\n") if block.strip()]
    return Markup("").join(
        Markup('<p class="{}">{}</p>').format(classes, Markup("<br>").join(block.split("\n"))) for block in blocks
    )


def format_number(value) -> str:
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


def init_templating(app: Flask, templates_dir) -> None:
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
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.add_template_filter(format_pence, "money")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(role_label, "role_label")
    app.add_template_filter(format_number, "number")
    app.add_template_filter(paragraphs, "paragraphs")
    app.add_template_global(pagination_params)
    app.add_template_global(html)
    app.add_template_global(link)
    app.add_template_global(service_navigation)

    @app.context_processor
    def _service():
        config = current_app.config
        return {
            "service_name": config["SERVICE_NAME"],
            "service_phase": config["SERVICE_PHASE"],
            "support_email": config["SUPPORT_EMAIL"],
        }
