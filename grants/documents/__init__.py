"""Uploaded files: checked by content, stored under generated names, downloaded only by those allowed."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.documents import models  # noqa: F401
