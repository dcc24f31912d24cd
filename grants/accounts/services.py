"""Account changes. Each checks, changes, flushes and audits; the caller commits."""

from __future__ import annotations

from collections.abc import Iterable

from werkzeug.security import check_password_hash, generate_password_hash

from grants.accounts.models import User, UserRole
from grants.accounts.passwords import password_problem
from grants.accounts.tokens import make_reset_token, user_for_reset_token
from grants.core import audit, limits
from grants.core.db import utcnow
from grants.core.errors import GrantsError
from grants.core.permissions import Role
from grants.extensions import db
from grants.notifications.services import queue_email

_DUMMY_HASH: str | None = None
RESET_EMAIL_WINDOW_SECONDS = 15 * 60


class AccountError(GrantsError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def user_by_email(email: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.email == normalise_email(email)))


def _check_new_password(password: str, email: str) -> None:
    problem = password_problem(password, email)
    if problem:
        raise AccountError(problem, field="password")


def create_user(*, email: str, name: str, roles: Iterable[Role | str], password: str | None, actor=None) -> User:
    email = normalise_email(email)
    if user_by_email(email):
        raise AccountError("An account with this email address already exists", field="email")
    user = User(email=email, name=name.strip())
    if password is not None:
        _check_new_password(password, email)
        user.set_password(password)
    role_set = sorted({Role(role) for role in roles})
    user.role_grants = [UserRole(role=role.value) for role in role_set]
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", user, actor=actor, after={"email": email, "roles": [r.value for r in role_set]})
    return user


def register_applicant(*, name: str, email: str, password: str) -> User:
    user = create_user(email=email, name=name, roles=[Role.APPLICANT], password=password)
    audit.record("user.registered", user, actor=user)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password; audits the attempt either way."""
    global _DUMMY_HASH
    user = user_by_email(email)
    if user is None or not user.is_active or not user.password_hash:
        # Spend the same time as a real check, so response times do not reveal which emails exist.
        _DUMMY_HASH = _DUMMY_HASH or generate_password_hash("not-a-real-password", method="scrypt")
        check_password_hash(_DUMMY_HASH, password or "")
        audit.record("auth.sign_in_failed", user, after={"email": normalise_email(email)[:254]})
        return None
    if not user.check_password(password or ""):
        audit.record("auth.sign_in_failed", user, after={"email": user.email})
        return None
    if user.two_factor_enabled:
        audit.record("auth.password_accepted", user, actor=user, after={"two_factor": "code owed"})
    else:
        record_sign_in(user)
    return user


def record_sign_in(user: User, method: str | None = None) -> None:
    user.last_signed_in_at = utcnow()
    audit.record("auth.signed_in", user, actor=user, after={"two_factor": method} if method else None)


def reauthenticate(user: User, password: str | None, *, purpose: str, subject=None) -> bool:
    """The signed-in person's password entered again before something that matters. A wrong one is
    audited and counted against ``RATELIMIT_REAUTH_PER_ACCOUNT``."""
    if user.check_password(password or ""):
        return True
    audit.record("auth.reauthentication_failed", subject or user, actor=user, after={"purpose": purpose})
    limits.note_reauthentication_failed()
    return False


def sign_out(user: User) -> None:
    """End this and every other session of the user."""
    user.end_all_sessions()
    audit.record("auth.signed_out", user, actor=user)


def request_password_reset(email: str) -> None:
    """Email a reset link if the account exists; say nothing either way."""
    user = user_by_email(email)
    if user is None or not user.is_active:
        audit.record("auth.password_reset_requested", after={"email": normalise_email(email)[:254], "known": False})
        return
    # One email per person per quarter hour, however often the form is sent.
    window = int(utcnow().timestamp() // RESET_EMAIL_WINDOW_SECONDS)
    queued = queue_email(
        user.email,
        "password_reset",
        {"name": user.name, "token": make_reset_token(user)},
        user=user,
        sensitive=True,
        dedupe_key=f"password_reset:{user.id}:{window}",
    )
    audit.record("auth.password_reset_requested", user, actor=user, after={"known": True, "sent": queued is not None})


def reset_password(token: str, password: str) -> User:
    user = user_for_reset_token(token)
    if user is None:
        raise AccountError("This password reset link has expired or has already been used. Ask for a new one.")
    _check_new_password(password, user.email)
    user.set_password(password)
    user.end_all_sessions()
    audit.record("auth.password_reset", user, actor=user)
    queue_email(user.email, "password_changed", {"name": user.name}, user=user)
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not user.check_password(current_password or ""):
        audit.record("auth.password_change_failed", user, actor=user)
        raise AccountError("Your current password is not correct", field="current_password")
    _check_new_password(new_password, user.email)
    user.set_password(new_password)
    user.end_all_sessions()
    audit.record("auth.password_changed", user, actor=user)
    queue_email(user.email, "password_changed", {"name": user.name}, user=user)


def set_roles(user: User, roles: Iterable[Role | str], *, actor: User | None) -> None:
    """Give the user exactly these roles. ``actor`` None means the command line."""
    new = {Role(role) for role in roles}
    old = set(user.roles)
    if actor is not None and user.id == actor.id and Role.ADMIN in old and Role.ADMIN not in new:
        raise AccountError("You cannot remove your own administrator role. Ask another administrator.", field="roles")
    if new == old:
        return
    user.role_grants = [grant for grant in user.role_grants if Role(grant.role) in new] + [
        UserRole(role=role.value) for role in sorted(new - old)
    ]
    db.session.flush()
    audit.record(
        "user.roles_changed",
        user,
        actor=actor,
        before={"roles": sorted(r.value for r in old)},
        after={"roles": sorted(r.value for r in new)},
    )
