from flask import Blueprint, render_template
from flask_login import current_user, login_required

from grants.core.pagination import paginate
from grants.extensions import db
from grants.notifications.models import Notification
from grants.reminders.rules import RULES, TEMPLATES

bp = Blueprint("reminders", __name__)


@bp.get("/account/reminders")
@login_required
def mine():
    """Which reminders this person is sent, and those sent lately."""
    roles = set(current_user.roles)
    rules = [rule for rule in RULES if roles & {role.value for role in rule.roles}]
    page = paginate(
        db.select(Notification)
        .where(Notification.recipient_id == current_user.id, Notification.template.in_(TEMPLATES))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    return render_template("reminders/mine.html", rules=rules, page=page)
