"""The reminders the sweeps send: who gets each, when, and the key that makes it go only once.

Each rule is one or more SELECTs over what is due, producing outbox rows (recipient, template,
context, dedupe key, subject). The sweep inserts them with ``INSERT … SELECT … ON CONFLICT
(dedupe_key) DO NOTHING``, so one statement per rule reminds everyone due, however many there are,
and running it again (or twice at once) adds nothing. The key names the recipient, the thing the
reminder is about and its period: a stage (7 days before, 1 day before) or, for something overdue,
the week, so an overdue report is mentioned once a week until it is done.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, Integer, Select, String, and_, case, cast, func, literal, literal_column, or_, select

from grants.accounts.models import User, UserRole
from grants.applications.models import Application, ApplicationStatus
from grants.core.db import UTCDateTime
from grants.core.permissions import Role
from grants.enablers.quiet import QUIET_DAYS, quiet_by, quiet_since, updates_expected
from grants.extensions import db
from grants.funding.models import Tranche, TrancheStatus
from grants.learning.models import CommitmentStatus, LearningCommitment
from grants.monitoring.models import ProgressReport, ReportStatus
from grants.notifications.models import NotificationStatus
from grants.projects.models import (
    FINISHED_STATUSES,
    LIVE_STATUSES,
    EnablerAssignment,
    Project,
    ProjectStatus,
)
from grants.reviews.models import AssignmentStatus, ReviewAssignment
from grants.rounds.models import Round, RoundStatus

LONDON = ZoneInfo("Europe/London")
ELIGIBLE_BACKSTOP = timedelta(days=2)
# Projects whose teams are reminded of what they owe: live (a closed project, an award given up and a
# project ended early owe nothing more, so nothing about them is ever sent) and started (a project in
# set-up has not signed its agreement yet). Active and closing: a closing project still sends its final
# report. The portfolio counts what is late by the same statuses.
LIVE_PROJECT_STATUSES = tuple(status for status in ProjectStatus if status in LIVE_STATUSES - {ProjectStatus.SETUP})


@dataclass(frozen=True)
class Moment:
    """When a sweep runs: the instant, the day in London, and the week (the period of overdue reminders)."""

    now: datetime
    today: date
    week: str

    @classmethod
    def at(cls, now: datetime) -> Moment:
        today = now.astimezone(LONDON).date()
        year, week, _ = today.isocalendar()
        return cls(now=now, today=today, week=f"{year}-W{week:02d}")


@dataclass(frozen=True)
class Rule:
    kind: str
    template: str
    title: str
    when: str
    roles: tuple[Role, ...]
    selects: Callable[[Moment], list[Select]]


# --- SQL pieces --------------------------------------------------------------------------------------


def text(*parts):
    """SQL string concatenation of constants and columns."""
    expression = None
    for part in parts:
        piece = literal(part, String) if isinstance(part, str) else cast(part, String)
        expression = piece if expression is None else expression + piece
    return expression


def as_json(**values):
    """A JSON object built in SQL, for the row's context."""
    arguments = []
    for key, value in values.items():
        arguments += [literal_column(f"'{key}'"), value]
    if db.session.get_bind().dialect.name == "postgresql":
        return func.json_build_object(*arguments)
    return func.json_object(*arguments)


def utc_stamp(column):
    """A timestamp as text, the same whatever the database session's time zone."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), literal_column("'YYYYMMDD\"T\"HH24MISS.US'"))
    return func.strftime("%Y%m%dT%H%M%f", column)


def stage(*whens, else_: str):
    """A CASE giving the reminder's period, as text."""
    return cast(
        case(*((condition, literal(value, String)) for condition, value in whens), else_=literal(else_)), String
    )


def outbox_row(*, user, template: str, about, period, subject) -> list:
    """The columns of one outbox row, in ``COLUMNS`` order."""
    return [
        user.id,
        user.email,
        literal(template, String),
        as_json(id=about, stage=period),
        text("reminder:", template, ":", about, ":", user.id, ":", period),
        subject,
    ]


COLUMNS = ("recipient_id", "recipient_email", "template", "context", "dedupe_key", "subject")
EXTRA_COLUMNS = ("created_at", "status", "attempts", "sensitive")


def extra_values(now: datetime) -> list:
    return [
        literal(now, UTCDateTime),
        literal(NotificationStatus.PENDING.value, String),
        literal(0, Integer),
        literal(False, Boolean),
    ]


def holds_role(user, role: Role):
    return user.id.in_(select(UserRole.user_id).where(UserRole.role == role.value))


def project_team(project=Project):
    """Conditions joining ``User`` to the applicants of the project's lead organisation."""
    return and_(
        User.organisation_id == project.lead_organisation_id, User.is_active.is_(True), holds_role(User, Role.APPLICANT)
    )


def reference_of(application=Application):
    return func.coalesce(application.reference, application.title)


# --- The rules ---------------------------------------------------------------------------------------


def round_closing(moment: Moment) -> list[Select]:
    period = stage((Round.closes_at <= moment.now + timedelta(days=1), "1-day"), else_="7-days")
    soon = case(
        (Round.closes_at <= moment.now + timedelta(days=1), " closes within a day"), else_=" closes within a week"
    )
    return [
        select(
            *outbox_row(
                user=User,
                template="reminder_round_closing",
                about=Application.id,
                period=period,
                subject=text("Your bid is still a draft: ", Round.title, soon),
            )
        )
        .select_from(Application)
        .join(Round, Round.id == Application.round_id)
        .join(User, User.id == Application.lead_applicant_id)
        .where(
            Application.status == ApplicationStatus.DRAFT,
            Round.status == RoundStatus.OPEN,
            Round.opens_at <= moment.now,
            Round.closes_at > moment.now,
            Round.closes_at <= moment.now + timedelta(days=7),
            User.is_active.is_(True),
        )
    ]


def review_due(moment: Moment) -> list[Select]:
    overdue = ReviewAssignment.due_on < moment.today
    return [
        select(
            *outbox_row(
                user=User,
                template="reminder_review_due",
                about=ReviewAssignment.id,
                period=stage((overdue, f"overdue-{moment.week}"), else_="3-days"),
                subject=text(
                    case((overdue, "Your review is overdue: "), else_="Your review is due soon: "),
                    reference_of(),
                ),
            )
        )
        .select_from(ReviewAssignment)
        .join(Application, Application.id == ReviewAssignment.application_id)
        .join(Round, Round.id == Application.round_id)
        .join(User, User.id == ReviewAssignment.reviewer_id)
        .where(
            ReviewAssignment.status.in_((AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS)),
            Application.status.in_((ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW)),
            Round.status.in_((RoundStatus.OPEN, RoundStatus.CLOSED, RoundStatus.ASSESSING)),
            or_(holds_role(User, Role.STEERING_MEMBER), holds_role(User, Role.STEERING_CHAIR)),
            ReviewAssignment.due_on <= moment.today + timedelta(days=3),
            User.is_active.is_(True),
        )
    ]


def report_due(moment: Moment) -> list[Select]:
    overdue = ProgressReport.due_on < moment.today
    return [
        select(
            *outbox_row(
                user=User,
                template="reminder_report_due",
                about=ProgressReport.id,
                period=stage(
                    (overdue, f"overdue-{moment.week}"),
                    (ProgressReport.due_on <= moment.today + timedelta(days=3), "3-days"),
                    else_="14-days",
                ),
                subject=text(
                    case((overdue, "Progress report overdue: "), else_="Progress report due soon: "), Project.reference
                ),
            )
        )
        .select_from(ProgressReport)
        .join(Project, Project.id == ProgressReport.project_id)
        .join(User, project_team())
        .where(
            ProgressReport.status.in_((ReportStatus.DUE, ReportStatus.CHANGES_REQUESTED)),
            Project.status.in_(LIVE_PROJECT_STATUSES),
            ProgressReport.due_on <= moment.today + timedelta(days=14),
        )
    ]


def commitment_due(moment: Moment) -> list[Select]:
    overdue = LearningCommitment.due_on < moment.today
    return [
        select(
            *outbox_row(
                user=User,
                template="reminder_commitment_due",
                about=LearningCommitment.id,
                period=stage((overdue, f"overdue-{moment.week}"), else_="7-days"),
                subject=text(
                    case((overdue, "Learning commitment overdue: "), else_="Learning commitment due soon: "),
                    Project.reference,
                ),
            )
        )
        .select_from(LearningCommitment)
        .join(Project, Project.id == LearningCommitment.project_id)
        .join(User, project_team())
        .where(
            LearningCommitment.status != CommitmentStatus.DONE,
            LearningCommitment.due_on.is_not(None),
            LearningCommitment.due_on <= moment.today + timedelta(days=7),
            Project.status.in_(LIVE_PROJECT_STATUSES),
        )
    ]


def tranche_eligible(moment: Moment, tranche_id: int | None = None) -> list[Select]:
    statement = (
        select(
            *outbox_row(
                user=User,
                template="tranche_eligible",
                about=Tranche.id,
                # Each time the tranche becomes eligible is a period of its own.
                period=text("eligible-", utc_stamp(Tranche.eligible_at)),
                subject=text("Tranche ", Tranche.sequence, " of ", Project.reference, " is ready to request"),
            )
        )
        .select_from(Tranche)
        .join(Project, Project.id == Tranche.project_id)
        .join(User, and_(User.is_active.is_(True), holds_role(User, Role.PROGRAMME_OFFICER)))
        .where(
            Tranche.status == TrancheStatus.ELIGIBLE,  # never a cancelled one, nor one paid
            Tranche.eligible_at.is_not(None),
            Project.status.not_in(FINISHED_STATUSES),
        )
    )
    if tranche_id is not None:
        statement = statement.where(Tranche.id == tranche_id)
    else:  # the sweep is a backstop for the moment itself, not a digest of every eligible tranche
        statement = statement.where(Tranche.eligible_at > moment.now - ELIGIBLE_BACKSTOP)
    return [statement]


def quiet_enabler(moment: Moment) -> list[Select]:
    """Only the current enabler of an active project counts: an assignment that has ended (even today,
    as it does when the project ends) is never quiet, and the current enabler's quiet spell runs from
    their own latest update in this assignment."""
    since = quiet_since()
    due = and_(updates_expected(), quiet_by(moment.today))
    subject = text(f"No enabler update for {QUIET_DAYS} days: ", Project.reference)
    row = {
        "template": "reminder_quiet_enabler",
        "about": EnablerAssignment.id,
        "period": text("since-", since),
        "subject": subject,
    }
    to_enabler = (
        select(*outbox_row(user=User, **row))
        .select_from(EnablerAssignment)
        .join(Project, Project.id == EnablerAssignment.project_id)
        .join(User, and_(User.id == EnablerAssignment.enabler_id, User.is_active.is_(True)))
        .where(due)
    )
    to_officers = (
        select(*outbox_row(user=User, **row))
        .select_from(EnablerAssignment)
        .join(Project, Project.id == EnablerAssignment.project_id)
        .join(User, and_(User.is_active.is_(True), holds_role(User, Role.PROGRAMME_OFFICER)))
        .where(due, User.id != EnablerAssignment.enabler_id)
    )
    return [to_enabler, to_officers]


RULES: tuple[Rule, ...] = (
    Rule(
        "round_closing",
        "reminder_round_closing",
        "A round closes while your bid is still a draft",
        "7 days and 1 day before the round closes",
        (Role.APPLICANT,),
        round_closing,
    ),
    Rule(
        "review_due",
        "reminder_review_due",
        "A review you were asked for is due",
        "3 days before it is due, then once a week while it is overdue",
        (Role.STEERING_MEMBER, Role.STEERING_CHAIR),
        review_due,
    ),
    Rule(
        "report_due",
        "reminder_report_due",
        "Your project's progress report is due",
        "14 days and 3 days before it is due, then once a week while it is overdue",
        (Role.APPLICANT,),
        report_due,
    ),
    Rule(
        "commitment_due",
        "reminder_commitment_due",
        "A learning commitment of your project is due",
        "7 days before it is due, then once a week while it is overdue",
        (Role.APPLICANT,),
        commitment_due,
    ),
    Rule(
        "tranche_eligible",
        "tranche_eligible",
        "A tranche has met its conditions and can be requested",
        "as soon as its conditions are met",
        (Role.PROGRAMME_OFFICER,),
        tranche_eligible,
    ),
    Rule(
        "quiet_enabler",
        "reminder_quiet_enabler",
        f"A project has had no update from its enabler for {QUIET_DAYS} days",
        f"once, when {QUIET_DAYS} days have passed without an update (to the enabler and programme officers)",
        (Role.ENABLER, Role.PROGRAMME_OFFICER),
        quiet_enabler,
    ),
)
TEMPLATES = tuple(rule.template for rule in RULES)
