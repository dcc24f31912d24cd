"""Bids: the applicant's task list, partners confirming by emailed link, submission and withdrawal,
and the programme officer's list of every bid."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.applications import (
        manage_routes,
        partner_routes,
        partnership_routes,  # noqa: F401  (adds the partnership's pages to the applicant's blueprint)
        preview_routes,  # noqa: F401  (adds the officer's preview of a round's form to it)
        routes,
    )
    from grants.applications.queries import audit_links, bid_counts_by_round
    from grants.bidforms.kinds import shown
    from grants.core.audit_links import register_audit_link
    from grants.core.dashboard import register_dashboard_link
    from grants.core.navigation import register_nav
    from grants.core.permissions import Role
    from grants.core.queues import register_queue
    from grants.rounds.queries import count_bids_with

    app.register_blueprint(routes.bp)
    app.register_blueprint(partner_routes.bp)
    app.register_blueprint(manage_routes.bp)
    app.add_template_filter(shown, "answer")  # an answer in words: ``question | answer(value, documents)``
    count_bids_with(bid_counts_by_round)
    register_audit_link("application", audit_links)
    register_nav(
        "Your bids",
        "applications.index",
        group="bids",
        description="Start, write and submit your partnership's bids, and read the decisions on them.",
        roles=[Role.APPLICANT],
        order=10,
        active_prefix="applications",
    )
    register_nav(
        "Applications",
        "manage_applications.index",
        group="bids",
        description="Every bid sent to a round: check eligibility, ask for clarification, follow each to its decision.",
        roles=[Role.PROGRAMME_OFFICER],
        order=20,
        active_prefix="manage_applications",
    )
    register_dashboard_link(Role.APPLICANT, "Your bids", "applications.index")
    register_dashboard_link(Role.PROGRAMME_OFFICER, "All applications", "manage_applications.index")
    register_queue(Role.PROGRAMME_OFFICER, "applications.eligibility", _eligibility_checks, order=10)
    register_queue(Role.APPLICANT, "applications.drafts", _drafts, order=10)
    register_queue(Role.APPLICANT, "applications.partners", _partners, order=20)


def _eligibility_checks(user):
    from grants.applications.officer_queues import eligibility_checks

    return eligibility_checks(user)


def _drafts(user):
    from grants.applications.applicant_queues import drafts

    return drafts(user)


def _partners(user):
    from grants.applications.applicant_queues import partners_awaited

    return partners_awaited(user)
