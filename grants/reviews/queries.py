"""Reading assessment: each page loads in a fixed number of queries, however many bids a round has."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from sqlalchemy.orm import lazyload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from grants.applications.models import Application, ApplicationStatus, application_themes
from grants.core.db import Money
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


def _positions(round_: Round):
    """Each bid under assessment in the round with its place in the ranking and the running total of cost
    to it (``id``, ``position``, ``running_total_pence``): the database decides the order once, for the
    whole ranking, a page of it or one bid. Ranked by weighted score (bids not yet fully scored last),
    then by reference. The weighted scores are those kept as the scores change (``grants.reviews.kept``)."""
    cost = db.func.coalesce(Application.amount_requested_pence, 0)
    order = (BidScore.weighted.is_(None), BidScore.weighted.desc(), Application.reference, Application.id)
    return (
        db.select(
            Application.id,
            db.func.row_number().over(order_by=order).label("position"),
            # A sum of integers is a numeric in PostgreSQL: pence stay integers.
            db.cast(db.func.sum(cost).over(order_by=order, rows=(None, 0)), Money).label("running_total_pence"),
        )
        .outerjoin(BidScore, BidScore.application_id == Application.id)
        .where(_in_round(round_))
    )


def _ranked(positions):
    """What a row of the ranking shows, for the bids of ``positions`` (a subquery of ``_positions``), in
    rank order: their reviews are counted bid by bid (an index holds them), so a page counts only its own."""

    def reviews(*states: str):
        return (
            db.select(db.func.count())
            .where(ReviewAssignment.application_id == Application.id, ReviewAssignment.status.in_(states))
            .scalar_subquery()
        )

    return (
        db.select(
            Application.id,
            Application.reference,
            db.func.coalesce(Application.amount_requested_pence, 0).label("cost_pence"),
            Application.status,
            Decision.outcome,
            Decision.effective_at.is_not(None).label("in_effect"),
            reviews(AssignmentStatus.SUBMITTED).label("submitted"),
            reviews(*ACTIVE_REVIEWS).label("active"),
            _given_up_at().label("given_up_at"),
            BidScore.weighted,
            db.func.coalesce(BidScore.disagreements, 0).label("disagreeing"),
            positions.c.position,
            positions.c.running_total_pence,
        )
        .select_from(positions)
        .join(Application, Application.id == positions.c.id)
        .outerjoin(Decision, Decision.application_id == Application.id)
        .outerjoin(Project, Project.application_id == Application.id)
        .outerjoin(BidScore, BidScore.application_id == Application.id)
        .order_by(positions.c.position)
    )


def _given_up_at():
    """When an approved bid's award was given up (before any payment), with ``Project`` joined: it then
    holds neither budget nor place in the round any more, which are free for a reserve bid."""
    return db.case((Project.status == ProjectStatus.WITHDRAWN, Project.finished_at))


def _approved():
    """An approved bid whose award was not given up, with ``Decision`` and ``Project`` joined."""
    return db.and_(Decision.outcome == DecisionOutcome.APPROVED, _given_up_at().is_(None))


def _assessments(statement, round_: Round) -> list[BidAssessment]:
    criteria = {criterion.id: criterion for criterion in criteria_of(round_)}
    return [
        BidAssessment(
            row.id,
            row.reference,
            row.cost_pence,
            row.status,
            outcome=row.outcome,
            in_effect=row.in_effect,
            given_up_at=row.given_up_at,
            submitted=row.submitted,
            active=row.active,
            weighted=row.weighted,
            disagreeing=row.disagreeing,
            rank=row.position if row.weighted is not None else None,
            running_total_pence=row.running_total_pence,
            criteria=criteria,
        )
        for row in _rows(statement)
    ]


def round_ranking(round_: Round) -> list[BidAssessment]:
    """Every bid under assessment in the round, in rank order, with its weighted score, reviews and
    decision, the running total of cost in that order, and whether an approved bid's award was given up
    since; in one query, without loading the bids themselves. The spreads behind the weighted scores are
    read only for the bids a page shows them for (``load_spreads``)."""
    return _assessments(_ranked(_positions(round_).subquery()), round_)


def ranking_slice(round_: Round, offset: int, limit: int) -> list[BidAssessment]:
    """The bids from ``offset`` to ``offset + limit`` in the round's ranking (a page of it), each with its
    rank and running total over the whole round, without building the rest."""
    positions = _positions(round_).subquery()
    page = db.select(positions).where(positions.c.position > offset).order_by(positions.c.position).limit(limit)
    return _assessments(_ranked(page.subquery()), round_)


def bid_ranking(round_: Round, application_id: int) -> BidAssessment | None:
    """One bid's place in its round's ranking (its rank and running total are over the whole round)."""
    positions = _positions(round_).subquery()
    one = db.select(positions).where(positions.c.id == application_id)
    found = _assessments(_ranked(one.subquery()), round_)
    return found[0] if found else None


@dataclass(frozen=True)
class RankingFigures:
    """What the ranking page says of the whole round, counted by the database: bids ranked, those under
    review with no decision yet, those on the reserve list, and the approved set (less any award given up)
    with its cost."""

    bids: int
    undecided: int
    reserves: int
    approved: int
    approved_pence: int


def ranking_figures(round_: Round) -> RankingFigures:
    """The round's ``RankingFigures``, in one query."""
    approved = _approved()
    row = db.session.execute(
        db.select(
            db.func.count(),
            db.func.count().filter(
                db.and_(Application.status == ApplicationStatus.UNDER_REVIEW, Decision.outcome.is_(None))
            ),
            db.func.count().filter(Application.status == ApplicationStatus.RESERVE),
            db.func.count().filter(approved),
            db.func.coalesce(db.func.sum(Application.amount_requested_pence).filter(approved), 0),
        )
        .select_from(Application)
        .outerjoin(Decision, Decision.application_id == Application.id)
        .outerjoin(Project, Project.application_id == Application.id)
        .where(_in_round(round_))
    ).one()
    return RankingFigures(*(int(figure) for figure in row))


def undecided_bids(round_: Round) -> dict[int, str]:
    """The round's bids under review with no decision recorded yet: id → reference."""
    return dict(
        _rows(
            db.select(Application.id, Application.reference)
            .outerjoin(Decision, Decision.application_id == Application.id)
            .where(
                Application.round_id == round_.id,
                Application.status == ApplicationStatus.UNDER_REVIEW,
                Decision.id.is_(None),
            )
            .order_by(Application.reference)
        )
    )


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

    remaining = set(application_ids)
    if not remaining:
        return remaining
    among = Application.round_id == round_id if round_id is not None else Application.id.in_(remaining)
    chair_ids, chairs_conflicted = _chairs_conflicted(among)
    if not chair_ids:
        return remaining
    return {application_id for application_id in remaining if chairs_conflicted.get(application_id) == chair_ids}


def undecided_no_chair_can_decide(round_: Round) -> list[str]:
    """The references of the round's undecided bids that no chair can decide (``no_chair_can_decide``), in
    order; the undecided bids are looked for only if some bid of the round has every chair conflicted, or
    no one is a chair."""
    chair_ids, chairs_conflicted = _chairs_conflicted(Application.round_id == round_.id)
    if not chair_ids:
        return sorted(undecided_bids(round_).values())
    candidates = {application_id for application_id, chairs in chairs_conflicted.items() if chairs == chair_ids}
    if not candidates:
        return []
    return sorted(
        reference for application_id, reference in undecided_bids(round_).items() if application_id in candidates
    )


def _chairs_conflicted(among) -> tuple[set[int], dict[int, set[int]]]:
    """The active chairs, and for each bid ``among`` those (``Application`` rows) which of them have a
    conflict with it, in two queries (none for the conflicts if there is no chair)."""
    from grants.accounts.models import User, UserRole
    from grants.applications.models import Partner
    from grants.core.permissions import Role

    chair_ids = set(
        db.session.scalars(
            db.select(UserRole.user_id)
            .join(User, User.id == UserRole.user_id)
            .where(UserRole.role == Role.STEERING_CHAIR.value, User.is_active.is_(True))
        )
    )
    chairs_conflicted: dict[int, set[int]] = {}
    if not chair_ids:
        return chair_ids, chairs_conflicted
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
    for chair_id, application_id in db.session.execute(conflicted):
        chairs_conflicted.setdefault(application_id, set()).add(chair_id)
    return chair_ids, chairs_conflicted


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


def empty_balance() -> dict[str, dict[str, int]]:
    """The balance of a round with nothing approved: no query needed."""
    return {"place": {}, "theme": {}, "sector": {}}


def selected_balance(round_: Round) -> dict[str, dict[str, int]]:
    """The round's approved set (less any award given up) by place, theme and lead organisation sector,
    counted in one query (the approved bids found once, for the three counts)."""
    approved_ids = (
        db.select(Application.id)
        .join(Decision, Decision.application_id == Application.id)
        .outerjoin(Project, Project.application_id == Application.id)
        .where(_in_round(round_), _approved())
        .cte("approved")
    )
    approved = Application.id.in_(db.select(approved_ids.c.id))

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
    balance = empty_balance()
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
