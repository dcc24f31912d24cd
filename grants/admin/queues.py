"""The administrator's home: people waiting for a role, and the refusals of the last days worth a look.

A person with an account (confirmed, still open) and no role can do nothing but sign in: they wait for an
administrator to give them one, on their page. A refusal worth a look is one about access and accounts
(a page refused for want of permission, a failed sign-in, a wrong password when approving a payment,
a change of roles refused): the everyday refusals of the areas (a form sent without its reason) are left
to the audit trail. They are listed by kind, each linking to the audit trail filtered to it.

Each queue is two queries whatever its length: a count, and the first few.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from flask import url_for
from sqlalchemy import func
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.attributes import set_committed_value

from grants.accounts.models import User, UserRole
from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from grants.core.queues import SHOWN, Queue, WorkItem, register_queue
from grants.core.times import format_date, format_datetime, from_london, london_today
from grants.extensions import db

RECENT_DAYS = 7

# The refusals an administrator looks at, by audit event, with what a kind of them is called. Every
# refusal or failure the service records under access, sign-in and accounts is here (a test says so).
WORTH_A_LOOK = {
    "access.refused": "Pages and actions refused for want of permission",
    "access.csrf_refused": "Forms refused as expired or not sent from this service",
    "access.rate_limited": "Too many tries, slowed down",
    "auth.sign_in_failed": "Failed sign-ins",
    "auth.sign_in_refused": "Sign-ins refused",
    "auth.two_factor_failed": "Wrong two-factor codes at sign-in",
    "auth.two_factor_refused": "Two-factor sign-ins refused",
    "auth.two_factor_setup_failed": "Wrong codes when setting up two-factor sign-in",
    "auth.two_factor_setup_refused": "Two-factor set-ups refused",
    "auth.two_factor_disable_refused": "Two-factor sign-in refused to be turned off",
    "auth.two_factor_reset_refused": "Two-factor resets refused",
    "auth.reauthentication_failed": "Wrong passwords when confirming a payment or a change",
    "auth.password_change_failed": "Wrong current passwords when changing a password",
    "auth.password_change_refused": "Password changes refused",
    "auth.recovery_codes_refused": "New recovery codes refused",
    "auth.password_reset_refused": "Password resets refused",
    "auth.sign_out_refused": "Sign-outs refused",
    "user.roles_refused": "Changes of roles refused",
    "user.registration_refused": "Registrations with an address that has an account",
    "user.confirmation_refused": "Email confirmations refused",
    "privacy.anonymise_refused": "Removals of personal data refused",
    "exports.refused": "Exports refused",
}


def register() -> None:
    register_queue(Role.ADMIN, "admin.people", people_waiting, order=10)
    register_queue(Role.ADMIN, "admin.refusals", recent_refusals, order=20)


# --- People waiting for a role ----------------------------------------------------------------------------


def waiting_for_a_role() -> tuple:
    """An account its owner has confirmed, open, not anonymised, with no role at all."""
    return (
        User.is_active.is_(True),
        User.unconfirmed_since.is_(None),
        User.anonymised_at.is_(None),
        ~db.select(UserRole.user_id).where(UserRole.user_id == User.id).exists(),
    )


def people_waiting(user: Any) -> Queue:
    where = waiting_for_a_role()
    count = db.session.scalar(db.select(func.count(User.id)).where(*where)) or 0
    people = db.session.scalars(
        db.select(User)
        .options(lazyload(User.role_grants))
        .where(*where)
        .order_by(User.created_at, User.id)
        .limit(SHOWN)
    ).all()
    for person in people:
        set_committed_value(person, "role_grants", [])  # none, by the query's own condition: no load needed
    return Queue(
        "admin.people",
        "People waiting for a role",
        count,
        [
            WorkItem(
                f"Give {person.name} a role",
                url_for("admin.user_roles", user_id=person.id),
                why=", ".join(
                    part
                    for part in (
                        person.email,
                        person.organisation.name if person.organisation else None,
                        f"account made on {format_date(person.created_at)}",
                    )
                    if part
                ),
            )
            for person in people
        ],
        more=("Everyone with an account", url_for("admin.users")),
        empty="Everyone with an account has a role.",
    )


# --- Refusals worth a look --------------------------------------------------------------------------------


def recent_refusals(user: Any) -> Queue:
    """The kinds of refusal recorded since midnight (London) ``RECENT_DAYS`` days ago, the most frequent
    first: one item per kind."""
    first_day = london_today() - timedelta(days=RECENT_DAYS)
    since = from_london(datetime.combine(first_day, time()))  # from midnight, as the audit trail's ``since``
    since_day = first_day.isoformat()
    where = (AuditEvent.action.in_(WORTH_A_LOOK), AuditEvent.occurred_at >= since)
    kinds, refusals = db.session.execute(
        db.select(func.count(func.distinct(AuditEvent.action)), func.count(AuditEvent.id)).where(*where)
    ).one()
    rows = db.session.execute(
        db.select(AuditEvent.action, func.count(AuditEvent.id).label("times"), func.max(AuditEvent.occurred_at))
        .where(*where)
        .group_by(AuditEvent.action)
        .order_by(func.count(AuditEvent.id).desc(), AuditEvent.action)
        .limit(SHOWN)
    ).all()
    return Queue(
        "admin.refusals",
        "Refusals worth a look",
        kinds,
        [
            WorkItem(
                WORTH_A_LOOK[action],
                url_for("admin.audit_log", event=action, since=since_day),
                why=f"{_times(times)}, the latest on {format_datetime(latest)}",
            )
            for action, times, latest in rows
        ],
        more=(f"The audit trail of the last {RECENT_DAYS} days", url_for("admin.audit_log", since=since_day)),
        empty=f"Nothing about access or accounts has been refused in the last {RECENT_DAYS} days.",
        summary=_summary(refusals, kinds),
    )


def _summary(refusals: int, kinds: int) -> str | None:
    if not refusals:
        return None
    of_kinds = "of one kind" if kinds == 1 else f"of {kinds} kinds"
    return f"{refusals:,} in the last {RECENT_DAYS} days, {of_kinds}"


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count:,} times"
