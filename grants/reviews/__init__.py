"""Steering-group assessment: reviewers assigned, conflicts declared, bids scored against the rubric,
scores moderated, and the portfolio chosen within budget by decisions that create projects."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.core.dashboard import register_dashboard_link
    from grants.core.navigation import register_nav
    from grants.core.permissions import Role
    from grants.projects.permissions import hide_bids_with
    from grants.reviews import chair_routes, manage_routes, reviewer_routes
    from grants.reviews.queries import conflicted_application_ids

    app.register_blueprint(reviewer_routes.bp)
    app.register_blueprint(manage_routes.bp)
    app.register_blueprint(chair_routes.bp)
    # A steering-group member sees no project of a bid they are conflicted with.
    hide_bids_with(conflicted_application_ids)
    register_nav("Your reviews", "reviews.index", roles=[Role.STEERING_MEMBER], order=40, active_prefix="reviews")
    register_nav(
        "Assessment",
        "assessment.index",
        roles=[Role.STEERING_CHAIR, Role.PROGRAMME_OFFICER],
        order=45,
        active_prefix="assessment",
    )
    register_dashboard_link(Role.STEERING_MEMBER, "Bids to review", "reviews.index")
    register_dashboard_link(Role.STEERING_CHAIR, "Moderate scores and decide", "assessment.index")
