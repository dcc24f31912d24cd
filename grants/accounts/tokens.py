"""Time-limited, single-use links for password reset and for confirming a new account's email address.

The token carries a fingerprint of the current password hash, so it stops working once the password
changes (which using it does) as well as when it expires.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from grants.accounts.models import User
from grants.extensions import db

SALT = "grants.password-reset"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def password_fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "no-password").encode()).hexdigest()[:20]


def make_reset_token(user: User) -> str:
    return _serializer().dumps({"user": user.id, "fp": password_fingerprint(user)})


def user_for_reset_token(token: str) -> User | None:
    """The user the token was made for, or None if it is forged, expired or already used."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("user"))
    if user is None or not user.is_active or data.get("fp") != password_fingerprint(user):
        return None
    return user


# --- Confirming the email address of a new account ----------------------------------------------------

CONFIRM_SALT = "grants.confirm-email"


def make_confirmation_token(user: User) -> str:
    """The link that proves the address is the registrant's. It carries a fingerprint of the password
    chosen at registration, so registering the address again (with another password) ends it."""
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CONFIRM_SALT)
    return serializer.dumps({"user": user.id, "fp": password_fingerprint(user)})


def user_for_confirmation_token(token: str) -> User | None:
    """The account the link was made for, confirmed or not, or None if it is forged, expired, or made
    for an earlier registration of the address."""
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CONFIRM_SALT)
    try:
        data = serializer.loads(token, max_age=current_app.config["EMAIL_CONFIRMATION_DAYS"] * 86400)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("user"))
    if user is None or not user.is_active or data.get("fp") != password_fingerprint(user):
        return None
    return user
