"""Funding rounds (waves): the public call for bids and the programme officer's management of it."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.core.audit_links import register_audit_link
    from grants.core.dashboard import register_dashboard_link
    from grants.core.navigation import register_nav
    from grants.core.permissions import Role
    from grants.core.queues import register_queue
    from grants.rounds import (
        form_routes,
        manage_routes,
        routes,
        tasks,  # noqa: F401  (registers the Celery tasks)
    )
    from grants.rounds.queries import audit_links

    app.register_blueprint(routes.bp)
    app.register_blueprint(manage_routes.bp)
    app.register_blueprint(form_routes.bp)
    register_audit_link("round", audit_links)
    register_nav(
        "Funding rounds",
        "rounds.index",
        group="rounds",
        description="The rounds open for bids and those to come, as applicants see them.",
        order=10,
        active_prefix="rounds",
        public=True,
    )
    register_nav(
        "Manage rounds",
        "round_admin.index",
        group="rounds",
        description="Create rounds, set their dates, rubric and questions, and open, close and archive them.",
        roles=[Role.PROGRAMME_OFFICER],
        order=20,
        active_prefix="round_admin",
    )
    register_dashboard_link(Role.PROGRAMME_OFFICER, "Manage rounds and rubrics", "round_admin.index")
    register_queue(Role.PROGRAMME_OFFICER, "rounds.closing_soon", _rounds_closing_soon, order=80)


def _rounds_closing_soon(user):
    from grants.rounds.officer_queues import rounds_closing_soon

    return rounds_closing_soon(user)
