"""Serve Grants for the browser journeys, as a process of its own: the testing configuration with CSRF
switched on, jobs run in-process, on the PostgreSQL database given as DATABASE_URL (migrated here; the
journeys' databases are copies of one already migrated, so this finds nothing to do).
Email goes over SMTP to MAIL_SERVER:MAIL_PORT when they are set (the journeys' own mail server, where
people read their emailed links), else it is captured in the database. With ``--clock FILE`` the
two-factor check reads the journeys' clock (``tests/browser/clock.py``) instead of the real time.

    python -m tests.browser.serve --port 8765
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("GRANTS_ENV", "testing")

from flask_migrate import upgrade  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from grants import create_app  # noqa: E402
from grants.accounts import two_factor  # noqa: E402
from tests.browser.clock import offset_in  # noqa: E402


def read_the_clock_in(path: Path) -> None:
    """The two-factor check of this process reads the time from the journeys' clock: a code is
    matched against the clock's step (or one either side), as the check would against the real time."""
    check = two_factor._matching_step

    def on_the_clock(secret, code, *, after, now=None):
        return check(secret, code, after=after, now=time.time() + offset_in(path) if now is None else now)

    two_factor._matching_step = on_the_clock


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--uploads", required=True)
    parser.add_argument("--clock", type=Path)
    arguments = parser.parse_args()
    if arguments.clock:
        read_the_clock_in(arguments.clock)
    base_url = f"http://127.0.0.1:{arguments.port}"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": os.environ["DATABASE_URL"],
            "WTF_CSRF_ENABLED": True,
            "CELERY_TASK_ALWAYS_EAGER": True,
            "MAIL_BACKEND": "smtp" if os.environ.get("MAIL_SERVER") else "capture",
            "BASE_URL": base_url,
            "SERVER_NAME": None,
            "UPLOAD_FOLDER": arguments.uploads,
        }
    )
    with app.app_context():
        upgrade()
    server = make_server("127.0.0.1", arguments.port, app, threaded=True)
    print(f"serving {base_url}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
