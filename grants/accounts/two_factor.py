"""Two-factor sign-in: a six-digit code from an authenticator app (TOTP, RFC 6238), or a single-use
recovery code when the phone is lost.

Who must use it: the roles in ``TWO_FACTOR_ROLES`` (programme officers, finance approvers, steering
group chairs and administrators) whenever ``TWO_FACTOR_REQUIRED`` is on (production and tests; off in
the local demo, where every account shares a published password). Anyone else may turn it on.

- The secret is kept encrypted (Fernet, keyed from ``TWO_FACTOR_KEY`` or ``SECRET_KEY``; a comma list
  rotates keys), never shown after set-up.
- A code is accepted for the current 30-second step or the one either side, and never twice: the
  last step accepted is stored, and only later steps are accepted after it.
- Recovery codes (ten, 117 bits each) are stored as keyed hashes and used once each.
- A session is two-factor when the person entered a code in it (``session[VERIFIED]``). The guard
  (``init_guard``) sends a person who must use two-factor, and has not set it up, to set it up before
  any other page; a session that has not passed the second step for a person who has it is ended.

Each change audits and the caller commits, as in ``grants.accounts.services``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user

from grants.accounts.models import RecoveryCode, User
from grants.core import actions, audit
from grants.core.db import utcnow
from grants.core.errors import GrantsError
from grants.core.permissions import Role
from grants.core.security import is_health_check
from grants.extensions import db
from grants.notifications.services import queue_email

DEFAULT_ROLES = (Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER, Role.STEERING_CHAIR, Role.ADMIN)
ISSUER = "Grants"
STEP_SECONDS = 30
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to read back
RECOVERY_LENGTH = 24  # 24 of 30 symbols: 117 bits, so a keyed hash is a safe way to keep them

VERIFIED = "two_factor_at"  # session key: when this session passed the second step (epoch seconds)
PENDING = "two_factor_pending"  # session key: who proved their password and still owes a code
PENDING_SECONDS = 5 * 60
SETUP = "two_factor_setup"  # session key: the secret being set up, encrypted


class TwoFactorError(GrantsError):
    """A refused code or change; about the code unless it says otherwise."""

    def __init__(self, message: str, field: str | None = "code", *, recorded: bool = False):
        super().__init__(message, field, recorded=recorded)
        self.field = field


# --- Who needs it -------------------------------------------------------------------------------


def required_roles() -> frozenset[Role]:
    configured = current_app.config.get("TWO_FACTOR_ROLES")
    return frozenset(Role(role) for role in (configured if configured is not None else DEFAULT_ROLES))


def is_required(user: User) -> bool:
    if not current_app.config.get("TWO_FACTOR_REQUIRED", True):
        return False
    return bool(user.roles & required_roles())


def is_satisfied(user: User) -> bool:
    """May this person, signed in with this session, use the pages of their roles?"""
    if user.two_factor_enabled:
        return bool(session.get(VERIFIED))
    return not is_required(user)


# --- Secrets ------------------------------------------------------------------------------------


def _keys() -> list[str]:
    """``TWO_FACTOR_KEY`` (comma-separated: the newest first, older ones still read), else SECRET_KEY."""
    configured = current_app.config.get("TWO_FACTOR_KEY") or current_app.config["SECRET_KEY"]
    return [key.strip() for key in configured.split(",") if key.strip()]


def _derive(key: str, purpose: bytes) -> bytes:
    return hashlib.sha256(b"grants two-factor " + purpose + b"\x00" + key.encode()).digest()


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(base64.urlsafe_b64encode(_derive(key, b"secret"))) for key in _keys()])


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(stored: str | None) -> str | None:
    if not stored:
        return None
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except InvalidToken:  # encrypted with a key no longer configured
        return None


def new_secret() -> str:
    return pyotp.random_base32()


def grouped(secret: str) -> str:
    """The secret as typed into an app by hand: ``ABCD EFGH ...``."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=_issuer())


def qr_code_data_uri(uri: str) -> str:
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#0b0c0c")


def _issuer() -> str:
    return current_app.config.get("SERVICE_NAME") or ISSUER


def _normalise_code(code: str | None) -> str:
    return "".join(ch for ch in (code or "") if not ch.isspace() and ch != "-").lower()


def _matching_step(secret: str, code: str, *, after: int | None, now: float | None = None) -> int | None:
    """The time step ``code`` belongs to (now or one either side), later than ``after``; else None."""
    if len(code) != 6 or not code.isdigit():
        return None
    now = time.time() if now is None else now
    totp = pyotp.TOTP(secret)
    current = int(now // STEP_SECONDS)
    for step in (current - 1, current, current + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


# --- Recovery codes ----------------------------------------------------------------------------


def _recovery_hashes(code: str) -> list[str]:
    """The code's keyed hash under each configured key (the first is the one new codes are kept with)."""
    normalised = _normalise_code(code).encode()
    return [hmac.new(_derive(key, b"recovery"), normalised, hashlib.sha256).hexdigest() for key in _keys()]


def _hash_recovery(code: str) -> str:
    return _recovery_hashes(code)[0]


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, RECOVERY_LENGTH, 4)))
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_recovery(code)) for code in codes)
    db.session.flush()
    return codes


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        db.select(db.func.count()).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


# --- Changes --------------------------------------------------------------------------------------


def enable(user: User, secret: str, code: str) -> list[str]:
    """Turn two-factor on with the secret the person's app now holds; the recovery codes to show once."""
    step = _matching_step(secret, _normalise_code(code), after=None)
    if step is None:
        audit.record("auth.two_factor_setup_failed", user, actor=user)
        raise TwoFactorError(
            "The code is not right. Enter the 6-digit code your authenticator app shows now", recorded=True
        )
    user.totp_secret = encrypt(secret)
    user.totp_last_step = step
    user.two_factor_enabled_at = utcnow()
    codes = _new_recovery_codes(user)
    user.end_all_sessions()  # other sessions did not pass the second step
    audit.record("auth.two_factor_enabled", user, actor=user)
    queue_email(user.email, "two_factor_changed", {"name": user.name, "enabled": True}, user=user)
    return codes


def sign_in_with_code(user: User, code: str) -> str:
    """The second step of signing in: the code checked (``verify``), and a wrong one counted towards the
    warning that someone may know the password. A refusal keeps that count and its record."""
    try:
        return verify(user, code)
    except TwoFactorError as error:
        note_failure(user)
        error.recorded = True
        raise


def verify(user: User, code: str) -> str:
    """Check a code from the app or a recovery code; which kind it was. Raises TwoFactorError."""
    normalised = _normalise_code(code)
    if not normalised:
        raise TwoFactorError("Enter the 6-digit code from your authenticator app, or a recovery code")
    secret = decrypt(user.totp_secret)
    if secret is None and normalised.isdigit():
        audit.record("auth.two_factor_unreadable", user, actor=user)
        raise TwoFactorError(
            "Your authenticator app can no longer be checked (the service's key has changed). "
            "Sign in with a recovery code and set two-factor up again, or ask an administrator to reset it"
        )
    if normalised.isdigit():
        last_step = db.session.scalar(db.select(User.totp_last_step).where(User.id == user.id))
        step = _matching_step(secret, normalised, after=last_step)
        # Taken only if no later (or the same) step was taken meanwhile: two requests with the same
        # code cannot both pass, on PostgreSQL and on SQLite alike.
        if step is not None and _take_step(user, step):
            audit.record("auth.two_factor_passed", user, actor=user, after={"method": "app"})
            return "app"
    else:
        used = db.session.execute(
            db.update(RecoveryCode)
            .where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash.in_(_recovery_hashes(normalised)),
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if used:
            left = recovery_codes_left(user)
            audit.record("auth.two_factor_passed", user, actor=user, after={"method": "recovery_code", "left": left})
            queue_email(user.email, "recovery_code_used", {"name": user.name, "left": left}, user=user)
            return "recovery_code"
    audit.record("auth.two_factor_failed", user, actor=user)
    raise TwoFactorError("The code is not right. Enter the code your authenticator app shows now, or a recovery code")


def _take_step(user: User, step: int) -> bool:
    taken = db.session.execute(
        db.update(User)
        .where(User.id == user.id, db.or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken:
        db.session.expire(user, ["totp_last_step"])
    return bool(taken)


def regenerate_recovery_codes(user: User) -> list[str]:
    if not user.two_factor_enabled:
        raise TwoFactorError("Set up two-factor sign-in first", field=None)
    codes = _new_recovery_codes(user)
    audit.record("auth.recovery_codes_replaced", user, actor=user)
    return codes


def disable(user: User, *, actor: User | None) -> None:
    """Turn two-factor off: by the person (not allowed if their roles need it), or reset by an admin
    (``actor`` None: from the command line)."""
    if not user.two_factor_enabled:
        raise TwoFactorError("Two-factor sign-in is not turned on", field=None)
    by_self = actor is not None and actor.id == user.id
    if by_self and is_required(user):
        audit.record("auth.two_factor_disable_refused", user, actor=actor)
        raise TwoFactorError("Your roles need two-factor sign-in, so it cannot be turned off", None, recorded=True)
    user.totp_secret = None
    user.totp_last_step = None
    user.two_factor_enabled_at = None
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.end_all_sessions()
    audit.record("auth.two_factor_disabled" if by_self else "auth.two_factor_reset", user, actor=actor)
    queue_email(user.email, "two_factor_changed", {"name": user.name, "enabled": False}, user=user)


# --- The session ------------------------------------------------------------------------------


def mark_verified() -> None:
    session[VERIFIED] = int(time.time())


RECENT_SIGN_IN_SECONDS = 5 * 60
FAILURES_BEFORE_WARNING = 3


def recently_signed_in() -> bool:
    """Did the person enter their password in this session within the last five minutes?"""
    from grants.accounts.login import SIGNED_IN_AT

    return time.time() - (session.get(SIGNED_IN_AT) or 0) <= RECENT_SIGN_IN_SECONDS


def note_failure(user: User) -> None:
    """A wrong code after the right password: at the third in one sign-in, the person is warned that
    someone may know their password (once an hour at most)."""
    pending = dict(session.get(PENDING) or {})
    pending["failures"] = int(pending.get("failures", 0)) + 1
    session[PENDING] = pending
    if pending["failures"] == FAILURES_BEFORE_WARNING:
        hour = int(time.time() // 3600)
        queue_email(
            user.email,
            "two_factor_failures",
            {"name": user.name},
            user=user,
            dedupe_key=f"two_factor_failures:{user.id}:{hour}",
        )


def start_pending(user: User, next_url: str) -> None:
    """The password was right; the person still owes a code. Nothing else in the session survives."""
    session.clear()
    session[PENDING] = {"id": user.id, "token": user.session_token, "at": int(time.time()), "next": next_url}


def pending_account_id() -> int | None:
    """The id of the person half-way through signing in (password right, code owed), as the session
    says; the rate limits count their wrong codes by it."""
    pending = session.get(PENDING)
    return pending.get("id") if isinstance(pending, dict) else None


def pending_user() -> tuple[User | None, str | None]:
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None, None
    user = db.session.scalar(
        db.select(User).where(User.session_token == str(pending.get("token")), User.is_active.is_(True))
    )
    return user, pending.get("next")


def setup_secret(*, renew: bool = False) -> str:
    """The secret being set up in this session (kept encrypted in the session, new if none)."""
    secret = None if renew else decrypt(session.get(SETUP))
    if not secret:
        secret = new_secret()
        session[SETUP] = encrypt(secret)
    return secret


# --- The guard -------------------------------------------------------------------------------------

# What a signed-in person who still has to set up two-factor may reach.
OPEN_ENDPOINTS = frozenset({"accounts.two_factor_setup", "accounts.sign_out", "main.accessibility"})


def init_guard(app: Flask) -> None:
    @app.before_request
    def require_two_factor():
        endpoint = request.endpoint or ""
        if endpoint == "static" or endpoint.endswith(".static"):  # the pages' styles and scripts
            return None
        if is_health_check():  # no session, so no one signed in: nothing to load
            return None
        user = current_user
        if not user or not user.is_authenticated:
            return None
        if user.two_factor_enabled and not session.get(VERIFIED) and endpoint != "accounts.sign_out":
            # A session that skipped the second step (it began before two-factor was turned on).
            ended = user._get_current_object()
            actions.record("auth.two_factor_session_ended", ended, actor=ended)
            logout_user()
            session.clear()
            flash("Sign in again with your password and a code from your authenticator app.", "info")
            return redirect(url_for("accounts.sign_in"))
        if endpoint in OPEN_ENDPOINTS:
            return None
        if not user.two_factor_enabled and is_required(user):
            if request.method != "GET":
                refused = user._get_current_object()
                actions.record("auth.two_factor_refused", refused, actor=refused)
            return redirect(url_for("accounts.two_factor_setup"))
        return None
