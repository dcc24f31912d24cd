"""Home, dashboards by role, static information pages and the error pages."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.main import errors
    from grants.main.assets import assets_bp
    from grants.main.glossary import glossary_link
    from grants.main.routes import bp

    app.register_blueprint(bp)
    app.add_template_global(glossary_link)
    app.register_blueprint(assets_bp)
    errors.register(app)
