"""Open data: the programme's awarded grants published in the 360Giving Data Standard, as a JSON data
package and in the 360Giving spreadsheet layout (CSV), from a page and from the command line."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.core.dashboard import register_dashboard_link
    from grants.core.navigation import register_nav
    from grants.opendata.cli import export_360giving_command
    from grants.opendata.permissions import READERS
    from grants.opendata.routes import bp

    app.register_blueprint(bp)
    app.cli.add_command(export_360giving_command)
    register_nav(
        "Publish open data (360Giving)",
        "opendata.index",
        group="programme",
        description="The grants awarded, in the 360Giving Data Standard, to publish.",
        roles=READERS,
        order=60,
        active_prefix="opendata",
    )
    for role in READERS:
        register_dashboard_link(role, "Publish open data (360Giving)", "opendata.index")
