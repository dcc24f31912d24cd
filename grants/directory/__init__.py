"""The programme's directory: organisations (with their sectors and identifiers), places and themes."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.core.dashboard import register_dashboard_link
    from grants.core.navigation import register_nav
    from grants.core.permissions import Role
    from grants.directory.routes import bp

    app.register_blueprint(bp)
    register_nav(
        "Your organisation",
        "directory.organisation",
        group="account",
        description="The organisation that leads your bids: its sector, identifiers and address.",
        roles=[Role.APPLICANT],
        order=20,
    )
    register_nav(
        "Themes",
        "directory.themes",
        group="admin",
        description="The issues the programme funds work on, offered to each round.",
        roles=[Role.PROGRAMME_OFFICER],
        order=40,
    )
    register_dashboard_link(Role.APPLICANT, "Your organisation's details", "directory.organisation")
    register_dashboard_link(Role.PROGRAMME_OFFICER, "Themes", "directory.themes")
