"""Uploaded files: checked by content, stored under generated names, downloaded only by those allowed."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.core.cli import register_job
    from grants.documents import models, tasks  # noqa: F401
    from grants.documents.cli import sweep_uploads_command
    from grants.documents.services import discard_uncommitted_uploads

    register_job(sweep_uploads_command)

    # Registered after Flask-SQLAlchemy's own teardown, so it runs first, while the session is there.
    app.teardown_appcontext(discard_uncommitted_uploads)
