"""Project monitoring: milestones, progress reports reviewed by the programme team, and outcome
measures with their values over time."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.core.permissions import Role
    from grants.funding.services.conditions import register_evaluator
    from grants.main.dashboard import register_dashboard_link
    from grants.monitoring import models  # noqa: F401
    from grants.monitoring.routes import bp
    from grants.monitoring.services import reports_accepted_for, reports_condition_label

    app.register_blueprint(bp)
    register_evaluator("report_accepted", reports_accepted_for, label=reports_condition_label)
    register_dashboard_link(Role.PROGRAMME_OFFICER, "Progress reports to review", "monitoring.reports")
