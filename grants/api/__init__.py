"""The read-only JSON API: rounds, applications, projects, tranches and learning items for other
systems, authenticated by tokens people create and revoke in their account, and seeing exactly what
the token's owner may see. Described by an OpenAPI document the app serves."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.api import models  # noqa: F401 - the tables
    from grants.api.errors import TokenOnlySessionInterface
    from grants.api.pages import bp as pages_bp
    from grants.api.routes import bp
    from grants.core import limits

    app.register_blueprint(bp)
    limits.limit_blueprint(app, bp)  # refused tokens, per address, across the whole API
    app.register_blueprint(pages_bp)
    app.session_interface = TokenOnlySessionInterface()
