"""The programme dashboard and the partnership map, each for every round or one."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_login import current_user

from grants.core.cache import cached_page
from grants.core.pagination import paginate, paginate_list
from grants.core.permissions import roles_required
from grants.core.times import london_today
from grants.directory.models import SECTORS
from grants.exports.permissions import EXPORTERS
from grants.leadership.permissions import can_see_individuals
from grants.opendata.permissions import can_export_open_data
from grants.portfolio import partnerships, queries
from grants.portfolio.permissions import READERS
from grants.projects.permissions import hidden_application_ids, viewable_project_ids
from grants.rounds.choice import chosen_round

bp = Blueprint("portfolio", __name__, url_prefix="/portfolio")


def _chosen_round(page: str):
    """(every round to choose from, the one chosen or None for all). Draft rounds are never shown here:
    choosing one is a 404, as is a round that is not there (``grants.rounds.choice``)."""
    return queries.rounds(), chosen_round(current_user, page=page, drafts=False)


@bp.get("/")
@roles_required(*READERS)
@cached_page
def dashboard():
    rounds, chosen = _chosen_round("the dashboard")
    round_id = chosen.id if chosen else None
    today: date = london_today()
    funnel = queries.funnel(round_id)
    money = queries.money(round_id)
    return render_template(
        "portfolio/dashboard.html",
        rounds=rounds,
        chosen=chosen,
        money=money,
        rag=money.rag,
        themes=queries.projects_by_theme(round_id),
        regions=queries.projects_by_region(round_id),
        funnel=funnel,
        funnel_total=queries.funnel_total(funnel),
        stages=queries.FUNNEL_STAGES,
        overdue=queries.overdue(round_id, today),
        leadership=queries.leadership_shift(round_id, staff=can_see_individuals(current_user)),
        leadership_staff=can_see_individuals(current_user),
        today=today,
        can_export=current_user.has_any_role(*EXPORTERS),
        can_publish=can_export_open_data(current_user),
    )


@bp.get("/places")
@roles_required(*READERS)
def places():
    """Funded projects in each place, a page at a time: the dashboard shows them by region."""
    rounds, chosen = _chosen_round("the projects by place")
    return render_template(
        "portfolio/places.html",
        rounds=rounds,
        chosen=chosen,
        page=paginate_list(queries.projects_by_place(chosen.id if chosen else None)),
    )


@bp.get("/partnerships")
@roles_required(*READERS)
def partnership_map():
    rounds, chosen = _chosen_round("the partnership map")
    round_id = chosen.id if chosen else None
    sector = request.args.get("sector") if request.args.get("sector") in SECTORS else None
    page = paginate(partnerships.organisations_statement(round_id, sector))
    hidden = hidden_application_ids(current_user)
    projects_of = partnerships.projects_of([organisation.id for organisation in page.items], round_id, hidden)
    listed = {item.project_id for items in projects_of.values() for item in items}
    return render_template(
        "portfolio/partnerships.html",
        rounds=rounds,
        chosen=chosen,
        sector=sector,
        sectors=SECTORS,
        map=partnerships.sector_map(round_id),
        page=page,
        projects_of=projects_of,
        # A project is linked only for those who may open it (an administrator reads the map, not the projects).
        viewable=viewable_project_ids(current_user, listed),
    )
