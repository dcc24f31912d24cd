"""Reminders: periodic sweeps that email people what is due, once per person, subject and period."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.reminders import render, tasks  # noqa: F401  (registers renderers and the Celery task)
    from grants.reminders.routes import bp

    app.register_blueprint(bp)
