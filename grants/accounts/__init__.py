"""Accounts: registration, sign-in and sign-out, password reset, roles."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.accounts import login, two_factor
    from grants.accounts.routes import bp
    from grants.core import limits
    from grants.core.navigation import hide_navigation_unless, register_nav

    app.register_blueprint(bp)
    login.init_login(app)
    two_factor.init_guard(app)
    hide_navigation_unless(two_factor.is_satisfied)  # nothing else opens until two-factor sign-in is set up
    limits.identify_pending_account(two_factor.pending_account_id)
    register_nav(
        "Your account",
        "accounts.account",
        group="account",
        description="Your name, email address, password and two-factor sign-in.",
        order=10,
        active_prefix="accounts",
    )
