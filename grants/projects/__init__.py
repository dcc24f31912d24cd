"""Funded projects: created from approved bids; their page, the enabler's log and the RAG."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.core.audit_links import register_audit_link
    from grants.core.cli import register_job
    from grants.core.dashboard import register_dashboard_link
    from grants.core.navigation import register_nav
    from grants.core.permissions import Role
    from grants.projects import (
        ending_routes,  # noqa: F401  (the close-out and ending pages, on the projects blueprint)
        models,  # noqa: F401
        tasks,  # noqa: F401  (registers the Celery tasks)
    )
    from grants.projects.cli import start_closeouts_command
    from grants.projects.queries import audit_links
    from grants.projects.routes import bp

    app.register_blueprint(bp)
    register_job(start_closeouts_command)
    register_audit_link("project", audit_links)
    register_nav(
        "Projects",
        "projects.index",
        group="projects",
        description="Funded projects: their plans, enablers' updates, RAG, reports and close-out.",
        order=10,
        active_prefix="projects",
        roles=[
            Role.PROGRAMME_OFFICER,
            Role.FINANCE_APPROVER,
            Role.STEERING_CHAIR,
            Role.STEERING_MEMBER,
            Role.APPLICANT,
        ],
    )
    register_dashboard_link(Role.PROGRAMME_OFFICER, "Projects", "projects.index")
    register_dashboard_link(Role.APPLICANT, "Your projects", "projects.index")
    register_dashboard_link(Role.STEERING_CHAIR, "Funded projects", "projects.index")
