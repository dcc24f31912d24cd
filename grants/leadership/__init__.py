"""Systems leadership: the framework of domains and behaviours, and participants' self-assessments
before, during and after a project, compared on the same people."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.core.dashboard import register_dashboard_link
    from grants.core.permissions import Role
    from grants.leadership import models  # noqa: F401
    from grants.leadership.routes import bp

    app.register_blueprint(bp)
    register_dashboard_link(Role.PROGRAMME_OFFICER, "Leadership framework", "leadership.framework")
