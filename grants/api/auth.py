"""Bearer-token authentication for the API, and the audit of what it refuses."""

from __future__ import annotations

from flask import g, request

from grants.accounts import two_factor
from grants.api import services
from grants.api.errors import ApiError
from grants.api.models import SECRET_PREFIX, ApiToken
from grants.api.permissions import TokenPrincipal
from grants.core import actions
from grants.core.times import format_datetime
from grants.extensions import db

MAX_SECRET_LENGTH = 200

REFUSALS = {
    "revoked": "This API token has been revoked. Create a new one in your account.",
    "owner_inactive": "The account this API token belongs to has been deactivated.",
}


def _secret_from_header() -> str:
    header = request.headers.get("Authorization", "").strip()
    if not header:
        raise ApiError(401, "Send an API token in the Authorization header: Bearer <token>.")
    scheme, _, secret = header.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        raise ApiError(401, "The Authorization header must be the word Bearer, a space, and your API token.")
    return secret


def authenticate() -> TokenPrincipal:
    """The token's owner with the token's effective roles, or a 401. Sets ``g.api_token``."""
    secret = _secret_from_header()
    token = None
    if secret.startswith(SECRET_PREFIX) and len(secret) <= MAX_SECRET_LENGTH:
        token = services.token_for_secret(secret)
    if token is None:
        raise ApiError(401, "This API token is not recognised. Check it was copied in full, or create a new one.")
    state = token.status()
    if state != "active":
        message = REFUSALS.get(state) or (
            f"This API token expired on {format_datetime(token.expires_at)}. Create a new one in your account."
        )
        refuse(token, 401, message)
    if two_factor.is_required(token.user) and not token.user.two_factor_enabled:
        refuse(
            token,
            401,
            "The account this API token belongs to has not set up two-factor sign-in, which its roles need. "
            "Sign in to the service and set it up; the token then works again.",
        )
    if services.note_use(token):
        db.session.commit()
    g.api_token = token
    return TokenPrincipal(token.user, token.effective_roles)


def refuse(token: ApiToken, status: int, message: str):
    """Record a refused request by a known token (its owner as the actor), then refuse it."""
    db.session.rollback()
    actions.record(
        "api.refused",
        token,
        actor=token.user,
        after={"status": status, "reason": message, "method": request.method, "prefix": token.prefix},
    )
    raise ApiError(status, message)
