from flask import Blueprint, render_template
from flask_login import current_user

from grants.core.dashboard import dashboard_panels
from grants.core.queues import work_for

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    if current_user.is_authenticated:
        panels = {panel.role: panel for panel in dashboard_panels(current_user)}
        return render_template("main/dashboard.html", work=work_for(current_user), panels_by_role=panels)
    return render_template("main/home.html")


@bp.get("/accessibility")
def accessibility():
    return render_template("main/accessibility.html")


@bp.get("/cookies")
def cookies():
    return render_template("main/cookies.html")


@bp.get("/privacy")
def privacy():
    return render_template("main/privacy.html")


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}
