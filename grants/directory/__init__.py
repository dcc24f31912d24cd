"""The programme's directory: organisations (with their sectors and identifiers), places and themes."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.directory import models  # noqa: F401
