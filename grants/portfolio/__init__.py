"""Portfolio: the programme at a glance for programme staff and the steering group (money, match
funding, projects by theme, region (each place on a page of its own) and RAG, the application funnel,
leadership shift, what is overdue), and the partnership map of which sectors work together in which
places."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.core.dashboard import register_dashboard_link
    from grants.core.navigation import register_nav
    from grants.portfolio.permissions import READERS
    from grants.portfolio.routes import bp

    app.register_blueprint(bp)
    register_nav(
        "Programme dashboard",
        "portfolio.dashboard",
        group="programme",
        description=(
            "Totals worked out as you open the page: money, match funding, projects by theme, region and RAG, "
            "bids, the shift in leadership and what is overdue. The progress report is the weekly compiled copy."
        ),
        roles=READERS,
        order=10,
        active_prefix="portfolio",
    )
    register_nav(
        "Partnership map",
        "portfolio.partnership_map",
        group="programme",
        description="Which sectors work together in which places.",
        roles=READERS,
        order=30,
    )
    for role in READERS:
        register_dashboard_link(role, "Programme dashboard", "portfolio.dashboard")
        register_dashboard_link(role, "Partnership map", "portfolio.partnership_map")
