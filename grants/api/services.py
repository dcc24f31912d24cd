"""Creating, revoking and using API tokens. Each checks, changes, flushes and audits; the caller commits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from grants.api.models import LAST_USED_RESOLUTION, PREFIX_LENGTH, ApiToken, ApiTokenRole, hash_secret, new_secret
from grants.core import audit
from grants.core.db import utcnow
from grants.core.errors import GrantsError
from grants.core.permissions import Role
from grants.extensions import db

EXPIRY_CHOICES = {"30": 30, "90": 90, "365": 365, "never": None}
MAX_ACTIVE_TOKENS = 20


class TokenError(GrantsError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def active_tokens_of(user: Any) -> int:
    now = utcnow()
    count: int = db.session.scalar(
        db.select(db.func.count(ApiToken.id)).where(
            ApiToken.user_id == user.id,
            ApiToken.revoked_at.is_(None),
            db.or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
        )
    )
    return count


def create_token(user: Any, *, name: str, roles: Iterable[str], expires_in_days: int | None) -> tuple[ApiToken, str]:
    """A new token for ``user`` carrying ``roles`` (some of theirs), and its secret, which is never
    stored: the caller shows it once."""
    chosen = {Role(role) for role in roles}
    if not chosen:
        raise TokenError("Select at least one role for the token", field="roles")
    if not chosen <= user.roles:
        raise TokenError("Select only roles you hold", field="roles")
    if active_tokens_of(user) >= MAX_ACTIVE_TOKENS:
        raise TokenError(f"You can have up to {MAX_ACTIVE_TOKENS} tokens. Revoke one you no longer use.", field="name")
    now = utcnow()
    secret = new_secret()
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=secret[:PREFIX_LENGTH],
        secret_hash=hash_secret(secret),
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
        role_grants=[ApiTokenRole(role=role.value) for role in sorted(chosen)],
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        "api_token.created",
        token,
        actor=user,
        after={
            "name": name,
            "prefix": token.prefix,
            "roles": sorted(role.value for role in chosen),
            "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        },
    )
    return token, secret


def revoke_token(token: ApiToken, *, actor: Any) -> None:
    if token.revoked_at is not None:
        raise TokenError("This token has already been revoked")
    token.revoked_at = utcnow()
    token.revoked_by_id = actor.id
    db.session.flush()
    audit.record(
        "api_token.revoked",
        token,
        actor=actor,
        after={"name": token.name, "prefix": token.prefix, "owner_id": token.user_id},
    )


def token_for_secret(secret: str) -> ApiToken | None:
    """The token whose secret this is, with its owner and roles, whatever its state."""
    token: ApiToken | None = db.session.scalar(db.select(ApiToken).where(ApiToken.secret_hash == hash_secret(secret)))
    return token


def note_use(token: ApiToken, now: datetime | None = None) -> bool:
    """Record when the token was last used, at most once a minute: one conditional UPDATE, so that
    many requests at once write once, and most requests not at all. True if it wrote."""
    now = now or utcnow()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return False
    db.session.execute(
        db.update(ApiToken)
        .where(
            ApiToken.id == token.id,
            db.or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - LAST_USED_RESOLUTION),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    return True
