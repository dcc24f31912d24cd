"""Links that leave the site, such as those in email, are built on ``BASE_URL``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, url_for


def absolute_url(endpoint: str, **values: Any) -> str:
    """``https://grants.example.org/password/reset/...`` whether or not there is a request."""
    base = urlsplit(current_app.config["BASE_URL"])
    with current_app.test_request_context(base_url=f"{base.scheme}://{base.netloc}{base.path}"):
        return url_for(endpoint, _external=True, **values)
