"""Funding pages, one blueprint (``funding``) in a module per group of pages: the portfolio for finance,
a project's agreement, schedule, conditions and their waivers, match funding, and the two signatures on
every release. Every change goes through ``grants.core.actions``."""

from grants.funding.routes import agreement, conditions, match, portfolio, release, schedule, waivers
from grants.funding.routes.pages import bp

__all__ = ["agreement", "bp", "conditions", "match", "portfolio", "release", "schedule", "waivers"]
