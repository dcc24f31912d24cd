"""Security defaults applied to every response, and the one check for where ``next`` may lead."""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from flask import Flask, Response, abort, g, request


def is_safe_redirect(target: str | None) -> bool:
    """True only for a path on this site: ``/rounds?page=2``, never ``//evil.example`` and the like.

    Browsers treat ``\\`` as ``/`` and drop tabs and newlines inside URLs, so any of those, any
    control character, a scheme or a host makes the target unsafe.
    """
    if not target or len(target) > 2000:
        return False
    if any(unicodedata.category(ch)[0] in {"C", "Z"} for ch in target):
        return False
    if "\\" in target or not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, default: str) -> str:
    return target if target is not None and is_safe_redirect(target) else default


HEALTH_CHECK_PATH = "/healthz"


def is_health_check() -> bool:
    """The load balancer's probe, which reads nothing: answered with no session, no user and no rate limit."""
    return request.path == HEALTH_CHECK_PATH


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    nonce: str = g.csp_nonce
    return nonce


def _content_security_policy(nonce: str | None) -> str:
    """The policy of a page (scripts of the site and those carrying the page's nonce); ``None`` for a
    response that is not HTML, which carries no script of its own to let through."""
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'" if nonce else "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


# The same on every response, worked out once.
_FIXED_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
_HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
_POLICY_WITHOUT_NONCE = _content_security_policy(None)


def is_download(response: Response) -> bool:
    """A file handed over to be saved (``Content-Disposition: attachment``)."""
    return str(response.headers.get("Content-Disposition", "")).strip().lower().startswith("attachment")


def _has_nul(values: Iterable[object]) -> bool:
    return any(isinstance(value, str) and "\x00" in value for value in values)  # a nameless part's key is None


def init_security(app: Flask) -> None:
    @app.before_request
    def _refuse_nul_characters() -> None:
        """A NUL character is never part of real input, and PostgreSQL cannot store one."""
        if "\x00" in request.path:
            abort(400)
        if request.query_string and (_has_nul(request.args.values()) or _has_nul(request.args.keys())):
            abort(400)
        if request.method in {"POST", "PUT", "PATCH"} and (
            _has_nul(request.form.values()) or _has_nul(request.form.keys())
        ):
            abort(400)

    @app.context_processor
    def _nonce() -> dict[str, Callable[[], str]]:
        return {"csp_nonce": csp_nonce}

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        is_html = response.mimetype == "text/html"
        if "Content-Security-Policy" not in headers:
            # Only a page can carry a script with a nonce; the nonce is made only if a page needs one.
            policy = _content_security_policy(csp_nonce()) if is_html else _POLICY_WITHOUT_NONCE
            headers["Content-Security-Policy"] = policy
        present = {name.lower() for name in headers.keys()}
        fixed = (*_FIXED_HEADERS, _HSTS) if app.config.get("HSTS") else _FIXED_HEADERS
        headers.extend([(name, value) for name, value in fixed if name.lower() not in present])
        if is_html:
            headers.setdefault("Cache-Control", "no-store")
        if is_download(response):
            # Every download is someone's data (bids, payments, reports, uploaded files): no browser,
            # proxy or shared computer keeps a copy, whatever the route or ``send_file`` said.
            headers["Cache-Control"] = "no-store"
            headers.pop("Expires", None)
        return response
