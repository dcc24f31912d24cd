from flask import Blueprint, abort, render_template, request

from grants.core.pagination import paginate
from grants.core.permissions import Role, roles_required
from grants.extensions import db
from grants.notifications.models import STATUSES, Notification
from grants.notifications.queries import outbox_statement

bp = Blueprint("notifications", __name__, url_prefix="/email")


@bp.get("/")
@roles_required(Role.PROGRAMME_OFFICER, Role.ADMIN)
def outbox():
    status = request.args.get("status") or None
    if status and status not in STATUSES:
        abort(404)
    page = paginate(outbox_statement(status))
    return render_template("notifications/outbox.html", page=page, status=status, statuses=STATUSES)


@bp.get("/<int:notification_id>")
@roles_required(Role.PROGRAMME_OFFICER, Role.ADMIN)
def show(notification_id):
    notification = db.get_or_404(Notification, notification_id)
    return render_template("notifications/show.html", notification=notification, hide_body=notification.sensitive)
