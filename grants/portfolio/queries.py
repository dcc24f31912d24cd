"""Reading the programme at a glance. Each figure is one grouped query over the whole programme (or one
round), so the dashboard runs the same number of queries for three projects or three thousand. The
rules behind the figures (what is overdue, which money counts as released, who sees which leadership
answers) are the areas' own.

A project's end shows in every figure: an award given up (a withdrawn project) is no longer money
awarded, nor a funded project of a theme or place, but is counted apart; a tranche cancelled when its
project ended is money that will not be paid, not money still to release; and the RAG is of the
projects still running (a finished project's last rating says nothing about now)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import lazyload

from grants.applications.models import Application, ApplicationStatus, application_themes
from grants.directory.models import Place, Theme
from grants.extensions import db
from grants.funding.models import MatchFunding, MatchStatus, Payment, Tranche, TrancheCondition, TrancheStatus
from grants.leadership import queries as leadership
from grants.learning.models import LearningCommitment
from grants.monitoring.models import ProgressReport, ReportStatus
from grants.progress.report import leadership_view
from grants.projects.models import LIVE_STATUSES, STATUS_LABELS, Project, ProjectStatus
from grants.reminders.rules import LIVE_PROJECT_STATUSES
from grants.reviews.models import AssignmentStatus, ReviewAssignment
from grants.rounds.models import Round, RoundStatus

# The application funnel: (key, label). Every bid starts as a draft; then how many were submitted, and
# how many are now past the eligibility check, have a review scored, and are approved (a bid withdrawn
# after the check leaves those last stages).
FUNNEL_STAGES = (
    ("drafts", "Drafts started"),
    ("submitted", "Submitted"),
    ("eligible", "Eligible"),
    ("scored", "Scored"),
    ("approved", "Approved"),
)
PASSED_ELIGIBILITY = (
    ApplicationStatus.UNDER_REVIEW,
    ApplicationStatus.APPROVED,
    ApplicationStatus.RESERVE,
    ApplicationStatus.REJECTED,
)
OPEN_REVIEW = (AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS)
OPEN_REPORT = (ReportStatus.DUE, ReportStatus.CHANGES_REQUESTED)
ROUNDS_BEING_ASSESSED = (RoundStatus.OPEN, RoundStatus.CLOSED, RoundStatus.ASSESSING)


def rounds() -> list[Round]:
    """Rounds a dashboard can be filtered by: every round past its draft, newest first."""
    return db.session.scalars(
        select(Round)
        .where(Round.status != RoundStatus.DRAFT)
        .options(lazyload(Round.themes))  # a filter shows the rounds' names only
        .order_by(Round.opens_at.desc(), Round.id.desc())
    ).all()


def _in_round(round_id: int | None) -> ColumnElement[bool]:
    """A condition on ``Project``: of the round chosen, or none for all rounds (not a projects subquery
    joined back to projects, which the database would read twice for nothing)."""
    return Project.round_id == round_id if round_id else true()


def _projects(round_id: int | None):
    return select(Project.id).where(_in_round(round_id))


def _still_awarded() -> ColumnElement[bool]:
    """A condition on ``Project``: its award not given up."""
    return Project.status != ProjectStatus.WITHDRAWN


def _funded(round_id: int | None):
    """The projects still holding their award: every one but those whose award was given up."""
    return _projects(round_id).where(_still_awarded())


@dataclass(frozen=True)
class StatusCount:
    status: ProjectStatus
    projects: int
    award_pence: int

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class Count:
    key: str | None
    label: str
    projects: int
    award_pence: int = 0
    detail: str = ""
    places: int = 0


@dataclass(frozen=True)
class Money:
    """The grant money of the projects and their match funding. ``awarded`` leaves out awards given
    up (``given_up``, counted apart); it is ``released`` + ``remaining`` (tranches still to be paid)
    + ``not_paid`` (tranches cancelled when a project ended early or closed without them). ``rag``: the
    projects still running by their RAG as it stands (an officer's override while it holds), red first; a
    finished project's last rating is history, not a risk to act on, so it is left out."""

    by_status: list[StatusCount]
    released: int
    remaining: int
    not_paid: int
    match: dict[str, int]
    rag: list[Count]

    def _of(self, statuses) -> list[StatusCount]:
        return [row for row in self.by_status if row.status in statuses]

    @property
    def awarded(self) -> int:
        return sum(row.award_pence for row in self.by_status if row.status != ProjectStatus.WITHDRAWN)

    @property
    def projects(self) -> int:
        """Funded projects: every project but those whose award was given up."""
        return sum(row.projects for row in self.by_status if row.status != ProjectStatus.WITHDRAWN)

    @property
    def live(self) -> int:
        return sum(row.projects for row in self._of(LIVE_STATUSES))

    @property
    def given_up(self) -> int:
        return sum(row.award_pence for row in self._of({ProjectStatus.WITHDRAWN}))

    @property
    def given_up_projects(self) -> int:
        return sum(row.projects for row in self._of({ProjectStatus.WITHDRAWN}))

    @property
    def match_total(self) -> int:
        return sum(self.match.values())


RAG_LABELS = (("red", "Red"), ("amber", "Amber"), ("green", "Green"), (None, "Not yet rated"))


def money(round_id: int | None) -> Money:
    """Projects and their awards by status, and the running ones by RAG; released, still to release and
    not to be paid; match funding by state (of the funded projects). Two queries, however many projects."""
    counted = dict.fromkeys(ProjectStatus, (0, 0))
    rag: dict[str | None, int] = {}
    for status, rating, count, award in db.session.execute(
        select(Project.status, Project.rag, func.count(), func.coalesce(func.sum(Project.award_pence), 0))
        .where(_in_round(round_id))
        .group_by(Project.status, Project.rag)
    ):
        projects, awarded = counted[ProjectStatus(status)]
        counted[ProjectStatus(status)] = (projects + int(count), awarded + int(award))
        if ProjectStatus(status) in LIVE_STATUSES:
            rag[rating] = rag.get(rating, 0) + int(count)
    released, remaining, not_paid, *match = db.session.execute(_money_row(round_id)).one()
    return Money(
        by_status=[StatusCount(status, *counted[status]) for status in ProjectStatus],
        released=int(released),
        remaining=int(remaining),
        not_paid=int(not_paid),
        match={status.value: int(amount) for status, amount in zip(MatchStatus, match, strict=True)},
        rag=[Count(key, label, rag.get(key, 0)) for key, label in RAG_LABELS],
    )


def _money_row(round_id: int | None):
    """One row: paid to the funded projects, their tranches still to pay and cancelled, and their match
    funding in each state (``MatchStatus`` order). Each table is read once."""

    def of_funded(column, *sums):
        return select(*sums).where(_funded_id(column, round_id)).subquery()

    paid = of_funded(Payment.project_id, _sum(Payment.amount_pence))
    tranches = of_funded(
        Tranche.project_id,
        _sum(Tranche.amount_pence, Tranche.status.not_in((TrancheStatus.RELEASED, TrancheStatus.CANCELLED))),
        _sum(Tranche.amount_pence, Tranche.status == TrancheStatus.CANCELLED),
    )
    match = of_funded(
        MatchFunding.project_id,
        *(_sum(MatchFunding.amount_pence, MatchFunding.status == status) for status in MatchStatus),
    )
    # Each part is one row: joined on nothing, they make one row.
    return select(paid, tranches, match).select_from(paid.join(tranches, true()).join(match, true()))


def _funded_id(column, round_id: int | None) -> ColumnElement[bool]:
    """A condition on a project id ``column``: of a funded project (of the round, if chosen). For all
    rounds, as not one of the few awards given up: the database looks each id up in those few, rather
    than in every project."""
    if round_id:
        return column.in_(_funded(round_id))
    return column.not_in(select(Project.id).where(Project.status == ProjectStatus.WITHDRAWN))


def _sum(column, condition=None):
    """A sum of pence (of the rows meeting ``condition``, if given) that is 0 over no rows."""
    total = func.sum(column) if condition is None else func.sum(column).filter(condition)
    return func.coalesce(total, 0)


def projects_by_theme(round_id: int | None) -> list[Count]:
    """Funded projects by the themes of their bid (a bid may have several), most projects first; themes
    no project works on are left out, and so are awards given up."""
    rows = db.session.execute(
        select(Theme.slug, Theme.name, func.count(Project.id), func.coalesce(func.sum(Project.award_pence), 0))
        .join(application_themes, application_themes.c.theme_id == Theme.id)
        .join(Project, Project.application_id == application_themes.c.application_id)
        .where(_still_awarded(), _in_round(round_id))
        .group_by(Theme.id, Theme.slug, Theme.name)
        .order_by(func.count(Project.id).desc(), Theme.name)
    ).all()
    return [Count(slug, name, int(count), int(award)) for slug, name, count, award in rows]


def projects_by_place(round_id: int | None) -> list[Count]:
    """Funded projects by the place they serve, in name order, with the money awarded there (awards
    given up are left out)."""
    rows = db.session.execute(
        select(Place.ons_code, Place.name, Place.region, func.count(Project.id), func.sum(Project.award_pence))
        .join(Project, Project.place_id == Place.id)
        .where(_still_awarded(), _in_round(round_id))
        .group_by(Place.id, Place.ons_code, Place.name, Place.region)
        .order_by(Place.name, Place.ons_code)
    ).all()
    return [Count(code, name, int(count), int(award), detail=region) for code, name, region, count, award in rows]


def projects_by_region(round_id: int | None) -> list[Count]:
    """Funded projects by the region of the place they serve, in name order, with the money awarded
    there and how many places (awards given up are left out): the places in a few rows, for the
    dashboard; each place is on a page of its own (``projects_by_place``)."""
    rows = db.session.execute(
        select(
            Place.region,
            func.count(func.distinct(Place.id)),
            func.count(Project.id),
            func.sum(Project.award_pence),
        )
        .join(Project, Project.place_id == Place.id)
        .where(_still_awarded(), _in_round(round_id))
        .group_by(Place.region)
        .order_by(Place.region)
    ).all()
    return [Count(region, region, int(count), int(award), places=int(places)) for region, places, count, award in rows]


@dataclass(frozen=True)
class Funnel:
    round_id: int | None
    label: str
    drafts: int
    submitted: int
    eligible: int
    scored: int
    approved: int

    def stages(self) -> list[tuple[str, int]]:
        return [(label, getattr(self, key)) for key, label in FUNNEL_STAGES]


def funnel(round_id: int | None) -> list[Funnel]:
    """For each round (newest first): how many bids were started, were submitted, are past the
    eligibility check, have at least one submitted review, and were approved."""
    # Not correlated: the database reads the submitted reviews once and looks each bid up in them.
    scored = Application.id.in_(
        select(ReviewAssignment.application_id).where(ReviewAssignment.status == AssignmentStatus.SUBMITTED)
    )
    statement = (
        select(
            Round.id,
            Round.code,
            Round.title,
            func.count(Application.id),
            func.count(Application.id).filter(Application.submitted_at.is_not(None)),
            func.count(Application.id).filter(Application.status.in_(PASSED_ELIGIBILITY)),
            func.count(Application.id).filter(Application.status.in_(PASSED_ELIGIBILITY), scored),
            func.count(Application.id).filter(Application.status == ApplicationStatus.APPROVED),
        )
        .outerjoin(Application, Application.round_id == Round.id)
        .where(Round.status != RoundStatus.DRAFT)
        .group_by(Round.id, Round.code, Round.title, Round.opens_at)
        .order_by(Round.opens_at.desc(), Round.id.desc())
    )
    if round_id:
        statement = statement.where(Round.id == round_id)
    return [
        Funnel(id_, f"{code}: {title}", *(int(value) for value in counts))
        for id_, code, title, *counts in db.session.execute(statement)
    ]


def funnel_total(rows: list[Funnel]) -> Funnel:
    return Funnel(None, "All rounds", *(sum(getattr(row, key) for row in rows) for key, _ in FUNNEL_STAGES))


@dataclass(frozen=True)
class Overdue:
    reports: int
    reviews: int
    commitments: int
    conditions: int

    @property
    def total(self) -> int:
        return self.reports + self.reviews + self.commitments + self.conditions


def overdue(round_id: int | None, today: date) -> Overdue:
    """What is late, by the reminders' own rules: progress reports and learning commitments of live
    projects past their date, reviews past their date on bids still being assessed in a round still
    being assessed, and conditions not yet met on tranches past their due date (of projects still
    running). One query."""
    live = select(Project.id).where(Project.status.in_(LIVE_PROJECT_STATUSES), _in_round(round_id))
    reports = select(func.count()).where(
        ProgressReport.status.in_(OPEN_REPORT), ProgressReport.due_on < today, ProgressReport.project_id.in_(live)
    )
    reviews = (
        select(func.count())
        .select_from(ReviewAssignment)
        .join(Application, Application.id == ReviewAssignment.application_id)
        .where(
            ReviewAssignment.status.in_(OPEN_REVIEW),
            ReviewAssignment.due_on < today,
            Application.status.in_((ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW)),
            Application.round_id.in_(select(Round.id).where(Round.status.in_(ROUNDS_BEING_ASSESSED))),
        )
    )
    if round_id:
        reviews = reviews.where(Application.round_id == round_id)
    commitments = select(func.count()).where(
        LearningCommitment.is_overdue(today), LearningCommitment.project_id.in_(live)
    )
    conditions = (
        select(func.count())
        .select_from(TrancheCondition)
        .join(Tranche, Tranche.id == TrancheCondition.tranche_id)
        .where(
            TrancheCondition.met_at.is_(None),
            Tranche.status == TrancheStatus.SCHEDULED,
            Tranche.due_on < today,
            Tranche.project_id.in_(select(Project.id).where(Project.status.in_(LIVE_STATUSES), _in_round(round_id))),
        )
    )
    row = db.session.execute(
        select(
            reports.scalar_subquery(),
            reviews.scalar_subquery(),
            commitments.scalar_subquery(),
            conditions.scalar_subquery(),
        )
    ).one()
    return Overdue(*(int(value) for value in row))


def leadership_shift(round_id: int | None, *, staff: bool) -> dict:
    """The baseline-to-final shift over the projects, as the progress report shows it to this person:
    programme staff see every answer; anyone else only the answers of closed stages, of projects big
    enough to be shown on their own. Added up by the database (``leadership.shift``): one query,
    however many answers."""
    result = leadership.shift(_projects(round_id), closed_only=not staff, shown_alone=not staff)
    return leadership_view(result, staff=staff)
