"""One statement per dataset: plain columns joined in SQL, in a stable order, so that a download is a
single query streamed from the database however many records it holds."""

from __future__ import annotations

from sqlalchemy import BigInteger, Select, and_, case, cast, exists, func, select
from sqlalchemy.orm import aliased

from grants.accounts.models import User
from grants.applications.models import Application, Partner, PartnerStatus, application_themes
from grants.directory.models import Organisation, Place, Theme
from grants.exports.columns import SEPARATOR
from grants.exports.permissions import Scope
from grants.extensions import db
from grants.funding.models import MatchFunding, Payment, Tranche, TrancheStatus
from grants.projects.models import FINISHED_STATUSES, EnablerAssignment, EndingStatus, Project, ProjectEnding
from grants.reviews.models import AssignmentStatus, ConflictDeclaration, Decision, ReviewAssignment, Score
from grants.rounds.models import Round, RoundStatus, RubricCriterion


def rounds(*, drafts: bool) -> list[Round]:
    """The rounds for the filter, the latest first: draft rounds only for those who run rounds."""
    statement = db.select(Round).order_by(Round.opens_at.desc(), Round.id.desc())
    return db.session.scalars(statement if drafts else statement.where(Round.status != RoundStatus.DRAFT)).all()


def _bids_in(statement: Select, scope: Scope) -> Select:
    if scope.round_id is not None:
        statement = statement.where(Application.round_id == scope.round_id)
    if scope.hidden_application_ids:
        statement = statement.where(Application.id.not_in(scope.hidden_application_ids))
    if scope.bid_states is not None:
        statement = statement.where(Application.status.in_(scope.bid_states))
    return statement


def _projects_in(statement: Select, scope: Scope) -> Select:
    if scope.round_id is not None:
        statement = statement.where(Project.round_id == scope.round_id)
    if scope.hidden_application_ids:
        statement = statement.where(Project.application_id.not_in(scope.hidden_application_ids))
    return statement


_BID_ORDER = (Round.opens_at, Round.id, Application.reference.asc().nulls_last(), Application.id)
_PROJECT_ORDER = (Round.opens_at, Round.id, Project.reference, Project.id)


def applications(scope: Scope) -> Select:
    themes = (
        select(
            application_themes.c.application_id,
            func.aggregate_strings(Theme.name, SEPARATOR).label("themes"),
        )
        .join(Theme, Theme.id == application_themes.c.theme_id)
        .group_by(application_themes.c.application_id)
        .subquery()
    )
    partners = (
        select(
            Partner.application_id,
            func.count().label("partners"),
            func.sum(case((Partner.status == PartnerStatus.CONFIRMED, 1), else_=0)).label("confirmed"),
        )
        .group_by(Partner.application_id)
        .subquery()
    )
    statement = (
        select(
            Application.reference,
            Round.code.label("round"),
            Application.status,
            Application.title,
            Organisation.name.label("lead_name"),
            Organisation.sector.label("lead_sector"),
            Organisation.org_id.label("lead_org_id"),
            Place.name.label("place"),
            Place.ons_code,
            themes.c.themes,
            Application.amount_requested_pence,
            Application.match_funder,
            Application.match_amount_pence,
            func.coalesce(partners.c.partners, 0).label("partners"),
            func.coalesce(partners.c.confirmed, 0).label("confirmed_partners"),
            Application.submitted_at,
            Application.withdrawn_at,
        )
        .join(Round, Round.id == Application.round_id)
        .join(Organisation, Organisation.id == Application.lead_organisation_id)
        .outerjoin(Place, Place.id == Application.place_id)
        .outerjoin(themes, themes.c.application_id == Application.id)
        .outerjoin(partners, partners.c.application_id == Application.id)
        .order_by(*_BID_ORDER)
    )
    if scope.round_id is not None:  # a round's download has a column for each of its questions
        statement = statement.add_columns(Application.answers)
    return _bids_in(statement, scope)


def scores(scope: Scope) -> Select:
    """Scores that count: those of submitted reviews. A reviewer who declared a conflict is taken off
    the bid (their review is no longer submitted) and their scores leave the result, as here."""
    conflicted = exists().where(
        ConflictDeclaration.application_id == ReviewAssignment.application_id,
        ConflictDeclaration.reviewer_id == ReviewAssignment.reviewer_id,
        ConflictDeclaration.has_conflict.is_(True),
    )
    statement = (
        select(
            Application.reference,
            Round.code.label("round"),
            User.name.label("reviewer"),
            RubricCriterion.title.label("criterion"),
            RubricCriterion.weight,
            Score.value,
            RubricCriterion.scale_max,
            Score.justification,
            ReviewAssignment.submitted_at,
        )
        .select_from(Score)
        .join(ReviewAssignment, ReviewAssignment.id == Score.assignment_id)
        .join(Application, Application.id == ReviewAssignment.application_id)
        .join(Round, Round.id == Application.round_id)
        .join(User, User.id == ReviewAssignment.reviewer_id)
        .join(RubricCriterion, RubricCriterion.id == Score.criterion_id)
        .where(ReviewAssignment.status == AssignmentStatus.SUBMITTED, ~conflicted)
        .order_by(*_BID_ORDER, User.name, ReviewAssignment.id, RubricCriterion.position, RubricCriterion.id)
    )
    return _bids_in(statement, scope)


def decisions(scope: Scope) -> Select:
    decided_by = aliased(User)
    statement = (
        select(
            Application.reference,
            Round.code.label("round"),
            Application.title,
            Decision.outcome,
            Decision.rationale,
            Decision.conditions,
            decided_by.name.label("decided_by"),
            Decision.decided_at,
            Decision.effective_at,
        )
        .select_from(Decision)
        .join(Application, Application.id == Decision.application_id)
        .join(Round, Round.id == Application.round_id)
        .outerjoin(decided_by, decided_by.id == Decision.decided_by_id)
        .order_by(*_BID_ORDER)
    )
    return _bids_in(statement, scope)


def _tranche_money():
    """Per project: its tranches still to pay and those cancelled (never to be paid), in whole pence."""
    still_open = Tranche.status.not_in((TrancheStatus.RELEASED, TrancheStatus.CANCELLED))
    return (
        select(
            Tranche.project_id,
            cast(func.sum(case((still_open, Tranche.amount_pence), else_=0)), BigInteger).label("open"),
            cast(
                func.sum(case((Tranche.status == TrancheStatus.CANCELLED, Tranche.amount_pence), else_=0)), BigInteger
            ).label("cancelled"),
        )
        .group_by(Tranche.project_id)
        .subquery()
    )


def projects(scope: Scope) -> Select:
    """Each project with its money: the award is what was released, what is still to release (nothing
    once the project has finished) and what will not be paid (tranches cancelled when it ended; the
    whole award when it was given up)."""
    released = (
        # PostgreSQL sums integers as numeric: back to whole pence.
        select(Payment.project_id, cast(func.sum(Payment.amount_pence), BigInteger).label("released"))
        .group_by(Payment.project_id)
        .subquery()
    )
    tranche_money = _tranche_money()
    ending = aliased(ProjectEnding)
    finished = Project.status.in_(FINISHED_STATUSES)
    enabler = aliased(User)
    statement = (
        select(
            Project.reference,
            Project.title,
            Round.code.label("round"),
            Organisation.name.label("lead_name"),
            Place.name.label("place"),
            Place.ons_code,
            Project.status,
            Project.finished_at,
            Project.rag,
            Project.award_pence,
            func.coalesce(released.c.released, 0).label("released_pence"),
            case((finished, 0), else_=func.coalesce(tranche_money.c.open, 0)).label("remaining_pence"),
            case(
                (finished, Project.award_pence - func.coalesce(released.c.released, 0)),
                else_=func.coalesce(tranche_money.c.cancelled, 0),
            ).label("not_paid_pence"),
            ending.repayment_pence,
            ending.repayment_received_on,
            MatchFunding.funder.label("match_funder"),
            MatchFunding.status.label("match_status"),
            MatchFunding.amount_pence.label("match_pence"),
            Project.starts_on,
            Project.ends_on,
            enabler.name.label("enabler"),
        )
        .join(Round, Round.id == Project.round_id)
        .join(Organisation, Organisation.id == Project.lead_organisation_id)
        .outerjoin(Place, Place.id == Project.place_id)
        .outerjoin(released, released.c.project_id == Project.id)
        .outerjoin(tranche_money, tranche_money.c.project_id == Project.id)
        # A project ends once: at most one confirmed ending (an award given up or an early end).
        .outerjoin(ending, and_(ending.project_id == Project.id, ending.status == EndingStatus.CONFIRMED))
        .outerjoin(MatchFunding, MatchFunding.project_id == Project.id)
        .outerjoin(
            EnablerAssignment,
            and_(EnablerAssignment.project_id == Project.id, EnablerAssignment.ends_on.is_(None)),
        )
        .outerjoin(enabler, enabler.id == EnablerAssignment.enabler_id)
        .order_by(*_PROJECT_ORDER)
    )
    return _projects_in(statement, scope)


def tranches(scope: Scope) -> Select:
    requested_by = aliased(User)
    statement = (
        select(
            Project.reference,
            Round.code.label("round"),
            Tranche.sequence,
            Tranche.amount_pence,
            Tranche.due_on,
            Tranche.status,
            Tranche.requested_at,
            requested_by.name.label("requested_by"),
            Tranche.released_at,
            Tranche.held_reason,
            Tranche.cancelled_at,
            Tranche.cancel_reason,
            Project.status.label("project_status"),
        )
        .select_from(Tranche)
        .join(Project, Project.id == Tranche.project_id)
        .join(Round, Round.id == Project.round_id)
        .outerjoin(requested_by, requested_by.id == Tranche.requested_by_id)
        .order_by(*_PROJECT_ORDER, Tranche.sequence)
    )
    return _projects_in(statement, scope)


def payments(scope: Scope) -> Select:
    requested_by, approved_by = aliased(User), aliased(User)
    statement = (
        select(
            Project.reference,
            Round.code.label("round"),
            Tranche.sequence,
            Payment.amount_pence,
            Payment.reference.label("payment_reference"),
            requested_by.name.label("requested_by"),
            approved_by.name.label("approved_by"),
            Payment.approved_at,
            Project.status.label("project_status"),
        )
        .select_from(Payment)
        .join(Tranche, Tranche.id == Payment.tranche_id)
        .join(Project, Project.id == Payment.project_id)
        .join(Round, Round.id == Project.round_id)
        .join(requested_by, requested_by.id == Payment.requested_by_id)
        .join(approved_by, approved_by.id == Payment.approved_by_id)
        .order_by(*_PROJECT_ORDER, Tranche.sequence, Payment.id)
    )
    return _projects_in(statement, scope)
