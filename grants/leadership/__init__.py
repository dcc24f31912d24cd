"""Systems leadership: the framework of domains and behaviours, and participants' self-assessments
before, during and after a project, compared on the same people."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.core.dashboard import register_dashboard_link
    from grants.core.figures import KeptFigures, register_kept_figures
    from grants.core.navigation import register_nav
    from grants.core.permissions import Role
    from grants.core.queues import register_queue
    from grants.leadership import kept, models  # noqa: F401
    from grants.leadership.ending import closeout_left
    from grants.leadership.routes import bp
    from grants.leadership.services import close_open_stages
    from grants.projects.ending import on_closeout_check, on_project_end

    app.register_blueprint(bp)
    register_kept_figures(KeptFigures(kept.NAME, kept.check, kept.repair))
    on_closeout_check(closeout_left, order=40)
    on_project_end(close_open_stages, order=40)
    register_dashboard_link(Role.PROGRAMME_OFFICER, "Leadership framework", "leadership.framework")
    register_nav(
        "Leadership framework",
        "leadership.framework",
        group="admin",
        description="The domains and behaviours participants assess themselves against, at the start and the end.",
        roles=[Role.PROGRAMME_OFFICER],
        order=50,
    )
    register_queue(Role.APPLICANT, "leadership.assessments", _assessments_waiting, order=70)


def _assessments_waiting(user):
    from grants.leadership.applicant_queues import assessments_waiting

    return assessments_waiting(user)
