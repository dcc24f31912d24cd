"""Flask-Login wiring: who the session belongs to, and where the signed-out are sent."""

from __future__ import annotations

import time

from flask import Flask, flash, redirect, request, session, url_for
from flask_login import login_user

from grants.accounts.models import User
from grants.extensions import db, login_manager

SIGNED_IN_AT = "signed_in_at"  # session key: when the person last entered their password (epoch seconds)


def init_login(app: Flask) -> None:
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_token: str) -> User | None:
        return db.session.scalar(db.select(User).where(User.session_token == session_token, User.is_active.is_(True)))

    @login_manager.unauthorized_handler
    def unauthorized():
        flash("Sign in to continue.", "info")
        target = request.full_path if request.query_string else request.path
        return redirect(url_for("accounts.sign_in", next=target))


def start_session(user: User, *, keep_two_factor: bool = False) -> None:
    """A fresh session for a person who has just proved who they are. ``keep_two_factor``: they
    passed the second step in the session this one replaces (a password change, say)."""
    from grants.accounts.two_factor import VERIFIED

    verified = session.get(VERIFIED) if keep_two_factor else None
    session.clear()
    login_user(user)
    session.permanent = True
    session[SIGNED_IN_AT] = int(time.time())
    if verified:
        session[VERIFIED] = verified
