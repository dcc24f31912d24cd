"""Personal data: each person downloads what the service holds about them; programme officers
anonymise an applicant whose bids were all withdrawn longer ago than the retention period, leaving the
money trail (amounts, budgets, match funding, decisions, references) and the audit trail as they were."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.core.dashboard import register_dashboard_link
    from grants.core.navigation import register_nav
    from grants.privacy.permissions import ANONYMISERS
    from grants.privacy.routes import bp

    app.register_blueprint(bp)
    register_nav(
        "Personal data",
        "privacy.index",
        group="admin",
        description="Anonymise applicants whose bids were all withdrawn longer ago than the retention period.",
        roles=ANONYMISERS,
        order=60,
    )
    for role in sorted(ANONYMISERS):
        register_dashboard_link(role, "Anonymise withdrawn applicants", "privacy.index")
