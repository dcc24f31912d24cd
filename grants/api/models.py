"""API tokens: a secret a person creates in their account for another system to read the API as them.

Only a SHA-256 hash of the secret is kept (with a short prefix to recognise it by), so a copy of the
database does not give anyone API access. A token carries some of its owner's roles; at each request
it acts with those of them its owner still holds, so taking a role away narrows every token at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.accounts.models import ROLE_VALUES
from grants.core.db import UTCDateTime, utcnow
from grants.core.permissions import Role
from grants.extensions import Model

SECRET_PREFIX = "grants_"  # noqa: S105 - what every secret starts with, not a secret
PREFIX_LENGTH = len(SECRET_PREFIX) + 6  # "grants_" and the first six random characters
# The last-used time is written at most this often, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    prefix: Mapped[str] = mapped_column(String(20), nullable=False)
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user = relationship("User", foreign_keys=[user_id], lazy="joined", innerjoin=True)
    revoked_by = relationship("User", foreign_keys=[revoked_by_id], lazy="select")
    role_grants: Mapped[list[ApiTokenRole]] = relationship(
        back_populates="token", cascade="all, delete-orphan", lazy="selectin", order_by="ApiTokenRole.role"
    )

    __table_args__ = (
        CheckConstraint("length(name) > 0", name="named"),
        CheckConstraint("length(secret_hash) = 64", name="hash_length"),
        CheckConstraint("expires_at IS NULL OR expires_at > created_at", name="expires_after_creation"),
        CheckConstraint("revoked_by_id IS NULL OR revoked_at IS NOT NULL", name="revoked_by_when_revoked"),
    )

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix}… of user {self.user_id}>"

    @property
    def roles(self) -> frozenset[Role]:
        """The roles chosen when the token was made."""
        return frozenset(Role(grant.role) for grant in self.role_grants)

    @property
    def effective_roles(self) -> frozenset[Role]:
        """The chosen roles its owner still holds: what the token may do now."""
        return self.roles & self.user.roles

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or utcnow())

    def status(self, now: datetime | None = None) -> str:
        """``active``, ``revoked``, ``expired`` or ``owner_inactive``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.is_expired(now):
            return "expired"
        if not self.user.is_active:
            return "owner_inactive"
        return "active"


class ApiTokenRole(Model):
    __tablename__ = "api_token_roles"

    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(40), primary_key=True)

    token: Mapped[ApiToken] = relationship(back_populates="role_grants")

    __table_args__ = (CheckConstraint(f"role IN ({ROLE_VALUES})", name="known_role"),)
