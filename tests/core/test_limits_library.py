"""What ``grants.core.limits`` relies on in Flask-Limiter, checked on bare applications: if an upgrade
changes any of it, these fail before a sign-in goes unlimited."""

from __future__ import annotations

from importlib.metadata import version

import pytest
from flask import Blueprint, Flask
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded

WRITTEN_AGAINST = "4.1.1"  # requirements/base.in pins it; change both, after reading the changelog


def test_the_installed_flask_limiter_is_the_one_the_code_was_written_against():
    assert version("Flask-Limiter") == WRITTEN_AGAINST


def _app(**settings) -> tuple[Flask, Limiter]:
    app = Flask(__name__)
    app.config.update(RATELIMIT_STORAGE_URI="memory://", RATELIMIT_STRATEGY="moving-window", **settings)
    limiter = Limiter(key_func=lambda: "one key", headers_enabled=False)
    limiter.init_app(app)
    return app, limiter


def _view():
    return "ok"


def _limited(app, limiter, *limits, deduct_when=None):
    """``_view`` at /, wrapped by ``limiter`` once per limit (the first innermost), as grants.core.limits does."""
    view = _view
    for limit in limits:
        view = limiter.limit(lambda limit=limit: limit, methods=["POST"], deduct_when=deduct_when)(view)
    app.add_url_rule("/", "view", view, methods=["GET", "POST"])
    return app.test_client()


def _posts(client, count):
    return [client.post("/").status_code for _ in range(count)]


def test_each_application_counts_on_its_own_limiter_and_storage():
    (first, first_limiter), (second, second_limiter) = _app(), _app()
    one, two = _limited(first, first_limiter, "2 per minute"), _limited(second, second_limiter, "2 per minute")
    assert _posts(one, 3) == [200, 200, 429]
    assert _posts(two, 2) == [200, 200]
    assert first_limiter.storage is not second_limiter.storage
    assert type(first_limiter.storage).__name__ == "MemoryStorage"


def test_stacked_limits_of_one_limiter_are_each_counted_once():
    app, limiter = _app()
    client = _limited(app, limiter, "3 per minute", "5 per minute")
    assert _posts(client, 4) == [200, 200, 200, 429]  # counted once per request, not once per wrap


def test_only_the_methods_named_are_counted():
    app, limiter = _app()
    client = _limited(app, limiter, "1 per minute")
    assert [client.get("/").status_code for _ in range(3)] + _posts(client, 2) == [200, 200, 200, 200, 429]


def test_deduct_when_counts_only_the_responses_it_picks():
    app, limiter = _app()
    client = _limited(app, limiter, "1 per minute", deduct_when=lambda response: response.status_code == 418)
    assert _posts(client, 3) == [200, 200, 200]


def test_reset_forgets_every_count():
    app, limiter = _app()
    client = _limited(app, limiter, "1 per minute")
    assert _posts(client, 2) == [200, 429]
    limiter.reset()
    assert _posts(client, 1) == [200]


def test_switched_off_by_setting():
    app, limiter = _app(RATELIMIT_ENABLED=False)
    assert limiter.enabled is False


def test_a_blueprint_limit_covers_its_views_and_the_breach_names_its_limit():
    app, limiter = _app()
    bp = Blueprint("api", __name__)
    bp.add_url_rule("/api", "view", _view)
    limiter.limit(lambda: "1 per minute")(bp)
    app.register_blueprint(bp)
    seen = []

    @app.errorhandler(RateLimitExceeded)
    def refused(error):
        seen.append((str(error.limit.limit), limiter.current_limit is not None))
        return "slow down", 429

    client = app.test_client()
    assert [client.get("/api").status_code for _ in range(2)] == [200, 429]
    assert seen == [("1 per 1 minute", True)]


@pytest.mark.parametrize("name", ["limit", "reset", "init_app"])
def test_the_public_methods_used_are_there(name):
    assert callable(getattr(Limiter, name))
    assert isinstance(Limiter.storage, property) and isinstance(Limiter.current_limit, property)
