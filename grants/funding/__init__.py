"""Money for projects: grant agreements, tranches released on conditions with two signatures, and
match funding."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.core.dashboard import register_dashboard_link
    from grants.core.navigation import register_nav
    from grants.core.permissions import Role
    from grants.core.queues import register_queue
    from grants.core.signals import project_changed
    from grants.enablers.queries import list_conditions_owned_with
    from grants.funding import models  # noqa: F401
    from grants.funding.finance_queues import register as register_finance_queues
    from grants.funding.queries import conditions_owned_by
    from grants.funding.routes import bp
    from grants.funding.services.ending import closeout_left, end_money, paid_to
    from grants.projects.ending import count_paid_with, on_closeout_check, on_project_end
    from grants.projects.services import on_project_set_up

    app.register_blueprint(bp)
    project_changed.connect(_evaluate, weak=False)
    on_project_set_up(_set_up_funding, order=30)
    list_conditions_owned_with(conditions_owned_by)
    count_paid_with(paid_to)
    on_closeout_check(closeout_left, order=20)
    on_project_end(end_money, order=20)
    register_nav(
        "Funding",
        "funding.index",
        group="projects",
        description="Grant agreements, tranches and match funding across the projects.",
        roles=[Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER],
        order=20,
        active_prefix="funding",
    )
    register_nav(
        "Releases waiting for your approval",
        "funding.approvals",
        group="projects",
        description="Tranche releases the programme team has asked for, waiting for your second signature.",
        roles=[Role.FINANCE_APPROVER],
        order=25,
    )
    register_dashboard_link(Role.FINANCE_APPROVER, "Releases waiting for your approval", "funding.approvals")
    register_dashboard_link(Role.FINANCE_APPROVER, "Funding across the portfolio", "funding.index")
    register_finance_queues()
    register_dashboard_link(Role.PROGRAMME_OFFICER, "Funding", "funding.index")
    register_queue(Role.PROGRAMME_OFFICER, "funding.ready", _tranches_ready, order=50)
    register_queue(Role.PROGRAMME_OFFICER, "funding.conditions_overdue", _conditions_overdue, order=60)
    register_queue(Role.ENABLER, "funding.enabler_conditions", _conditions_to_confirm, order=20)
    register_queue(Role.APPLICANT, "funding.agreements", _agreements_to_sign, order=30)


def _agreements_to_sign(user):
    from grants.funding.applicant_queues import agreements_to_sign

    return agreements_to_sign(user)


def _evaluate(project, actor=None, **_):
    from grants.funding.services.conditions import evaluate_project

    evaluate_project(project, actor=actor)


def _set_up_funding(project, application, *, months, actor=None):
    from grants.funding.services import set_up_funding

    set_up_funding(project, application, months=months, actor=actor)


def _tranches_ready(user):
    from grants.funding.officer_queues import tranches_ready

    return tranches_ready(user)


def _conditions_overdue(user):
    from grants.funding.officer_queues import conditions_overdue

    return conditions_overdue(user)


def _conditions_to_confirm(user):
    from grants.funding.enabler_queues import conditions_to_confirm

    return conditions_to_confirm(user)
