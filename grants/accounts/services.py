"""Account changes. Each checks, changes, flushes and audits; the caller commits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy.engine import CursorResult
from werkzeug.security import check_password_hash, generate_password_hash

from grants.accounts.models import User, UserRole, new_session_token
from grants.accounts.passwords import password_problem
from grants.accounts.tokens import (
    make_confirmation_token,
    make_reset_token,
    password_fingerprint,
    user_for_confirmation_token,
    user_for_reset_token,
)
from grants.core import audit, limits
from grants.core.db import insert_or_ignore, lock_and_refresh, utcnow
from grants.core.errors import GrantsError
from grants.core.permissions import Role
from grants.extensions import db
from grants.notifications.services import queue_email

_DUMMY_HASH: str | None = None
RESET_EMAIL_WINDOW_SECONDS = 15 * 60


class AccountError(GrantsError):
    """A refusal about an account; ``recorded`` when the service has audited the attempt itself."""


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def user_by_email(email: str) -> User | None:
    user: User | None = db.session.scalar(db.select(User).where(User.email == normalise_email(email)))
    return user


def _check_new_password(password: str, email: str) -> None:
    problem = password_problem(password, email)
    if problem:
        raise AccountError(problem, field="password")


def create_user(*, email: str, name: str, roles: Iterable[Role | str], password: str | None, actor: Any = None) -> User:
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


def register_applicant(*, name: str, email: str, password: str) -> None:
    """Someone asks for an applicant account. Whatever the address, they are told to check their email,
    and only the owner of the address hears more:

    - a new address gets an account that cannot be used yet, and a link to confirm it;
    - an address registered but never confirmed is given to this registration (its name and password),
      and the earlier links stop working: whoever registered first does not keep it;
    - an address with an account gets an email saying someone tried, with how to sign in or reset.

    Two registrations at the same moment make one account: the second finds the first's row.
    """
    email = normalise_email(email)
    _check_new_password(password, email)
    password_hash = generate_password_hash(password, method="scrypt")
    user = _new_applicant(email, name.strip(), password_hash)
    if user is not None:
        audit.record("user.created", user, after={"email": email, "roles": [Role.APPLICANT.value]})
        audit.record("user.registered", user, actor=user)
        _send_confirmation(user)
        return
    user = user_by_email(email)
    if user is None:  # _new_applicant found the address taken, so its row is there
        raise RuntimeError("the address is taken but its account could not be found")
    lock_and_refresh(db.session, user)
    if not user.is_confirmed:
        if not user.check_password(password):  # another registration than the last: it takes the address
            user.password_hash, user.password_changed_at = password_hash, utcnow()
        user.name = name.strip()
        db.session.flush()
        audit.record("user.registered_again", user, after={"email": email})
        _send_confirmation(user)
    elif user.is_active:
        audit.record("user.registration_refused", user, after={"reason": "already registered"})
        queue_email(
            user.email,
            "registration_attempt",
            {"name": user.name},
            user=user,
            dedupe_key=f"registration_attempt:{user.id}:{_window()}",
        )
    else:
        audit.record("user.registration_refused", user, after={"reason": "account closed"})


def _window() -> int:
    return int(utcnow().timestamp() // RESET_EMAIL_WINDOW_SECONDS)


def _new_applicant(email: str, name: str, password_hash: str) -> User | None:
    """Insert the account, or nothing if the address has one (even one being made at this moment)."""
    now = utcnow()
    statement = (
        insert_or_ignore(db.session, User, ["email"])
        .values(
            email=email,
            name=name,
            password_hash=password_hash,
            password_changed_at=now,
            unconfirmed_since=now,
            session_token=new_session_token(),
            created_at=now,
            updated_at=now,
        )
        .returning(User.id)
    )
    user_id = db.session.scalar(statement)
    if user_id is None:
        return None
    db.session.add(UserRole(user_id=user_id, role=Role.APPLICANT.value))
    db.session.flush()
    return db.session.get(User, user_id)


def _send_confirmation(user: User) -> None:
    """One email per registration (a double click sends one), a new one for a new password."""
    token = make_confirmation_token(user)
    queue_email(
        user.email,
        "confirm_email",
        {"name": user.name, "token": token},
        user=user,
        dedupe_key=f"confirm_email:{user.id}:{password_fingerprint(user)}:{_window()}",
    )


class ConfirmationError(AccountError):
    """The confirmation link cannot be used: forged, expired, or for an earlier registration."""


def confirm_email(token: str, password: str) -> User:
    """The owner of the address opened the link and entered the password they registered with: the
    account can be used from now. Confirming again (a second click) changes nothing and is not an error.
    The password keeps anyone else who holds the link (or its owner, for someone else's registration)
    from taking the account."""
    user = user_for_confirmation_token(token)
    if user is None:
        raise ConfirmationError(CONFIRMATION_LINK_INVALID)
    if not user.check_password(password or ""):
        audit.record("auth.sign_in_failed", user, after={"email": user.email, "step": "confirm email"})
        raise AccountError("Enter the password you chose when you registered", field="password", recorded=True)
    confirmed = cast(
        "CursorResult[Any]",
        db.session.execute(
            db.update(User)
            .where(User.id == user.id, User.unconfirmed_since.is_not(None))
            .values(unconfirmed_since=None)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    db.session.refresh(user)
    if confirmed:
        audit.record("user.email_confirmed", user, actor=user)
    return user


CONFIRMATION_LINK_INVALID = (
    "This link has expired or is no longer valid. If you registered more than once, use the link in the latest email."
)


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
    if not user.is_confirmed:  # told only to someone who knows the password
        audit.record("auth.sign_in_unconfirmed", user, actor=user)
        raise AccountError(
            "Confirm your email address first: open the link in the email we sent you when you registered. "
            "To be sent a new link, register again with the same details.",
            field="email",
            recorded=True,
        )
    if user.two_factor_enabled:
        audit.record("auth.password_accepted", user, actor=user, after={"two_factor": "code owed"})
    else:
        record_sign_in(user)
    return user


def record_sign_in(user: User, method: str | None = None) -> None:
    user.last_signed_in_at = utcnow()
    audit.record("auth.signed_in", user, actor=user, after={"two_factor": method} if method else None)


def reauthenticate(user: User, password: str | None, *, purpose: str, subject: Any = None) -> bool:
    """The signed-in person's password entered again before something that matters. A wrong one is
    audited and counted against ``RATELIMIT_REAUTH_PER_ACCOUNT``."""
    if user.check_password(password or ""):
        return True
    audit.record("auth.reauthentication_failed", subject or user, actor=user, after={"purpose": purpose})
    limits.note_reauthentication_failed()
    return False


REFUSED_PASSWORD_MESSAGE = "The password is not right"  # noqa: S105 (a message, not a password)


def require_password(user: User, password: str | None, *, purpose: str, subject: Any = None) -> None:
    """``reauthenticate``, as a refusal: a wrong password raises (recorded, and counted)."""
    if not reauthenticate(user, password, purpose=purpose, subject=subject):
        raise AccountError(REFUSED_PASSWORD_MESSAGE, field="password", recorded=True)


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
    first = not user.password_hash  # an invited person choosing their first password
    user.set_password(password)
    user.end_all_sessions()
    audit.record("auth.password_reset", user, actor=user, after={"first": first} if first else None)
    if not user.is_confirmed:  # the emailed link proves the address: its owner now holds the account
        user.unconfirmed_since = None
        audit.record("user.email_confirmed", user, actor=user, after={"by": "password reset"})
    if not first:  # nobody is warned about the password they have just chosen for the first time
        queue_email(user.email, "password_changed", {"name": user.name}, user=user)
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not user.check_password(current_password or ""):
        audit.record("auth.password_change_failed", user, actor=user)
        raise AccountError("Your current password is not correct", field="current_password", recorded=True)
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


def people_with_role(role: Role, *, exclude: int | None = None) -> list[User]:
    """The active people who hold ``role`` (but ``exclude``, a user's id), in a steady order."""
    return list(
        db.session.scalars(
            db.select(User)
            .where(
                User.is_active.is_(True),
                User.id != (exclude or 0),
                User.id.in_(db.select(UserRole.user_id).where(UserRole.role == role.value)),
            )
            .order_by(User.id)
        )
    )
