"""Learning-sharing commitments and what projects learn."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.learning import models  # noqa: F401
