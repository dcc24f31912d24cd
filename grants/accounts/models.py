from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from grants.core.db import TimestampMixin, UTCDateTime, utcnow
from grants.core.permissions import ALL_ROLES, Role
from grants.extensions import Model

ROLE_VALUES = ", ".join(f"'{role.value}'" for role in ALL_ROLES)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, TimestampMixin, Model):
    """A person who signs in. Flask-Login identifies them by ``session_token``, not by id, so that
    rotating the token (sign-out, password change) ends every session they had."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    session_token: Mapped[str] = mapped_column(String(64), unique=True, nullable=False, default=new_session_token)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default=true())
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-factor sign-in: the authenticator's secret, encrypted (grants.accounts.two_factor); the
    # last time step a code was accepted for, so a code is never accepted twice.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    two_factor_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # Set when someone registers with the address, cleared when its owner proves it is theirs (the
    # emailed confirmation link, or a password reset): until then nobody can sign in to the account.
    unconfirmed_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Personal data removed after the retention period (grants.privacy); the row stays for the records.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    role_grants: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin", order_by="UserRole.role"
    )
    organisation = relationship("Organisation", lazy="joined")

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"

    def get_id(self) -> str:
        return self.session_token

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(grant.role) for grant in self.role_grants)

    def has_role(self, role: Role | str) -> bool:
        return Role(role) in self.roles

    def has_any_role(self, *roles: Role | str) -> bool:
        return any(self.has_role(role) for role in roles)

    @property
    def is_confirmed(self) -> bool:
        return self.unconfirmed_since is None

    def set_password(self, password: str) -> None:
        self.set_password_hash(generate_password_hash(password, method="scrypt"))

    def set_password_hash(self, password_hash: str) -> None:
        """A password already hashed (``generate_password_hash``): the demo's accounts share one."""
        self.password_hash = password_hash
        self.password_changed_at = utcnow()

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def end_all_sessions(self) -> None:
        self.session_token = new_session_token()

    @property
    def two_factor_enabled(self) -> bool:
        return self.two_factor_enabled_at is not None and bool(self.totp_secret)


class RecoveryCode(Model):
    """A single-use code that stands in for the authenticator app; stored as a keyed hash."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UserRole(Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(40), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    user: Mapped[User] = relationship(back_populates="role_grants")

    __table_args__ = (CheckConstraint(f"role IN ({ROLE_VALUES})", name="known_role"),)
