"""Email: an outbox written with the change that caused it, sent by a job after commit."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.core.cli import register_job
    from grants.core.navigation import register_nav
    from grants.core.permissions import Role
    from grants.core.queues import register_queue
    from grants.notifications import tasks  # noqa: F401  (registers the Celery tasks)
    from grants.notifications.cli import send_outbox_command
    from grants.notifications.routes import bp

    app.register_blueprint(bp)
    register_job(send_outbox_command)
    register_nav(
        "Email sent by the service",
        "notifications.outbox",
        group="admin",
        description="Every email the service has sent or is about to send, and any that failed.",
        roles=[Role.PROGRAMME_OFFICER, Role.ADMIN],
        order=30,
        active_prefix="notifications",
    )
    register_queue(Role.PROGRAMME_OFFICER, "notifications.failed", _failed_email, order=70)


def _failed_email(user):
    from grants.notifications.officer_queues import failed_email

    return failed_email(user)
