"""Reading assessment: each page loads in a fixed number of queries, however many bids a round has."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from sqlalchemy.orm import lazyload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from grants.applications.models import Application, ApplicationStatus, application_themes
from grants.directory.models import SECTORS, Organisation, Place, Theme
from grants.extensions import db
from grants.projects.models import Project, ProjectStatus
from grants.reviews import scoring
from grants.reviews.models import (
    AssignmentStatus,
    BidScore,
    ConflictDeclaration,
    Decision,
    DecisionOutcome,
    ReviewAssignment,
)
from grants.rounds.models import Round

ASSESSED_STATES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.UNDER_REVIEW,
    ApplicationStatus.APPROVED,
    ApplicationStatus.RESERVE,
    ApplicationStatus.REJECTED,
)
ACTIVE_REVIEWS = (AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS, AssignmentStatus.SUBMITTED)


@dataclass
class BidAssessment:
    """A bid's place in its round's ranking. The ranking itself is read without loading the bids;
    ``application`` and ``decision`` are loaded for the bids a page shows (or for every bid)."""

    application_id: int
    reference: str
    cost_pence: int
    status: str
    outcome: str | None = None  # of the decision recorded, if any
    in_effect: bool = False  # the decision has taken effect
    # Approved, and its project's award later given up (before any payment): it holds neither budget nor
    # place in the round any more, which are free for a reserve bid.
    given_up_at: datetime | None = None
    application: Application | None = None
    decision: Decision | None = None
    weighted: float | None = None
    disagreeing: int = 0  # criteria on which the reviewers disagree (kept with the weighted score)
    submitted: int = 0
    active: int = 0
    rank: int | None = None
    running_total_pence: int = 0
    # criterion id → (sum, count, lowest, highest) of the submitted scores, read (``load_spreads``) only
    # for the bids a page shows the spreads of
    scores: dict[int, tuple[int, int, int, int]] = field(default_factory=dict, repr=False)
    criteria: dict[int, scoring.Criterion] = field(default_factory=dict, repr=False)

    @property
    def given_up(self) -> bool:
        return self.given_up_at is not None

    @cached_property
    def spreads(self) -> dict[int, scoring.Spread]:
        return {
            criterion_id: scoring.Spread(total / count, lowest, highest, count)
            for criterion_id, (total, count, lowest, highest) in self.scores.items()
        }

    @cached_property
    def disagreements(self) -> list[int]:
        return [
            criterion_id
            for criterion_id, spread in self.spreads.items()
            if criterion_id in self.criteria and scoring.disagrees(spread, self.criteria[criterion_id])
        ]


def criteria_of(round_: Round) -> list[scoring.Criterion]:
    return [scoring.Criterion(c.id, c.weight, c.scale_min, c.scale_max) for c in round_.criteria]


def _in_round(round_: Round):
    return db.and_(Application.round_id == round_.id, Application.status.in_(ASSESSED_STATES))


def _rows(statement):
    """Plain rows, by the thousand, without the ORM's work for each one."""
    return db.session.connection().execute(statement).all()


def round_ranking(round_: Round) -> list[BidAssessment]:
    """Every bid under assessment in the round, with its weighted score, reviews and decision, ranked by
    weighted score (bids not yet fully scored last), with the running total of cost in that order, and
    whether an approved bid's award was given up since; in two queries, without loading the bids
    themselves. The weighted scores are those kept as the scores change (``grants.reviews.kept``); the
    spreads behind them are read only for the bids a page shows them for (``load_spreads``)."""
    reviews = (
        db.select(
            ReviewAssignment.application_id,
            db.func.count().filter(ReviewAssignment.status == AssignmentStatus.SUBMITTED).label("submitted"),
            db.func.count().filter(ReviewAssignment.status.in_(ACTIVE_REVIEWS)).label("active"),
        )
        .join(Application, Application.id == ReviewAssignment.application_id)
        .where(Application.round_id == round_.id)
        .group_by(ReviewAssignment.application_id)
        .subquery()
    )
    criteria = {criterion.id: criterion for criterion in criteria_of(round_)}
    assessments = [
        BidAssessment(
            row.id,
            row.reference,
            row.amount_requested_pence or 0,
            row.status,
            outcome=row.outcome,
            in_effect=row.in_effect,
            given_up_at=row.given_up_at,
            submitted=row.submitted or 0,
            active=row.active or 0,
            weighted=row.weighted,
            disagreeing=row.disagreements or 0,
            criteria=criteria,
        )
        for row in _rows(
            db.select(
                Application.id,
                Application.reference,
                Application.amount_requested_pence,
                Application.status,
                Decision.outcome,
                Decision.effective_at.is_not(None).label("in_effect"),
                reviews.c.submitted,
                reviews.c.active,
                db.case((Project.status == ProjectStatus.WITHDRAWN, Project.finished_at)).label("given_up_at"),
                BidScore.weighted,
                BidScore.disagreements,
            )
            .outerjoin(Decision, Decision.application_id == Application.id)
            .outerjoin(reviews, reviews.c.application_id == Application.id)
            .outerjoin(Project, Project.application_id == Application.id)
            .outerjoin(BidScore, BidScore.application_id == Application.id)
            .where(_in_round(round_))
        )
    ]
    return rank(assessments)


def load_spreads(assessments: list[BidAssessment]) -> None:
    """The kept spread of each criterion's counted scores, for these bids (those a page shows it for)."""
    by_id = {assessment.application_id: assessment for assessment in assessments}
    for application_id, spread in _rows(
        db.select(BidScore.application_id, BidScore.spread).where(BidScore.application_id.in_(list(by_id)))
    ):
        by_id[application_id].scores = {int(criterion_id): tuple(figures) for criterion_id, figures in spread.items()}


def round_assessment(round_: Round) -> list[BidAssessment]:
    """The ranking with every bid (and its themes) and every decision loaded, for deciding."""
    assessments = round_ranking(round_)
    by_id = {assessment.application_id: assessment for assessment in assessments}
    in_round = _in_round(round_)
    bids = db.session.scalars(db.select(Application).where(in_round).options(lazyload(Application.themes))).all()
    _load_themes(bids, in_round)
    for bid in bids:
        if bid.id in by_id:
            by_id[bid.id].application = bid
    # The bids are loaded already: eager-loading them again with each decision would reload their
    # themes, one more query for each 500 decisions.
    for decision in db.session.scalars(
        db.select(Decision)
        .join(Decision.application)
        .where(Application.round_id == round_.id)
        .options(lazyload(Decision.application))
    ):
        if decision.application_id in by_id:
            by_id[decision.application_id].decision = decision
    return assessments


def bids_statement(application_ids: list[int]):
    """These bids, with what a row of the ranking shows (their organisation and place): not their themes,
    nor their round, which the page has loaded already."""
    return (
        db.select(Application)
        .where(Application.id.in_(application_ids))
        .options(lazyload(Application.themes), lazyload(Application.round))
    )


def load_applications(assessments: list[BidAssessment]) -> None:
    """The bids of these assessments (a page of the ranking), in one query."""
    by_id = {assessment.application_id: assessment for assessment in assessments}
    for bid in db.session.scalars(bids_statement(list(by_id))):
        by_id[bid.id].application = bid


def undecided_count(assessments: list[BidAssessment]) -> int:
    """Bids under review with no decision recorded yet."""
    return sum(1 for a in assessments if a.status == ApplicationStatus.UNDER_REVIEW and a.outcome is None)


def _load_themes(bids: list[Application], condition) -> None:
    """Every bid's themes in one query (a selectin load would take one more for each 500 bids)."""
    themes: dict[int, list[Theme]] = defaultdict(list)
    for application_id, theme in db.session.execute(
        db.select(application_themes.c.application_id, Theme)
        .join(Theme, Theme.id == application_themes.c.theme_id)
        .join(Application, Application.id == application_themes.c.application_id)
        .where(condition)
        .order_by(Theme.name)
    ):
        themes[application_id].append(theme)
    for bid in bids:
        set_committed_value(bid, "themes", themes.get(bid.id, []))


def rank(assessments: list[BidAssessment]) -> list[BidAssessment]:
    ordered = sorted(
        assessments,
        key=lambda a: (a.weighted is None, -(a.weighted or 0), a.reference or ""),
    )
    total = 0
    for position, assessment in enumerate(ordered, start=1):
        total += assessment.cost_pence
        assessment.rank = position if assessment.weighted is not None else None
        assessment.running_total_pence = total
    return ordered


def conflicted_statement(user):
    """The ids of the bids this person must not see or decide: those they declared a conflict with, and
    those their own organisation leads or is a partner in. A statement, so that a larger query can leave
    them out without a query of its own."""
    from grants.applications.models import Partner

    statement = db.select(ConflictDeclaration.application_id).where(
        ConflictDeclaration.reviewer_id == user.id, ConflictDeclaration.has_conflict.is_(True)
    )
    if user.organisation_id is not None:
        statement = db.union(
            statement,
            db.select(Application.id).where(Application.lead_organisation_id == user.organisation_id),
            db.select(Partner.application_id).where(Partner.organisation_id == user.organisation_id),
        )
    return statement


def conflicted_application_ids(user) -> set[int]:
    """Bids this person must not see or decide (``conflicted_statement``), in one query."""
    return set(db.session.scalars(conflicted_statement(user)))


def chairs() -> list:
    """The steering group's active chairs (there may be co-chairs)."""
    from grants.accounts.models import User, UserRole
    from grants.core.permissions import Role

    return list(
        db.session.scalars(
            db.select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.STEERING_CHAIR.value, User.is_active.is_(True))
            .order_by(User.name, User.id)
        ).unique()
    )


def no_chair_can_decide(application_ids, *, round_id: int | None = None) -> set[int]:
    """Of these bids, those every active chair has a conflict with (or all of them, if no one is a chair
    today): nobody can decide them until an administrator makes a member without a conflict a chair.
    The same conflicts as ``conflicted_application_ids``, for every chair at once, in two queries. Given
    the bids' round, the chairs' conflicts are looked for in the round rather than bid by bid: a round's
    hundreds of ids would make the query long to send and to plan."""
    from grants.accounts.models import User, UserRole
    from grants.applications.models import Partner
    from grants.core.permissions import Role

    remaining = set(application_ids)
    if not remaining:
        return remaining
    chair_ids = set(
        db.session.scalars(
            db.select(UserRole.user_id)
            .join(User, User.id == UserRole.user_id)
            .where(UserRole.role == Role.STEERING_CHAIR.value, User.is_active.is_(True))
        )
    )
    if not chair_ids:
        return remaining
    among = Application.round_id == round_id if round_id is not None else Application.id.in_(remaining)
    conflicted = db.union(
        db.select(ConflictDeclaration.reviewer_id, Application.id)
        .join(Application, Application.id == ConflictDeclaration.application_id)
        .where(ConflictDeclaration.reviewer_id.in_(chair_ids), ConflictDeclaration.has_conflict.is_(True), among),
        db.select(User.id, Application.id)
        .join(Application, Application.lead_organisation_id == User.organisation_id)
        .where(User.id.in_(chair_ids), among),
        db.select(User.id, Application.id)
        .join(Partner, Partner.organisation_id == User.organisation_id)
        .join(Application, Application.id == Partner.application_id)
        .where(User.id.in_(chair_ids), among),
    )
    chairs_conflicted: dict[int, set[int]] = {}
    for chair_id, application_id in db.session.execute(conflicted):
        chairs_conflicted.setdefault(application_id, set()).add(chair_id)
    return {application_id for application_id in remaining if chairs_conflicted.get(application_id) == chair_ids}


def no_chair_message(references: list[str]) -> str | None:
    """What the pages say about bids no chair can decide, and what to do about it."""
    if not references:
        return None
    them = "it" if len(references) == 1 else "them"
    return (
        f"No chair can decide {', '.join(references)}: every steering group chair has a conflict of interest "
        f"with {them}, so the round's decisions cannot take effect yet. An administrator can give the steering "
        f"group chair role to a member who has no conflict with {them}, on the People page; that chair then "
        f"decides {them}."
    )


def assignments_of_bid(application_id: int) -> list[ReviewAssignment]:
    return db.session.scalars(
        db.select(ReviewAssignment)
        .where(ReviewAssignment.application_id == application_id)
        .options(selectinload(ReviewAssignment.scores))
        .order_by(ReviewAssignment.id)
    ).all()


def scoring_open_clause():
    """``permissions.scoring_open``, in SQL (with ``Round`` joined): scores can be changed until the end of
    the assessment deadline's day, UK time."""
    from grants.core.times import london_today
    from grants.reviews.permissions import ASSESSABLE_ROUND_STATES

    return db.and_(
        Round.status.in_(ASSESSABLE_ROUND_STATES),
        db.or_(Round.assessment_deadline.is_(None), Round.assessment_deadline >= london_today()),
    )


def review_deadline():
    """When a review is due: the round's assessment deadline, or the date asked of the reviewer if the
    round has none."""
    return db.func.coalesce(Round.assessment_deadline, ReviewAssignment.due_on)


def review_to_do():
    """A review its reviewer can still act on (with ``Round`` joined): a declaration to make, or scores to
    submit (or look at again) while scoring is open."""
    from grants.reviews.permissions import ASSESSABLE_ROUND_STATES

    return db.and_(
        Round.status.in_(ASSESSABLE_ROUND_STATES),
        db.or_(
            ReviewAssignment.status == AssignmentStatus.ASSIGNED,
            db.and_(
                scoring_open_clause(),
                db.or_(
                    ReviewAssignment.status == AssignmentStatus.IN_PROGRESS,
                    db.and_(
                        ReviewAssignment.status == AssignmentStatus.SUBMITTED,
                        ReviewAssignment.look_again_note.is_not(None),
                    ),
                ),
            ),
        ),
    )


def _reviewers_own(user_id: int):
    return (
        db.select(ReviewAssignment)
        .join(Application, Application.id == ReviewAssignment.application_id)
        .join(Round, Round.id == Application.round_id)
        .where(ReviewAssignment.reviewer_id == user_id, ReviewAssignment.status != AssignmentStatus.WITHDRAWN)
    )


def reviews_to_do(user_id: int) -> list[ReviewAssignment]:
    """A reviewer's reviews still to do, soonest due first."""
    return db.session.scalars(
        _reviewers_own(user_id)
        .where(review_to_do())
        .order_by(review_deadline(), Application.reference, ReviewAssignment.id)
    ).all()


def reviews_done_statement(user_id: int):
    """A reviewer's reviews done (scores submitted, a conflict declared) or closed, latest first."""
    return (
        _reviewers_own(user_id)
        .where(~review_to_do())
        .order_by(
            db.func.coalesce(ReviewAssignment.submitted_at, ReviewAssignment.updated_at).desc(), ReviewAssignment.id
        )
    )


def wanted_reviewers(target: int) -> int:
    """How many active reviewers a bid should have, when the round's best-reviewed bid has ``target``: as
    many, and at least one. The reviewers page and the homes (the chair's, the officer's) go by this;
    ``wanted_reviewers_of`` is the same rule in SQL."""
    return max(target, 1)


def reviewer_counts():
    """Every bid that reviewers can be assigned to, in a round being assessed, with its active reviewers
    (``active``) and the most any bid of its round has (``target``), as a subquery."""
    from grants.reviews.permissions import ASSESSABLE_ROUND_STATES, ASSIGNABLE_BID_STATES

    active = (
        db.select(ReviewAssignment.application_id, db.func.count().label("active"))
        .where(ReviewAssignment.status.in_(ACTIVE_REVIEWS))
        .group_by(ReviewAssignment.application_id)
        .subquery()
    )
    reviewers = db.func.coalesce(active.c.active, 0)
    return (
        db.select(
            Application.id.label("application_id"),
            reviewers.label("active"),
            db.func.max(reviewers).over(partition_by=Application.round_id).label("target"),
        )
        .join(Round, Round.id == Application.round_id)
        .outerjoin(active, active.c.application_id == Application.id)
        .where(Round.status.in_(ASSESSABLE_ROUND_STATES), Application.status.in_(ASSIGNABLE_BID_STATES))
        .subquery()
    )


def wanted_reviewers_of(counts):
    """``wanted_reviewers`` for each row of ``reviewer_counts()`` (portable: SQLite has no ``greatest``)."""
    return db.case((counts.c.target > 1, counts.c.target), else_=1)


def round_assignments(round_id: int) -> dict[int, list[ReviewAssignment]]:
    """Every assignment in the round, by bid."""
    grouped: dict[int, list[ReviewAssignment]] = defaultdict(list)
    for assignment in db.session.scalars(
        db.select(ReviewAssignment)
        .join(Application, Application.id == ReviewAssignment.application_id)
        .where(Application.round_id == round_id)
        .order_by(ReviewAssignment.id)
    ):
        grouped[assignment.application_id].append(assignment)
    return grouped


def selected_balance(assessments: list[BidAssessment]) -> dict[str, dict[str, int]]:
    """The approved set (less any award given up) by place, theme and lead organisation sector, counted
    in one query."""
    approved = Application.id.in_(
        [a.application_id for a in assessments if a.outcome == DecisionOutcome.APPROVED and not a.given_up]
    )

    def counted(key: str, name, *joins):
        statement = db.select(db.literal(key), name, db.func.count()).select_from(Application)
        for target, on, outer in joins:
            statement = statement.join(target, on, isouter=outer)
        return statement.where(approved).group_by(name)

    statement = db.union_all(
        counted("place", Place.name, (Place, Place.id == Application.place_id, True)),
        counted(
            "theme",
            Theme.name,
            (application_themes, application_themes.c.application_id == Application.id, False),
            (Theme, Theme.id == application_themes.c.theme_id, False),
        ),
        counted(
            "sector", Organisation.sector, (Organisation, Organisation.id == Application.lead_organisation_id, False)
        ),
    )
    balance: dict[str, dict[str, int]] = {"place": {}, "theme": {}, "sector": {}}
    for key, name, number in db.session.execute(statement):
        if key == "place":
            name = name or "No place given"
        elif key == "sector":
            name = SECTORS[name]
        balance[key][name] = number
    return {key: dict(sorted(counts.items(), key=lambda item: (-item[1], item[0]))) for key, counts in balance.items()}


def decision_in_effect(application_id: int) -> Decision | None:
    """The decision the applicant may see: only once it has taken effect."""
    return db.session.scalar(
        db.select(Decision).where(Decision.application_id == application_id, Decision.effective_at.is_not(None))
    )
