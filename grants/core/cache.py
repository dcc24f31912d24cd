"""Whole pages kept for a short while, for the pages read far more often than anything changes: the
public rounds page and learning library, the officer's application list, the chair's ranking, a
project's page, the portfolio dashboard and the funding overview (``@cached_page`` on their views).

Why serving a kept page is safe:

- **No page outlives a write.** Every commit that wrote anything, in a web process or a worker, moves
  the data version (``after_flush`` / bulk statements mark the session, ``after_commit`` moves it),
  and every key carries the version. A page is kept at most ``PAGE_CACHE_SECONDS`` (60) besides, for
  what a commit does not cover (the date, a change made outside the service).
- **Each person sees their own page.** The key is the person (or "anonymous"), the data version,
  today's date in London and the full path with its query string; what a person may see follows from
  their roles and the data, both covered.
- **Nothing of the request is replayed.** The response's Content Security Policy nonce and the
  session's CSRF token are put back fresh on every use (kept as placeholders); only a ``200`` HTML
  page of a ``GET`` is kept, never a page showing a flash message.

Where kept: Redis (``REDIS_URL``) in production, shared by every process; in this process's memory in
development (one process); nowhere when production has no Redis (each process would keep its own
version, and one process's write would not reach another's pages), which logs a warning at start.
``PAGE_CACHE_SECONDS=0`` keeps nothing. The tests keep nothing, so that each page's own queries are
what they count, except the browser journeys' server and ``tests/core/test_cache.py``.
"""

from __future__ import annotations

import logging
import threading
import time
import warnings
from collections.abc import Callable
from functools import wraps
from typing import Any

from cachelib import NullCache, RedisCache
from flask import Flask, Response, current_app, g, request, session
from flask_caching import Cache
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

log = logging.getLogger(__name__)

cache = Cache()

VERSION_KEY = "data-version"
WROTE = "grants.cache.wrote"
NONCE_PLACEHOLDER = "\x00csp-nonce\x00"
CSRF_PLACEHOLDER = "\x00csrf-token\x00"
DEFAULT_SECONDS = 60
_lock = threading.Lock()


# --- Where pages are kept ----------------------------------------------------------------------------


def init_cache(app: Flask) -> None:
    config = app.config
    config.setdefault("PAGE_CACHE_SECONDS", DEFAULT_SECONDS)
    if not config.get("CACHE_TYPE"):
        if config.get("REDIS_URL"):
            config["CACHE_TYPE"] = "RedisCache"
            config.setdefault("CACHE_REDIS_URL", config["REDIS_URL"])
            config.setdefault("CACHE_KEY_PREFIX", "grants-pages:")
        elif config.get("ENV_NAME") == "production":
            config["CACHE_TYPE"] = "NullCache"
            log.warning("Pages are not cached: set REDIS_URL so that every web process shares the page cache.")
        else:
            config["CACHE_TYPE"] = "SimpleCache"
            config.setdefault("CACHE_THRESHOLD", 2000)
    config.setdefault("CACHE_DEFAULT_TIMEOUT", config["PAGE_CACHE_SECONDS"])
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Flask-Caching: CACHE_TYPE is set to NullCache")
        cache.init_app(app)
    _install_write_hooks()


def clear(app: Flask | None = None) -> None:
    """Forget every kept page (the tests, before each one)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's own method
    with app.app_context():
        cache.clear()


# --- The data version ---------------------------------------------------------------------------------


def _mark_written(session: Session, *args: Any) -> None:
    session.info[WROTE] = True


def _mark_statement(orm_execute_state: ORMExecuteState) -> None:
    if not orm_execute_state.is_select:
        orm_execute_state.session.info[WROTE] = True


def _move_version(session: Session) -> None:
    if session.info.pop(WROTE, False):
        try:
            move_version()
        except Exception:  # the store is away: pages kept there cannot be served either
            log.exception("could not move the data version of the page cache")


def move_version() -> None:
    """Every page kept so far is stale from now on. The version never expires and never goes back."""
    backend = cache.cache
    if isinstance(backend, RedisCache):
        backend.inc(VERSION_KEY)  # INCR: atomic across processes, no expiry
    elif not isinstance(backend, NullCache):
        with _lock:
            backend.set(VERSION_KEY, int(backend.get(VERSION_KEY) or _fresh_version()) + 1, timeout=0)


def _forget_mark(session: Session, *args: Any) -> None:
    session.info.pop(WROTE, None)


def _install_write_hooks() -> None:
    """Listen on every session; idempotent."""
    if not event.contains(Session, "after_commit", _move_version):
        event.listen(Session, "after_flush", _mark_written)
        event.listen(Session, "do_orm_execute", _mark_statement)
        event.listen(Session, "after_commit", _move_version)
        event.listen(Session, "after_rollback", _forget_mark)


def _fresh_version() -> int:
    """Where a version starts when the store has none (new, flushed or evicted): the clock, in
    microseconds, so that it is past every version the store held before (a commit takes longer than
    a microsecond, so the versions written since the last start cannot have overtaken the clock)."""
    return time.time_ns() // 1000


def data_version() -> int | None:
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.cache.add(VERSION_KEY, _fresh_version(), timeout=0)
            version = cache.get(VERSION_KEY)
    except Exception:
        log.exception("could not read the data version of the page cache")
        return None
    return int(version) if version is not None else None


# --- Pages ---------------------------------------------------------------------------------------------


def _key(version: int) -> str:
    from grants.core.times import london_today

    who = f"user:{current_user.id}" if current_user.is_authenticated else "anonymous"
    return f"page:{version}:{london_today().isoformat()}:{who}:{request.full_path}"


def _keepable(response: object) -> bool:
    return (
        isinstance(response, Response)
        and response.status_code == 200
        and response.mimetype == "text/html"
        and not response.is_streamed
        and not response.headers.get("Set-Cookie")  # the page did something to the session; keep nothing
    )


def cached_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """Serve the view's page from the cache while nothing has been written (see the module's notes)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        seconds = current_app.config.get("PAGE_CACHE_SECONDS") or 0
        if seconds <= 0 or request.method != "GET" or session.get("_flashes") or _keeps_nothing():
            return view(*args, **kwargs)
        version = data_version()
        if version is None:
            return view(*args, **kwargs)
        key = _key(version)
        try:
            kept = cache.get(key)
        except Exception:
            log.exception("could not read a kept page")
            kept = None
        if kept is not None:
            g.page_cache = "hit"
            body = kept.replace(NONCE_PLACEHOLDER, _nonce()).replace(CSRF_PLACEHOLDER, generate_csrf())
            return Response(body, mimetype="text/html")
        response = current_app.make_response(view(*args, **kwargs))
        g.page_cache = "miss"
        if _keepable(response):
            body = response.get_data(as_text=True)
            if NONCE_PLACEHOLDER not in body and CSRF_PLACEHOLDER not in body:
                body = body.replace(_nonce(), NONCE_PLACEHOLDER)
                if "csrf_token" in g:
                    body = body.replace(g.csrf_token, CSRF_PLACEHOLDER)
                try:
                    cache.set(key, body, timeout=seconds)
                except Exception:
                    log.exception("could not keep a page")
        return response

    wrapped.cached_page = True  # type: ignore[attr-defined]  # a mark the route checks read
    return wrapped


def _keeps_nothing() -> bool:
    return isinstance(cache.cache, NullCache)


def _nonce() -> str:
    from grants.core.security import csp_nonce

    return csp_nonce()
