"""Error pages in the service's own style, and the audit of every refused request."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.routing import RoutingException

from grants.api import errors as api_errors
from grants.core import audit, limits
from grants.core.errors import GrantsError, NotFound, PermissionDenied, is_unique_violation
from grants.core.security import is_safe_redirect
from grants.extensions import db
from grants.rounds.choice import RoundNotANumber

log = logging.getLogger(__name__)

MESSAGES = {
    400: (
        "There is a problem with your request",
        "The service could not understand what was sent. Go back and try again.",
    ),
    403: (
        "You do not have permission to see this page",
        "Your account does not give you access to this page or action.",
    ),
    404: (
        "Page not found",
        "If you typed the web address, check it is correct. "
        "If you pasted the web address, check you copied the entire address.",
    ),
    410: (
        "This is no longer available",
        "It has been removed from the service.",
    ),
    405: (
        "That action is not available here",
        "This page cannot be used in that way. Go back and use the buttons and links on the page.",
    ),
    413: (
        "The file or form is too large",
        "What you sent is larger than the service accepts. Documents must be smaller than 10 MB.",
    ),
    409: (
        "This could not be done",
        "Someone made the same change at the same moment, so yours was not saved. "
        "Go back to the page to see how things stand now.",
    ),
    429: (
        "Too many attempts",
        "You have tried this too many times in a short time. Wait a minute and try again.",
    ),
    500: (
        "Sorry, there is a problem with the service",
        "Try again later. If you were sending a form, what you entered has not been saved.",
    ),
}


def _audit_refusal(action: str, detail: dict) -> None:
    """Keep a record of the refusal, and nothing else the request may have half-done."""
    try:
        db.session.rollback()
        audit.record(action, object_type="request", after={"method": request.method, **detail})
        db.session.commit()
    except Exception:  # the refusal must still be shown if the database is unavailable
        db.session.rollback()
        log.exception("could not audit %s", action)


def render_error(status: int, message: str | None = None, *, back_to: str | None = None):
    if api_errors.is_api_request():  # the API answers JSON, never a page
        return api_errors.error_response(status, message)
    title, default_message = MESSAGES.get(status, MESSAGES[400])
    page = render_template(
        "errors/error.html", status=status, title=title, message=message or default_message, back_to=back_to
    )
    return page, status


def page_to_go_back_to() -> str | None:
    """Where a refused change leaves the person: this address, when it is also a page (a form posted to
    itself); otherwise the page of this service the form was sent from; otherwise nowhere in particular."""
    try:
        current_app.url_map.bind_to_environ(request.environ).match(request.path, method="GET")
    except (HTTPException, RoutingException):
        pass
    else:
        return request.path
    referrer = urlsplit(request.referrer or "")
    if referrer.scheme in {"http", "https"} and referrer.netloc == request.host:
        back = referrer.path + (f"?{referrer.query}" if referrer.query else "")
        return back if is_safe_redirect(back) else None
    return None


def _refused(reason: str, error: Exception):
    """A change the service refused, or lost to another at the same moment, after its route had begun:
    nothing of it is kept, the refusal is recorded once, and the person is told what happened (409)."""
    log.info("refused %s %s: %s", request.method, request.path, reason)
    _audit_refusal(
        "request.refused",
        {
            "status": 409,
            "endpoint": request.endpoint,
            "arguments": {name: str(value) for name, value in (request.view_args or {}).items()},
            "reason": reason,
            "error": type(error).__name__,
        },
    )
    return render_error(409, reason, back_to=page_to_go_back_to())


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        _audit_refusal("access.csrf_refused", {"reason": error.description})
        return render_error(
            400,
            "The form could not be sent because it had expired or did not come from this service. "
            "Go back, refresh the page and try again.",
        )

    @app.errorhandler(SecurityError)
    def untrusted_host(error):
        """A Host the site does not answer to: no page of the service can be built for it (its links
        would need that host), so a plain answer."""
        return Response("Bad request: this site does not answer to that host name.\n", 400, mimetype="text/plain")

    @app.errorhandler(403)
    def forbidden(error):
        _audit_refusal("access.refused", {"status": 403})
        return render_error(403)

    @app.errorhandler(PermissionDenied)
    def permission_denied(error):
        _audit_refusal("access.refused", {"status": 403, "reason": error.message})
        return render_error(403, error.message)

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(error):
        from flask import make_response

        seconds = limits.retry_after()
        _audit_refusal(
            "access.rate_limited",
            {"status": 429, "endpoint": request.endpoint, **limits.describe(error), "retry_after": seconds},
        )
        response = make_response(render_error(429, limits.wait_message(seconds)))
        response.headers["Retry-After"] = str(seconds)
        return response

    @app.errorhandler(NotFound)
    def not_found(error):
        return render_error(404, error.message)

    @app.errorhandler(GrantsError)
    def refused(error):
        """The safety net for a service's refusal that its route did not catch, such as a second press of
        a button whose first press has already moved the thing on. (A refusal of permission is a 403 and
        "not found" a 404, above: Flask answers each error with the handler of its nearest class.)"""
        return _refused(error.message, error)

    @app.errorhandler(IntegrityError)
    def lost_race(error):
        """Two requests that made the same thing at the same moment: the database kept the first. Any other
        broken database rule is a fault in the service, and stays a 500."""
        if not is_unique_violation(error):
            raise error
        return _refused(MESSAGES[409][1], error)

    @app.errorhandler(RoundNotANumber)
    def not_a_round(error):
        return render_error(400, error.message)

    @app.errorhandler(HTTPException)
    def http_error(error):
        if api_errors.is_api_request():
            return api_errors.from_http_exception(error)
        if error.code in MESSAGES:
            return render_error(error.code)
        return error

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render_error(500)
