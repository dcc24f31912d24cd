"""Reminders: periodic sweeps that email people what is due, once per person, subject and period."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.core.cli import register_job
    from grants.core.signals import tranche_became_eligible
    from grants.reminders import render, tasks  # noqa: F401  (registers renderers and the Celery task)
    from grants.reminders.cli import run_reminders_command
    from grants.reminders.routes import bp

    app.register_blueprint(bp)
    register_job(run_reminders_command)
    tranche_became_eligible.connect(_tell_officers, weak=False)


def _tell_officers(tranche_id: int, **_) -> None:
    from grants.reminders.sweep import tell_officers_tranche_eligible

    tell_officers_tranche_eligible(tranche_id)
