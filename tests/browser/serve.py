"""Serve Grants for the browser journeys, as a process of its own: the testing configuration with CSRF
switched on, jobs run in-process, on the fresh PostgreSQL database given as DATABASE_URL (migrated here).
Email goes over SMTP to MAIL_SERVER:MAIL_PORT when they are set (the journeys' own mail server, where
people read their emailed links), else it is captured in the database.

    python -m tests.browser.serve --port 8765
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("GRANTS_ENV", "testing")

from flask_migrate import upgrade  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from grants import create_app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--uploads", required=True)
    arguments = parser.parse_args()
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
