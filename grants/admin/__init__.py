"""Administration: people's roles, and the audit trail."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.admin.queries import user_audit_links
    from grants.admin.queues import register as register_queues
    from grants.admin.routes import bp
    from grants.core.audit_links import register_audit_link
    from grants.core.dashboard import register_dashboard_link
    from grants.core.navigation import register_nav
    from grants.core.permissions import Role

    app.register_blueprint(bp)
    register_audit_link("user", user_audit_links)
    register_nav(
        "People",
        "admin.users",
        group="admin",
        description="Everyone who uses the service, and the roles that say what each may do.",
        roles=[Role.ADMIN],
        order=10,
    )
    register_nav(
        "Audit trail",
        "admin.audit_log",
        group="admin",
        description="Every change of state and every refused request: who, what and when.",
        roles=[Role.ADMIN, Role.PROGRAMME_OFFICER],
        order=20,
    )
    register_dashboard_link(Role.ADMIN, "Manage people and roles", "admin.users")
    register_dashboard_link(Role.ADMIN, "Read the audit trail", "admin.audit_log")
    register_queues()
    register_dashboard_link(Role.PROGRAMME_OFFICER, "Read the audit trail", "admin.audit_log")
    register_dashboard_link(Role.PROGRAMME_OFFICER, "Email sent by the service", "notifications.outbox")
