"""The portfolio for the programme team and finance (and its CSV), and a project's funding page."""

from __future__ import annotations

from datetime import date

from flask import Response, render_template, request, stream_with_context
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from grants.core import actions
from grants.core.cache import cached_page
from grants.core.forms import ActionForm
from grants.core.pagination import id_arg, paginate
from grants.core.permissions import Role, roles_required
from grants.extensions import db
from grants.funding import permissions, queries
from grants.funding.models import AgreementStatus, Payment, Tranche, TrancheCondition, TrancheStatus
from grants.funding.routes.pages import blockers, bp
from grants.funding.services import agreements as agreement_services
from grants.funding.services import conditions as condition_services
from grants.funding.services import match as match_services
from grants.funding.services import schedule as schedule_services
from grants.funding.services.common import how_it_ended
from grants.projects import permissions as project_permissions
from grants.projects.access import project_or_404
from grants.projects.models import EndingStatus, Project, ProjectEnding, ProjectStatus
from grants.rounds.models import Round, RoundStatus


@bp.get("/funding/")
@roles_required(Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER)
@cached_page
def index():
    view = request.args.get("view") if request.args.get("view") in queries.VIEWS else "due"
    return _tranches_page(view, heading="Funding")


@bp.get("/funding/approvals")
@roles_required(Role.FINANCE_APPROVER)
def approvals():
    """The tranches waiting for a second signature, headed as the finance approver's menu names it."""
    return _tranches_page("requested", heading="Releases waiting for your approval")


def _tranches_page(view: str, *, heading: str):
    round_id = id_arg("round")
    view_totals = queries.view_totals(view, round_id)
    page = paginate(queries.tranches_statement(view, round_id), queries.TRANCHES_PER_PAGE, total=view_totals[0])
    tranche_ids = [tranche.id for tranche in page.items]
    return render_template(
        "funding/index.html",
        heading=heading,
        view=view,
        views=queries.VIEWS,
        round_id=round_id,
        rounds=db.session.execute(
            db.select(Round.id, Round.code, Round.title)
            .where(Round.status.in_((RoundStatus.DECIDED, RoundStatus.ARCHIVED)))
            .order_by(Round.closes_at.desc())
        ).all(),
        totals=queries.totals(round_id),
        ended_early=queries.recently_ended_early(round_id),
        view_totals=view_totals,
        page=page,
        payments=queries.payments_for(tranche_ids),
        waiting=condition_services.unmet_conditions(tranche_ids),
    )


@bp.get("/funding/tranches.csv")
@roles_required(Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER)
def export():
    view = request.args.get("view") if request.args.get("view") in queries.VIEWS else "all"
    round_id = id_arg("round")
    actions.record("funding.exported", object_type="tranches", after={"view": view, "round_id": round_id})
    filename = f"grants-tranches-{view}-{date.today().isoformat()}.csv"
    return Response(
        stream_with_context(queries.csv_lines(view, round_id)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/projects/<int:project_id>/funding")
@login_required
def project(project_id):
    return _project_page(project_or_404(project_id, may_see=permissions.can_view_funding))


def _project_page(project: Project):
    tranches = db.session.scalars(
        db.select(Tranche)
        .where(Tranche.project_id == project.id)
        .options(
            selectinload(Tranche.conditions).selectinload(TrancheCondition.owner),
            selectinload(Tranche.cancelled_by),
        )
        .order_by(Tranche.sequence)
    ).all()
    payments = {p.tranche_id: p for p in db.session.scalars(db.select(Payment).where(Payment.project_id == project.id))}
    agreements = agreement_services.agreements_of(project.id)
    user = current_user
    ending = _how_it_ended(project)
    return render_template(
        "funding/project.html",
        project=project,
        tranches=tranches,
        payments=payments,
        agreements=agreements,
        current=next((a for a in agreements if a.status in (AgreementStatus.DRAFT, AgreementStatus.ISSUED)), None),
        in_force=next((a for a in agreements if a.status == AgreementStatus.SIGNED), None),
        ended=next((a for a in agreements if a.status == AgreementStatus.ENDED), None),
        match=match_services.match_of(project.id),
        released=sum(p.amount_pence for p in payments.values()),
        still_to_release=sum(t.amount_pence for t in tranches if t.is_open),
        cancelled=sum(t.amount_pence for t in tranches if t.status == TrancheStatus.CANCELLED),
        settled=how_it_ended(project),
        ending=ending,
        can_see_ending=ending is not None and project_permissions.can_see_ending(user, project),
        can_change=permissions.can_change(user, project),
        schedule_editable=schedule_services.schedule_editable(project.id),
        can_manage=permissions.can_manage(user),
        can_hold=permissions.can_hold(user),
        can_record_match=permissions.can_record_match(user),
        is_staff=permissions.can_see_portfolio(user),
        can_sign=any(permissions.can_sign(user, a) for a in agreements[:1]),
        can_confirm=lambda condition: permissions.can_confirm(user, condition),
        can_propose_waiver=lambda condition: permissions.can_propose_waiver(user, condition),
        blockers={tranche.id: blockers(tranche) for tranche in tranches},
        owner_can_confirm=condition_services.owner_can_confirm,
        form=ActionForm(formdata=None),
    )


def _how_it_ended(project: Project) -> ProjectEnding | None:
    """The confirmed ending of a project given up or ended early (one query), else None."""
    if project.status not in (ProjectStatus.WITHDRAWN, ProjectStatus.ENDED_EARLY):
        return None
    ending: ProjectEnding | None = db.session.scalar(
        db.select(ProjectEnding)
        .where(ProjectEnding.project_id == project.id, ProjectEnding.status == EndingStatus.CONFIRMED)
        .order_by(ProjectEnding.decided_at.desc(), ProjectEnding.id.desc())
        .limit(1)
    )
    return ending
