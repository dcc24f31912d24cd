"""Project monitoring: milestones, progress reports reviewed by the programme team, and outcome
measures with their values over time. A project's close-out waits for its final report, accepted;
once the project has finished, its monitoring is kept as it stood."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.core.dashboard import register_dashboard_link
    from grants.core.navigation import register_nav
    from grants.core.permissions import Role
    from grants.core.queues import register_queue
    from grants.funding.services.conditions import register_evaluator
    from grants.monitoring import models  # noqa: F401
    from grants.monitoring.ending import closeout_left
    from grants.monitoring.routes import bp
    from grants.monitoring.services import reports_accepted_for, reports_condition_label
    from grants.projects.ending import on_closeout_check
    from grants.projects.services import on_project_set_up

    app.register_blueprint(bp)
    register_evaluator("report_accepted", reports_accepted_for, label=reports_condition_label)
    on_project_set_up(_set_up_monitoring, order=20)
    on_closeout_check(closeout_left, order=10)
    register_dashboard_link(Role.PROGRAMME_OFFICER, "Progress reports to review", "monitoring.reports")
    register_nav(
        "Progress reports",
        "monitoring.reports",
        group="projects",
        description="The reports projects send on their progress, to accept or return with changes asked for.",
        roles=[Role.PROGRAMME_OFFICER],
        order=40,
    )
    register_queue(Role.PROGRAMME_OFFICER, "monitoring.reports", _reports_to_review, order=30)
    register_queue(Role.APPLICANT, "monitoring.changes", _changes_asked, order=40)
    register_queue(Role.APPLICANT, "monitoring.reports", _reports_due, order=50)


def _changes_asked(user):
    from grants.monitoring.applicant_queues import changes_asked

    return changes_asked(user)


def _reports_due(user):
    from grants.monitoring.applicant_queues import reports_due

    return reports_due(user)


def _set_up_monitoring(project, application, *, months, actor=None):
    from grants.monitoring.services import set_up_monitoring

    set_up_monitoring(project, application, actor=actor)


def _reports_to_review(user):
    from grants.monitoring.officer_queues import reports_to_review

    return reports_to_review(user)
