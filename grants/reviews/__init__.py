"""Steering-group assessment: reviewers assigned, conflicts declared, bids scored against the rubric,
scores moderated, and the portfolio chosen within budget by decisions that create projects."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.applications.permissions import let_assessors_read_with
    from grants.applications.queries import find_awards_given_up_with, find_decisions_with
    from grants.core.dashboard import register_dashboard_link
    from grants.core.figures import KeptFigures, register_kept_figures
    from grants.core.navigation import register_nav
    from grants.core.permissions import Role
    from grants.core.queues import register_queue
    from grants.projects.ending import on_award_given_up
    from grants.projects.permissions import hide_bids_with
    from grants.reviews import chair_routes, given_up, kept, manage_routes, reviewer_routes
    from grants.reviews.permissions import can_read_bid
    from grants.reviews.queries import conflicted_application_ids, decision_in_effect
    from grants.reviews.services import start_assessment
    from grants.rounds.services import start_assessment_with

    app.register_blueprint(reviewer_routes.bp)
    app.register_blueprint(manage_routes.bp)
    app.register_blueprint(chair_routes.bp)
    # A steering-group member sees no project of a bid they are conflicted with.
    hide_bids_with(conflicted_application_ids)
    # A bid's page shows its decision once it takes effect; those assessing a bid read its documents.
    find_decisions_with(decision_in_effect)
    let_assessors_read_with(can_read_bid)
    # An award given up frees its budget and place for a reserve bid: the chairs are told, and the bid's
    # pages say it was given up.
    on_award_given_up(given_up.tell_chairs_place_open)
    find_awards_given_up_with(given_up.awards_given_up)
    # Each bid's weighted score and spread, kept as its scores change; ``flask figures check`` recomputes them.
    register_kept_figures(KeptFigures(kept.NAME, kept.check, kept.repair))
    # A round's assessment starts with its submitted bids going under review.
    start_assessment_with(start_assessment)
    register_nav(
        "Your reviews",
        "reviews.index",
        group="bids",
        description="Declare any conflict of interest, then score the bids you have been asked to review.",
        roles=[Role.STEERING_MEMBER],
        order=30,
        active_prefix="reviews",
    )
    register_nav(
        "Assessment",
        "assessment.index",
        group="bids",
        description="Reviewers for each bid, their scores moderated, and the decisions on which bids are funded.",
        roles=[Role.STEERING_CHAIR, Role.PROGRAMME_OFFICER],
        order=40,
        active_prefix="assessment",
    )
    register_dashboard_link(Role.STEERING_MEMBER, "Bids to review", "reviews.index")
    register_dashboard_link(Role.STEERING_CHAIR, "Moderate scores and decide", "assessment.index")
    register_queue(Role.APPLICANT, "reviews.decisions", _decisions_to_read, order=25)
    _register_queues()


def _register_queues() -> None:
    """The steering group's work on their home page (``grants.reviews.queues``)."""
    from grants.core.permissions import Role
    from grants.core.queues import register_queue

    def build(name: str):
        def builder(user):
            from grants.reviews import queues

            return getattr(queues, name)(user)

        return builder

    register_queue(Role.STEERING_MEMBER, "reviews.conflicts", build("conflicts_to_declare"), order=10)
    register_queue(Role.STEERING_MEMBER, "reviews.to_score", build("reviews_to_score"), order=20)
    register_queue(Role.STEERING_MEMBER, "reviews.look_again", build("look_again_requests"), order=30)
    register_queue(Role.STEERING_CHAIR, "assessment.decisions", build("decisions_needed"), order=10)
    register_queue(Role.STEERING_CHAIR, "assessment.disagreements", build("disagreements_to_moderate"), order=20)
    register_queue(Role.STEERING_CHAIR, "assessment.short_of_reviewers", build("short_of_reviewers"), order=30)
    register_queue(Role.PROGRAMME_OFFICER, "reviews.needing_reviewers", _bids_needing_reviewers, order=20)


def _bids_needing_reviewers(user):
    from grants.reviews.officer_queues import bids_needing_reviewers

    return bids_needing_reviewers(user)


def _decisions_to_read(user):
    from grants.reviews.applicant_queues import decisions_to_read

    return decisions_to_read(user)
