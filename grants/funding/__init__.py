"""Money for projects: grant agreements, tranches and match funding."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.funding import models  # noqa: F401
