"""Funded projects: created from approved bids."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.projects import models  # noqa: F401
