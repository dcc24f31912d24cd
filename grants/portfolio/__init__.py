"""Portfolio: the programme at a glance for programme staff and the steering group (money, match
funding, projects by theme, place and RAG, the application funnel, leadership shift, what is overdue),
and the partnership map of which sectors work together in which places."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.core.dashboard import register_dashboard_link
    from grants.core.navigation import register_nav
    from grants.portfolio.permissions import READERS
    from grants.portfolio.routes import bp

    app.register_blueprint(bp)
    register_nav("Dashboard", "portfolio.dashboard", roles=READERS, order=45, active_prefix="portfolio")
    for role in READERS:
        register_dashboard_link(role, "Programme dashboard", "portfolio.dashboard")
        register_dashboard_link(role, "Partnership map", "portfolio.partnership_map")
