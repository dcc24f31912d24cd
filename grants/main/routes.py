from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from grants.core.dashboard import dashboard_panels
from grants.core.navigation import GROUPS, nav_items_for
from grants.core.queues import work_for
from grants.core.security import HEALTH_CHECK_PATH
from grants.main.glossary import TERMS

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    if current_user.is_authenticated:
        panels = {panel.role: panel for panel in dashboard_panels(current_user)}
        return render_template("main/dashboard.html", work=work_for(current_user), panels_by_role=panels)
    return render_template("main/home.html")


@bp.get("/menu/<group>")
@login_required
def section(group: str):
    """A group of the navigation: the pages in it that the signed-in person may open, a sentence each."""
    if group not in GROUPS:
        abort(404)
    return render_template("main/section.html", group=GROUPS[group], items=nav_items_for(current_user, group))


@bp.get("/glossary")
def glossary():
    return render_template("main/glossary.html", terms=TERMS)


@bp.get("/accessibility")
def accessibility():
    return render_template("main/accessibility.html")


@bp.get("/cookies")
def cookies():
    return render_template("main/cookies.html")


@bp.get("/privacy")
def privacy():
    return render_template("main/privacy.html")


@bp.get(HEALTH_CHECK_PATH)
def healthz():
    """For the load balancer: no session, no user, no rate limit (``grants.core.security.is_health_check``)."""
    return {"status": "ok"}
