"""Learning: the commitments projects make to apply and share what they learn, the case studies and
insights they write, the public learning library that a programme officer publishes to, and the
learning network that shows where lessons travelled."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.core.dashboard import register_dashboard_link
    from grants.core.navigation import register_nav
    from grants.core.permissions import Role
    from grants.core.queues import register_queue
    from grants.enablers.queries import list_commitments_due_with
    from grants.funding.services.agreements import list_commitments_with
    from grants.funding.services.conditions import register_evaluator
    from grants.learning import models  # noqa: F401
    from grants.learning.ending import closeout_left
    from grants.learning.library_routes import bp as library_bp
    from grants.learning.queries import agreement_commitments, commitments_due
    from grants.learning.routes import bp
    from grants.learning.services import learning_evidenced_for
    from grants.projects.ending import on_closeout_check
    from grants.projects.services import on_project_set_up

    app.register_blueprint(bp)
    app.register_blueprint(library_bp)
    register_evaluator("learning_evidenced", learning_evidenced_for)
    list_commitments_with(agreement_commitments)
    list_commitments_due_with(commitments_due)
    on_project_set_up(_carry_over_commitments, order=10)
    on_closeout_check(closeout_left, order=30)
    register_nav(
        "Learning library",
        "library.index",
        group="programme",
        description="Case studies and insights the projects have published, open to everyone.",
        order=40,
        active_prefix="library",
        public=True,
    )
    register_nav(
        "Learning to review",
        "learning.reviews",
        group="programme",
        description="Case studies and insights sent for review before they are published to the library.",
        roles=[Role.PROGRAMME_OFFICER],
        order=45,
    )
    register_dashboard_link(Role.PROGRAMME_OFFICER, "Learning to review", "learning.reviews")
    register_queue(Role.PROGRAMME_OFFICER, "learning.reviews", _learning_to_review, order=40)
    register_queue(Role.APPLICANT, "learning.commitments", _commitments_due, order=60)


def _commitments_due(user):
    from grants.learning.applicant_queues import commitments_due

    return commitments_due(user)


def _carry_over_commitments(project, application, *, months, actor=None):
    from grants.learning.services import carry_over_commitments

    carry_over_commitments(project, application, actor=actor)


def _learning_to_review(user):
    from grants.learning.officer_queues import learning_to_review

    return learning_to_review(user)
