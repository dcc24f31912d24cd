"""Rate limits (Flask-Limiter) on the doors an attacker knocks on: sign-in, password reset,
registration, the emailed partner and self-assessment links, and API token authentication.

| what | limit (setting, default) | counted by | what counts |
| --- | --- | --- | --- |
| sign-in | ``RATELIMIT_SIGN_IN_PER_ACCOUNT`` 5 per minute | the email address tried | failed attempts |
| sign-in | ``RATELIMIT_SIGN_IN_PER_IP`` 30 per minute | the client's address | failed attempts |
| password reset request | ``RATELIMIT_PASSWORD_RESET_PER_EMAIL`` 3 per 15 minutes | the email address | every request |
| password reset request | ``RATELIMIT_PASSWORD_RESET_PER_IP`` 20 per hour | the client's address | every request |
| registration | ``RATELIMIT_REGISTER_PER_IP`` 10 per hour | the client's address | every form sent |
| partner and self-assessment links | ``RATELIMIT_LINK_PER_TOKEN`` 20 per minute | the link's token | every request |
| partner and self-assessment links | ``RATELIMIT_LINK_PER_IP`` 60 per minute | the client's address | every request |
| API | ``RATELIMIT_API_AUTH_FAILURES_PER_IP`` 30 per minute | the client's address | refused tokens (401) |
| two-factor code | ``RATELIMIT_TWO_FACTOR_PER_ACCOUNT`` 5 per minute, 20 per hour | the account | wrong codes |
| password again | ``RATELIMIT_REAUTH_PER_ACCOUNT`` 5 per 15 minutes | the account | wrong passwords |

"Password again" is the re-authentication before approving a payment, changing roles and changing
or resetting two-factor sign-in.

Sign-in limits count only failures, so people who sign in often are never slowed, and they are kept
per email address, so an attack on one account does not lock anyone else out. Once an account has
five failures within a minute, every further attempt for it (with the right password too) is
refused until the oldest failure is a minute old. Refused requests are not counted, so hammering a
limit does not extend it. Email addresses and tokens are stored only as keyed hashes.

A failure is known only once the password has been checked, so it is counted after the request. Sign-in
attempts for one email address therefore take turns (``one_at_a_time``): a lock on the address, in
Redis across every web process (in the process otherwise), is held from before the limit is checked
until after the failure is counted, so many guesses sent at the same moment still meet the limit at the
sixth. Other accounts do not queue behind them (on memory storage addresses share 64 locks, so one
may wait the moment another's password is checked). A request that waits more than 20 seconds for
its turn is refused with 429. The two-factor code and the password entered again take turns per
account the same way.

The windows move (``moving-window``): "5 per minute" means at most 5 in any 60 seconds. Counts are
kept in ``RATELIMIT_STORAGE_URI``: Redis in production (``REDIS_URL`` unless set), under the key
prefix ``RATELIMIT_KEY_PREFIX``, so every web process shares them; ``memory://`` (one process)
otherwise. If Redis cannot be reached, each process counts in memory until it is back.

A refused request answers 429 with ``Retry-After``, a "Too many attempts" page (JSON under ``/api/``)
and an ``access.rate_limited`` audit event (``grants.main.errors``).

Flask-Limiter keeps one storage per ``Limiter``; Grants builds more than one application in a
process (the tests, the command line), so ``GrantsLimiter`` keeps its storage and settings per
application instead.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import logging
import math
import threading
import time
from collections.abc import Callable
from functools import wraps

from flask import Flask, current_app, g, has_app_context, request, session
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import TooManyRequests

from config import RATE_LIMITS as LIMITS

log = logging.getLogger(__name__)

STATE = "grants.limits"

DEFAULT_KEY_PREFIX = "grants-limits"


# --- One storage per application ---------------------------------------------------------------


class _PerApp:
    """An attribute Flask-Limiter keeps on the Limiter, kept on the current application instead."""

    def __set_name__(self, owner, name):
        self.name = name

    def _state(self, obj) -> dict | None:
        if obj.__dict__.get("_grants_initialising") or not has_app_context():
            return None
        return current_app.extensions.get(STATE)

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        state = self._state(obj)
        if state is not None and self.name in state:
            return state[self.name]
        return obj.__dict__.get(self.name)

    def __set__(self, obj, value):
        state = self._state(obj)
        if state is not None and self.name in state:
            state[self.name] = value
        else:
            obj.__dict__[self.name] = value


class GrantsLimiter(Limiter):
    """A Limiter whose storage, strategy, on/off switch and fallback belong to each application."""

    enabled = _PerApp()
    _storage = _PerApp()
    _storage_options = _PerApp()
    _storage_dead = _PerApp()
    _limiter = _PerApp()
    _strategy = _PerApp()
    _key_prefix = _PerApp()
    _fallback_storage = _PerApp()
    _fallback_limiter = _PerApp()
    _in_memory_fallback_enabled = _PerApp()
    PER_APP = (
        "enabled",
        "_storage",
        "_storage_options",
        "_storage_dead",
        "_limiter",
        "_strategy",
        "_key_prefix",
        "_fallback_storage",
        "_fallback_limiter",
        "_in_memory_fallback_enabled",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._grants_defaults = {name: self.__dict__.get(name) for name in self.PER_APP}

    def init_app(self, app: Flask) -> None:
        self.__dict__["_grants_initialising"] = True
        try:
            self.__dict__.update(copy.deepcopy(self._grants_defaults))
            super().init_app(app)
            app.extensions[STATE] = {name: self.__dict__.get(name) for name in self.PER_APP}
        finally:
            self.__dict__["_grants_initialising"] = False


# --- Keys ---------------------------------------------------------------------------------------


def _hashed(kind: str, value: str) -> str:
    """A key that does not store the email address or token itself (in Redis, say)."""
    secret = (current_app.config.get("SECRET_KEY") or "").encode()
    return f"{kind}:{hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()[:32]}"


def by_ip() -> str:
    return f"ip:{request.remote_addr or 'unknown'}"


def by_email() -> str:
    return _hashed("email", (request.form.get("email") or "").strip().lower()[:320])


def by_account() -> str:
    """The person signed in, or the one half-way through signing in (password right, code owed)."""
    from flask_login import current_user

    from grants.accounts.two_factor import PENDING

    if current_user and current_user.is_authenticated:
        return _hashed("user", str(current_user.id))
    pending = session.get(PENDING)
    return _hashed("user", str(pending.get("id") if isinstance(pending, dict) else "none"))


def by_token() -> str:
    return _hashed("token", str((request.view_args or {}).get("token", ""))[:200])


by_ip.kind, by_email.kind, by_token.kind, by_account.kind = "ip", "email", "token", "account"

limiter = GrantsLimiter(key_func=by_ip, strategy=None, headers_enabled=False)


# --- The limits ---------------------------------------------------------------------------------


def _setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config.get(name) or LIMITS[name]


def _sign_in_failed(response) -> bool:
    """The sign-in form shown again after a POST: the attempt failed (success redirects)."""
    return response.status_code == 200


def _reauthentication_failed(response) -> bool:
    return bool(g.get(REAUTH_FAILED))


def note_reauthentication_failed() -> None:
    """Count this request against ``RATELIMIT_REAUTH_PER_ACCOUNT`` (a wrong password entered again)."""
    g.setdefault(REAUTH_FAILED, True)


REAUTH_FAILED = "grants_reauthentication_failed"


def _api_auth_refused(response) -> bool:
    return response.status_code == 401


def _stack(*limits) -> Callable:
    def decorate(view):
        for limit in limits:
            view = limit(view)
        return view

    return decorate


# --- Taking turns -------------------------------------------------------------------------------

SERIAL = "grants_serial_lock"
LOCAL_STRIPES = [threading.Lock() for _ in range(64)]
LOCK_SECONDS = 30  # held at most this long (a request that dies frees it by then)
WAIT_SECONDS = 20  # a request waits at most this long for its turn, then is refused (429)


class _LocalLock:
    def __init__(self, key: str):
        self.lock = LOCAL_STRIPES[int(hashlib.sha256(key.encode()).hexdigest(), 16) % len(LOCAL_STRIPES)]

    def acquire(self) -> bool:
        return self.lock.acquire(timeout=WAIT_SECONDS)

    def release(self) -> None:
        self.lock.release()


def _lock_for(key: str):
    client = current_app.extensions.get(STATE, {}).get("serial_redis")
    if client is None:
        return _LocalLock(key)
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or DEFAULT_KEY_PREFIX
    return client.lock(f"{prefix}:turn:{key}", timeout=LOCK_SECONDS, blocking_timeout=WAIT_SECONDS)


def one_at_a_time(key_func: Callable[[], str]) -> Callable:
    """POSTs to the view with the same key take turns, from before their limits are checked until after
    the request's failure is counted (the lock is let go when the request is torn down)."""

    def decorate(view):
        @wraps(view)
        def inner(*args, **kwargs):
            if request.method == "POST" and limiter.enabled:
                lock = _lock_for(key_func())
                try:
                    taken = lock.acquire()
                except Exception:  # Redis went away: take turns within this process instead
                    log.exception("could not take a turn in Redis; taking one in this process")
                    lock = _LocalLock(key_func())
                    taken = lock.acquire()
                if not taken:  # a crowd of attempts on one account: refuse rather than go on uncounted
                    log.warning("waited %s s for a turn at %s; refused", WAIT_SECONDS, request.path)
                    raise TooManyRequests()
                g.setdefault(SERIAL, []).append(lock)
            return view(*args, **kwargs)

        return inner

    return decorate


def _release_turns(_error=None) -> None:
    for lock in reversed(g.pop(SERIAL, [])):
        try:
            lock.release()
        except Exception:  # the Redis lock expired, or Redis went away: nothing is held any more
            log.warning("a turn had already been let go", exc_info=True)


sign_in = _stack(
    limiter.limit(_setting("RATELIMIT_SIGN_IN_PER_IP"), key_func=by_ip, methods=["POST"], deduct_when=_sign_in_failed),
    limiter.limit(
        _setting("RATELIMIT_SIGN_IN_PER_ACCOUNT"), key_func=by_email, methods=["POST"], deduct_when=_sign_in_failed
    ),
    one_at_a_time(by_email),  # outermost: the turn is taken before the limits are checked
)
password_reset = _stack(
    limiter.limit(_setting("RATELIMIT_PASSWORD_RESET_PER_IP"), key_func=by_ip, methods=["POST"]),
    limiter.limit(_setting("RATELIMIT_PASSWORD_RESET_PER_EMAIL"), key_func=by_email, methods=["POST"]),
)
# Confirming a new account's address asks for its password: counted like failed sign-ins from one address.
confirmation = limiter.limit(
    _setting("RATELIMIT_SIGN_IN_PER_IP"), key_func=by_ip, methods=["POST"], deduct_when=_sign_in_failed
)
registration = limiter.limit(_setting("RATELIMIT_REGISTER_PER_IP"), key_func=by_ip, methods=["POST"])
two_factor = _stack(
    limiter.limit(
        _setting("RATELIMIT_TWO_FACTOR_PER_ACCOUNT"), key_func=by_account, methods=["POST"], deduct_when=_sign_in_failed
    ),
    one_at_a_time(by_account),
)
reauthentication = _stack(
    limiter.limit(
        _setting("RATELIMIT_REAUTH_PER_ACCOUNT"),
        key_func=by_account,
        methods=["POST"],
        deduct_when=_reauthentication_failed,
    ),
    one_at_a_time(by_account),
)
emailed_link = _stack(
    limiter.limit(_setting("RATELIMIT_LINK_PER_IP"), key_func=by_ip),
    limiter.limit(_setting("RATELIMIT_LINK_PER_TOKEN"), key_func=by_token),
)


# --- Binding to the application -------------------------------------------------------------------


def _is_memory(uri: str) -> bool:
    return uri.startswith("memory://")


def init_limits(app: Flask) -> None:
    config = app.config
    for name, default in LIMITS.items():
        config.setdefault(name, default)
    config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    uri = config.get("RATELIMIT_STORAGE_URI") or "memory://"
    config["RATELIMIT_STORAGE_URI"] = uri
    if uri.startswith(("redis://", "rediss://", "redis+", "async+redis")):
        options = {
            "key_prefix": config.get("RATELIMIT_KEY_PREFIX") or DEFAULT_KEY_PREFIX,
            "socket_connect_timeout": 2,
            "socket_timeout": 2,
        }
        config["RATELIMIT_STORAGE_OPTIONS"] = {**options, **(config.get("RATELIMIT_STORAGE_OPTIONS") or {})}
    if not _is_memory(uri):
        # The storage unreachable: count in this process's memory until it is back, rather than refuse everyone.
        config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    elif config.get("ENV_NAME") == "production" and config.get("RATELIMIT_ENABLED", True):
        log.warning(
            "Rate limits are counted in memory, separately in each web process: set REDIS_URL "
            "(or RATELIMIT_STORAGE_URI) so that every process shares them."
        )
    limiter.init_app(app)
    app.extensions[STATE]["serial_redis"] = _serial_client(uri, config)
    app.teardown_request(_release_turns)
    _limit_api()


def _serial_client(uri: str, config) -> object | None:
    """The Redis the counts are kept in, for taking turns across processes; None on memory storage."""
    if not uri.startswith(("redis://", "rediss://")):
        return None
    import redis

    return redis.Redis.from_url(uri, socket_connect_timeout=2, socket_timeout=WAIT_SECONDS + 5)


_api_limited = False


def _limit_api() -> None:
    """Refused API tokens, per address, across the whole API blueprint (once per process)."""
    global _api_limited
    if _api_limited:
        return
    from grants.api.routes import bp

    limiter.limit(_setting("RATELIMIT_API_AUTH_FAILURES_PER_IP"), key_func=by_ip, deduct_when=_api_auth_refused)(bp)
    _api_limited = True


def reset(app: Flask | None = None) -> None:
    """Forget every count this application keeps (its storage's keys only)."""
    app = app or current_app._get_current_object()
    state = app.extensions.get(STATE)
    if not state:
        return
    for name in ("_storage", "_fallback_storage"):
        if state.get(name) is not None:
            state[name].reset()
    state["_storage_dead"] = False


# --- Describing a refusal ----------------------------------------------------------------------


def retry_after() -> int:
    """Seconds until the breached limit lets the next request through (at least 1)."""
    try:
        current = limiter.current_limit
        if current is not None:
            return max(1, math.ceil(current.window.reset_time - time.time()))
    except Exception:  # the storage went away: a minute is a fair guess
        log.exception("could not read when the rate limit resets")
    return 60


def describe(error: RateLimitExceeded) -> dict:
    """What was breached, for the audit: the limit and the kind of key, never the key itself."""
    limit = getattr(error, "limit", None)
    if limit is None:
        return {"limit": None, "key": None}
    return {"limit": str(limit.limit), "key": getattr(limit.key_func, "kind", "other")}


def wait_message(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    if minutes <= 1:
        wait = "a minute"
    elif minutes < 60:
        wait = f"{minutes} minutes"
    elif minutes == 60:
        wait = "an hour"
    else:
        wait = f"{math.ceil(minutes / 60)} hours"
    return f"You have tried this too many times in a short time. Wait {wait} and try again."
