"""Flask-Login wiring: who the session belongs to, and where the signed-out are sent."""

from __future__ import annotations

from flask import Flask, flash, redirect, request, session, url_for
from flask_login import login_user

from grants.accounts.models import User
from grants.extensions import db, login_manager


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


def start_session(user: User) -> None:
    """A fresh session for a person who has just proved who they are."""
    session.clear()
    login_user(user)
    session.permanent = True
