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

Each application has its own ``Limiter`` (created by ``init_limits``, kept in ``app.extensions``), so
a process that builds more than one application (the tests, the command line) keeps their counts,
storage and settings apart. Views are marked here once, at import; each application's limiter learns
the marked views when ``create_app`` has registered them (``learn_views``). Only Flask-Limiter's
public API is used (``Limiter``, ``limit``, ``enabled``, ``storage``, ``reset``, ``current_limit``):
its exact version is pinned and ``tests/core/test_limits_library.py`` checks what is relied on.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import TYPE_CHECKING, Any, Protocol

from flask import Blueprint, Config, Flask, Response, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import TooManyRequests

from config import RATE_LIMITS as LIMITS
from grants.core.security import is_health_check

if TYPE_CHECKING:
    from redis import Redis

log = logging.getLogger(__name__)

STATE = "grants.limits"

View = Callable[..., Any]
Decorator = Callable[[View], View]

DEFAULT_KEY_PREFIX = "grants-limits"


# --- One limiter per application ------------------------------------------------------------------


@dataclass
class _AppLimits:
    """What one application keeps: its limiter, the views it has learnt, the Redis turns are taken in."""

    limiter: Limiter
    serial_redis: Redis | None = None
    views: dict[View, View] = field(default_factory=dict)  # marked view -> the same, limited
    lock: threading.Lock = field(default_factory=threading.Lock)


def _app_limits(app: Flask | None = None) -> _AppLimits | None:
    return (app or current_app).extensions.get(STATE)


def limiter_for(app: Flask | None = None) -> Limiter:
    """The application's own ``Limiter`` (the current application's unless given)."""
    state = _app_limits(app)
    if state is None:
        raise RuntimeError("init_limits has not been called for this application")
    return state.limiter


def _enabled() -> bool:
    state = _app_limits()
    return state is not None and state.limiter.enabled


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

    if current_user and current_user.is_authenticated:
        return _hashed("user", str(current_user.id))
    pending = _PENDING_ACCOUNT[0]() if _PENDING_ACCOUNT else None
    return _hashed("user", str(pending if pending is not None else "none"))


_PENDING_ACCOUNT: list[Callable[[], object]] = []


def identify_pending_account(finder: Callable[[], object]) -> None:
    """How ``by_account`` finds the person half-way through signing in (the accounts area tells it)."""
    _PENDING_ACCOUNT[:] = [finder]


def by_token() -> str:
    return _hashed("token", str((request.view_args or {}).get("token", ""))[:200])


# The kind of key each counts by, for the audit of a refusal (``describe``).
_KEY_KINDS: dict[Callable[[], str], str] = {by_ip: "ip", by_email: "email", by_token: "token", by_account: "account"}


# --- The limits ---------------------------------------------------------------------------------


def _setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config.get(name) or LIMITS[name]


def _sign_in_failed(response: Response) -> bool:
    """The sign-in form shown again after a POST: the attempt failed (success redirects)."""
    return response.status_code == 200


def _reauthentication_failed(response: Response) -> bool:
    return bool(g.get(REAUTH_FAILED))


def note_reauthentication_failed() -> None:
    """Count this request against ``RATELIMIT_REAUTH_PER_ACCOUNT`` (a wrong password entered again)."""
    g.setdefault(REAUTH_FAILED, True)


REAUTH_FAILED = "grants_reauthentication_failed"


def _api_auth_refused(response: Response) -> bool:
    return response.status_code == 401


@dataclass(frozen=True)
class _Rule:
    """One limit, as ``Limiter.limit`` takes it; read from the setting named on each request."""

    setting: str
    key_func: Callable[[], str]
    methods: tuple[str, ...] | None = ("POST",)
    deduct_when: Callable[[Response], bool] | None = None

    def applied(self, limiter: Limiter, target: Any) -> Any:
        methods = list(self.methods) if self.methods else None
        decorate = limiter.limit(
            _setting(self.setting), key_func=self.key_func, methods=methods, deduct_when=self.deduct_when
        )
        return decorate(target)


def _limited(*rules: _Rule) -> Decorator:
    """Count the view against ``rules`` by the current application's limiter (the first rule innermost)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def inner(*args: Any, **kwargs: Any) -> Any:
            return _learnt(view, rules)(*args, **kwargs)

        _MARKED[view] = rules
        return inner

    return decorate


_MARKED: dict[View, tuple[_Rule, ...]] = {}  # every view marked, at import


def _learnt(view: View, rules: tuple[_Rule, ...]) -> View:
    """``view`` wrapped by this application's limiter (once per application: the wrap registers its limits)."""
    state = _app_limits()
    if state is None or not state.limiter.enabled:
        return view
    limited = state.views.get(view)
    if limited is None:
        with state.lock:
            limited = state.views.get(view)
            if limited is None:
                limited = view
                for rule in rules:
                    limited = rule.applied(state.limiter, limited)
                state.views[view] = limited
    return limited


def learn_views(app: Flask) -> None:
    """Teach the application's limiter every marked view now (``flask limiter limits`` lists them)."""
    with app.app_context():
        for view, rules in list(_MARKED.items()):
            _learnt(view, rules)


def limit_blueprint(app: Flask, blueprint: Blueprint) -> None:
    """Refused API tokens, per address, across the whole of ``blueprint`` (the API area asks)."""
    state = _app_limits(app)
    if state is not None and state.limiter.enabled:
        _Rule("RATELIMIT_API_AUTH_FAILURES_PER_IP", by_ip, None, _api_auth_refused).applied(state.limiter, blueprint)


def _stack(*limits: Decorator) -> Decorator:
    def decorate(view: View) -> View:
        for limit in limits:
            view = limit(view)
        return view

    return decorate


# --- Taking turns -------------------------------------------------------------------------------

SERIAL = "grants_serial_lock"
LOCAL_STRIPES = [threading.Lock() for _ in range(64)]
LOCK_SECONDS = 30  # held at most this long (a request that dies frees it by then)
WAIT_SECONDS = 20  # a request waits at most this long for its turn, then is refused (429)


class _Turn(Protocol):
    """A lock held for one key's turn: this process's or Redis's."""

    def acquire(self) -> bool: ...

    def release(self) -> None: ...


class _LocalLock:
    def __init__(self, key: str) -> None:
        self.lock = LOCAL_STRIPES[int(hashlib.sha256(key.encode()).hexdigest(), 16) % len(LOCAL_STRIPES)]

    def acquire(self) -> bool:
        return self.lock.acquire(timeout=WAIT_SECONDS)

    def release(self) -> None:
        self.lock.release()


def _lock_for(key: str) -> _Turn:
    state = _app_limits()
    client = state.serial_redis if state is not None else None
    if client is None:
        return _LocalLock(key)
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or DEFAULT_KEY_PREFIX
    turn: _Turn = client.lock(f"{prefix}:turn:{key}", timeout=LOCK_SECONDS, blocking_timeout=WAIT_SECONDS)
    return turn


def one_at_a_time(key_func: Callable[[], str]) -> Decorator:
    """POSTs to the view with the same key take turns, from before their limits are checked until after
    the request's failure is counted (the lock is let go when the request is torn down)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def inner(*args: Any, **kwargs: Any) -> Any:
            if request.method == "POST" and _enabled():
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


def _release_turns(_error: BaseException | None = None) -> None:
    for lock in reversed(g.pop(SERIAL, [])):
        try:
            lock.release()
        except Exception:  # the Redis lock expired, or Redis went away: nothing is held any more
            log.warning("a turn had already been let go", exc_info=True)


sign_in = _stack(
    _limited(
        _Rule("RATELIMIT_SIGN_IN_PER_IP", by_ip, deduct_when=_sign_in_failed),
        _Rule("RATELIMIT_SIGN_IN_PER_ACCOUNT", by_email, deduct_when=_sign_in_failed),
    ),
    one_at_a_time(by_email),  # outermost: the turn is taken before the limits are checked
)
password_reset = _limited(
    _Rule("RATELIMIT_PASSWORD_RESET_PER_IP", by_ip),
    _Rule("RATELIMIT_PASSWORD_RESET_PER_EMAIL", by_email),
)
# Confirming a new account's address asks for its password: counted like failed sign-ins from one address.
confirmation = _limited(_Rule("RATELIMIT_SIGN_IN_PER_IP", by_ip, deduct_when=_sign_in_failed))
registration = _limited(_Rule("RATELIMIT_REGISTER_PER_IP", by_ip))
two_factor = _stack(
    _limited(_Rule("RATELIMIT_TWO_FACTOR_PER_ACCOUNT", by_account, deduct_when=_sign_in_failed)),
    one_at_a_time(by_account),
)
reauthentication = _stack(
    _limited(_Rule("RATELIMIT_REAUTH_PER_ACCOUNT", by_account, deduct_when=_reauthentication_failed)),
    one_at_a_time(by_account),
)
emailed_link = _limited(
    _Rule("RATELIMIT_LINK_PER_IP", by_ip, methods=None),
    _Rule("RATELIMIT_LINK_PER_TOKEN", by_token, methods=None),
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
    limiter = Limiter(key_func=by_ip, headers_enabled=False)
    limiter.request_filter(is_health_check)  # limits nothing: no need to look for one on every probe
    limiter.init_app(app)
    app.extensions[STATE] = _AppLimits(limiter, serial_redis=_serial_client(uri, config))
    app.teardown_request(_release_turns)


def _serial_client(uri: str, config: Config) -> Redis | None:
    """The Redis the counts are kept in, for taking turns across processes; None on memory storage."""
    if not uri.startswith(("redis://", "rediss://")):
        return None
    import redis

    return redis.Redis.from_url(uri, socket_connect_timeout=2, socket_timeout=WAIT_SECONDS + 5)


def reset(app: Flask | None = None) -> None:
    """Forget every count this application keeps (its storage's keys only)."""
    state = _app_limits(app)
    if state is not None and state.limiter.enabled:
        state.limiter.reset()


# --- Describing a refusal ----------------------------------------------------------------------


def retry_after() -> int:
    """Seconds until the breached limit lets the next request through (at least 1)."""
    try:
        current = limiter_for().current_limit
        if current is not None:
            return max(1, math.ceil(current.window.reset_time - time.time()))
    except Exception:  # the storage went away: a minute is a fair guess
        log.exception("could not read when the rate limit resets")
    return 60


def describe(error: RateLimitExceeded) -> dict[str, str | None]:
    """What was breached, for the audit: the limit and the kind of key, never the key itself."""
    limit = getattr(error, "limit", None)
    if limit is None:
        return {"limit": None, "key": None}
    return {"limit": str(limit.limit), "key": _KEY_KINDS.get(limit.key_func, "other")}


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
