"""Conversations on bids and projects between the programme team, the applicant's organisation and the
project's enabler; clarification requests shown to those assessing a bid."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.conversations import models  # noqa: F401
    from grants.conversations.routes import bp

    app.register_blueprint(bp)
