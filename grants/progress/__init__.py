"""Progress: the report compiled by a job from every project's updates, money, outcomes, leadership
self-assessments and learning commitments, kept with its compile time, read on a page or downloaded,
and sent to the steering group each week."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.core.cli import register_job
    from grants.core.dashboard import register_dashboard_link
    from grants.core.navigation import register_nav
    from grants.core.permissions import Role
    from grants.progress import models, tasks  # noqa: F401  (the model, and the Celery tasks)
    from grants.progress.cli import compile_progress_command
    from grants.progress.permissions import READERS
    from grants.progress.routes import bp, compiled_progress
    from grants.projects.queries import find_compiled_progress_with

    app.register_blueprint(bp)
    register_job(compile_progress_command)
    # A project's page links to its row of the latest report, as a PDF, for those who may read the report.
    find_compiled_progress_with(compiled_progress)
    register_nav(
        "Progress across the portfolio",
        "progress.index",
        group="programme",
        description=(
            "A report compiled every Monday morning from every project's updates, money, outcomes, "
            "leadership self-assessments and learning, kept with its date, to download and sent to the "
            "steering group. The dashboard shows the totals as they stand now."
        ),
        roles=READERS,
        order=20,
        active_prefix="progress",
    )
    for role in (Role.PROGRAMME_OFFICER, Role.STEERING_CHAIR, Role.STEERING_MEMBER):
        register_dashboard_link(role, "Progress across the portfolio", "progress.index")
