"""Enablers: profiles, matching to projects with the reasons shown, and assignment with history."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.core.dashboard import register_dashboard_link
    from grants.core.navigation import register_nav
    from grants.core.permissions import Role
    from grants.core.queues import register_queue
    from grants.enablers import models  # noqa: F401
    from grants.enablers.matching import linked_with
    from grants.enablers.routes import bp
    from grants.projects.queries import judge_links_with

    app.register_blueprint(bp)
    # A project's page tells the programme team when its enabler is linked with the partnership.
    judge_links_with(linked_with)
    register_nav(
        "Your projects",
        "enablers.home",
        group="projects",
        description="The projects you support, and what is due on each.",
        roles=[Role.ENABLER],
        order=15,
        active_prefix="enablers",
    )
    register_nav(
        "Enablers",
        "enablers.pool",
        group="projects",
        description="The enablers, what they specialise in, how many projects they can take on, and whom they support.",
        roles=[Role.PROGRAMME_OFFICER],
        order=30,
    )
    register_nav(
        "Your profile",
        "enablers.profile",
        group="account",
        description="What you specialise in, where you work and how many projects you can take on.",
        roles=[Role.ENABLER],
        order=30,
    )
    register_dashboard_link(Role.ENABLER, "Your projects and what is due", "enablers.home")
    register_dashboard_link(Role.ENABLER, "Your profile", "enablers.profile")
    register_dashboard_link(Role.PROGRAMME_OFFICER, "Enablers", "enablers.pool")
    register_queue(Role.ENABLER, "enablers.updates", _updates_due, order=10)


def _updates_due(user):
    from grants.enablers.queues import updates_due

    return updates_due(user)
