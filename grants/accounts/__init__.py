"""Accounts: registration, sign-in and sign-out, password reset, roles."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.accounts import login, two_factor
    from grants.accounts.routes import bp
    from grants.core.navigation import register_nav

    app.register_blueprint(bp)
    login.init_login(app)
    two_factor.init_guard(app)
    register_nav("Your account", "accounts.account", order=90, active_prefix="accounts")
