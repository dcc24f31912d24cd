"""Exports: applications, scores, decisions, projects, tranches and payments as CSV and Excel,
streamed row by row so a large programme's export never sits whole in memory."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.core.dashboard import register_dashboard_link
    from grants.core.navigation import register_nav
    from grants.exports.permissions import EXPORTERS
    from grants.exports.routes import bp

    app.register_blueprint(bp)
    register_nav(
        "Download data",
        "exports.index",
        group="programme",
        description="The programme's records as CSV or Excel: bids, scores, decisions, projects, tranches, payments.",
        roles=EXPORTERS,
        order=50,
        active_prefix="exports",
    )
    for role in EXPORTERS:
        register_dashboard_link(role, "Download data (CSV and Excel)", "exports.index")
