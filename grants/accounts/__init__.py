"""Accounts: registration, sign-in and sign-out, password reset, roles."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.accounts import login
    from grants.accounts.routes import bp
    from grants.core.navigation import register_nav

    app.register_blueprint(bp)
    login.init_login(app)
    register_nav("Your account", "accounts.account", order=90, active_prefix="accounts")
