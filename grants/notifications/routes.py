"""The programme team's outbox: every email the service has queued, and sending one again."""

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user

from grants.core import actions
from grants.core.forms import ActionForm
from grants.core.pagination import paginate
from grants.core.permissions import Role, roles_required
from grants.extensions import db
from grants.notifications.models import STATUSES, Notification, NotificationStatus
from grants.notifications.queries import outbox_statement
from grants.notifications.services import resend

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
    return _page(notification, ActionForm(formdata=None))


def _page(notification, form, error=None, status=200):
    return render_template(
        "notifications/show.html",
        notification=notification,
        hide_body=notification.sensitive,
        resend_form=form,
        resend_error=error,
    ), status


@bp.post("/<int:notification_id>/resend")
@roles_required(Role.PROGRAMME_OFFICER, Role.ADMIN)
def send_again(notification_id):
    notification = db.get_or_404(Notification, notification_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    again = "again" if notification.status == NotificationStatus.FAILED else "now"
    return actions.carry_out(
        lambda: resend(notification, actor=current_user),
        refused=("notification.resend_refused", notification),
        show=lambda error: _page(db.session.get(Notification, notification_id), form, error.message, 400),
        to=url_for("notifications.show", notification_id=notification.id),
        message=f"The email to {notification.recipient_email} is being sent {again}.",
    )
