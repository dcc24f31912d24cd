"""Errors under ``/api/`` as JSON: ``{"error": {"status": 404, "code": "not_found", "message": "..."}}``.

``grants.main.errors`` hands every error on an ``/api/`` path to ``error_response`` here, so that
unknown paths (404) and wrong methods (405) answer JSON too, never an HTML page.
"""

from __future__ import annotations

from flask import has_request_context, jsonify, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import HTTPException

from grants.core.security import HEALTH_CHECK_PATH

API_PREFIX = "/api/"

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    429: "too_many_requests",
    500: "server_error",
}
MESSAGES = {
    400: "The request could not be understood.",
    401: "Send an API token in the Authorization header: Bearer <token>.",
    403: "This API token does not give access to that.",
    404: "There is nothing at this address, or this API token may not see it.",
    405: "The API is read-only: use GET.",
    413: "The request is too large.",
    429: "Too many refused requests from this address. Wait, then try again: see the Retry-After header.",
    500: "Sorry, there is a problem with the service. Try again later.",
}
AUTHENTICATE = 'Bearer realm="Grants API"'


class ApiError(Exception):
    """Raised by the API's views; answered by ``error_response``."""

    def __init__(self, status: int, message: str | None = None):
        super().__init__(message or MESSAGES.get(status, ""))
        self.status = status
        self.message = message or MESSAGES.get(status, MESSAGES[400])


DOCS_PATH = "/api/docs"  # the human documentation: a page of the service, with its session


def is_api_path(path: str) -> bool:
    return (path.startswith(API_PREFIX) or path == API_PREFIX.rstrip("/")) and path != DOCS_PATH


def is_api_request() -> bool:
    return has_request_context() and is_api_path(request.path)


class TokenOnlySessionInterface(SecureCookieSessionInterface):
    """Under ``/api/`` a token is the only way in: the browser's session cookie is neither read nor
    refreshed, and a null session is never saved, so no API response sets a cookie. The health check
    reads no session either (it answers the same to everyone)."""

    def open_session(self, app, request):
        if is_api_path(request.path) or request.path == HEALTH_CHECK_PATH:
            return self.make_null_session(app)
        return super().open_session(app, request)


def error_response(status: int, message: str | None = None, *, headers: dict | None = None):
    body = {"error": {"status": status, "code": CODES.get(status, "error"), "message": message or MESSAGES.get(status)}}
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    if status == 401:
        response.headers["WWW-Authenticate"] = AUTHENTICATE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_http_exception(error: HTTPException):
    """Werkzeug's error (a routing 404 or 405, a 400 from a guard) as the API's JSON error."""
    status = error.code or 500
    headers = {}
    if status == 405:
        allowed = getattr(error, "valid_methods", None) or ["GET", "HEAD", "OPTIONS"]
        headers["Allow"] = ", ".join(allowed)
        message = f"The API is read-only: {request.method} is not allowed here. Use GET."
    else:
        message = MESSAGES.get(status, error.description)
    return error_response(status, message, headers=headers)
