"""The steering group's work on their home page: a member's declarations, scores and requests to look
again; a chair's disagreements to moderate, bids short of reviewers and decisions still to make.

Each builder runs a fixed number of queries however many bids there are: one count (or one count for
each round, grouped) and one limited list of plain columns, with the bids a chair has a conflict with
left out inside the same statements.
"""

from __future__ import annotations

from datetime import date

from flask import url_for

from grants.applications.models import Application, ApplicationStatus
from grants.core.queues import SHOWN, Queue, WorkItem
from grants.core.times import london_today
from grants.extensions import db
from grants.reviews import queries
from grants.reviews.models import AssignmentStatus, BidScore, Decision, ReviewAssignment
from grants.reviews.permissions import ASSESSABLE_ROUND_STATES
from grants.rounds.models import Round, RoundStatus

NOTE_SHOWN = 90  # characters of a chair's note shown on the home page; the whole note is on the scores page


# --- A steering member's reviews ------------------------------------------------------------------------


def _reviews(user, *conditions):
    """The person's assignments meeting ``conditions``: how many, and the first few, soonest due first."""
    where = (
        ReviewAssignment.reviewer_id == user.id,
        Round.status.in_(ASSESSABLE_ROUND_STATES),
        *conditions,
    )
    count = db.session.scalar(
        db.select(db.func.count())
        .select_from(ReviewAssignment)
        .join(Application, Application.id == ReviewAssignment.application_id)
        .join(Round, Round.id == Application.round_id)
        .where(*where)
    )
    rows = db.session.execute(
        db.select(
            ReviewAssignment.id,
            ReviewAssignment.look_again_note,
            Application.reference,
            Application.title,
            queries.review_deadline().label("due"),
        )
        .join(Application, Application.id == ReviewAssignment.application_id)
        .join(Round, Round.id == Application.round_id)
        .where(*where)
        .order_by(queries.review_deadline(), Application.reference, ReviewAssignment.id)
        .limit(SHOWN)
    ).all()
    return count or 0, rows


def _named(row) -> str:
    """A bid as an item names it: "LV2-0005 Healthy Harbour"."""
    return f"{row.reference} {row.title or 'Untitled bid'}"


def _overdue(due: date | None) -> bool:
    return due is not None and due < london_today()


def _your_reviews() -> tuple[str, str]:
    return ("All your reviews", url_for("reviews.index"))


def conflicts_to_declare(user) -> Queue:
    """Bids assigned to the member who has not yet said whether they have a conflict of interest."""
    count, rows = _reviews(user, ReviewAssignment.status == AssignmentStatus.ASSIGNED)
    items = [
        WorkItem(
            f"Declare any conflict of interest with {row.reference}",
            url_for("reviews.assignment", assignment_id=row.id),
            why="You see the bid once you have declared",
            due=row.due,
            overdue=_overdue(row.due),
        )
        for row in rows
    ]
    return Queue(
        "reviews.conflicts",
        "Conflicts of interest to declare",
        count,
        items,
        more=_your_reviews(),
        empty="You have no declarations to make.",
    )


def reviews_to_score(user) -> Queue:
    """Bids the member declared no conflict with and has not yet submitted scores for, while scoring is open."""
    count, rows = _reviews(user, ReviewAssignment.status == AssignmentStatus.IN_PROGRESS, queries.scoring_open_clause())
    items = [
        WorkItem(
            f"Score {_named(row)}",
            url_for("reviews.assignment", assignment_id=row.id, _anchor="scores"),
            due=row.due,
            overdue=_overdue(row.due),
        )
        for row in rows
    ]
    return Queue(
        "reviews.to_score",
        "Reviews to score",
        count,
        items,
        more=_your_reviews(),
        empty="You have no bids to score right now.",
    )


def _note(note: str) -> str:
    note = " ".join(note.split())
    return note if len(note) <= NOTE_SHOWN else note[: NOTE_SHOWN - 1].rstrip() + "…"


def look_again_requests(user) -> Queue:
    """Submitted scores a chair has asked the member to look at again, while they can still be changed."""
    count, rows = _reviews(
        user,
        ReviewAssignment.status == AssignmentStatus.SUBMITTED,
        ReviewAssignment.look_again_note.is_not(None),
        queries.scoring_open_clause(),
    )
    items = [
        WorkItem(
            f"Look again at your scores for {_named(row)}",
            url_for("reviews.assignment", assignment_id=row.id, _anchor="scores"),
            why=f"The chair asks: {_note(row.look_again_note)}",
            due=row.due,
            overdue=_overdue(row.due),
        )
        for row in rows
    ]
    return Queue(
        "reviews.look_again",
        "Asked to look again",
        count,
        items,
        more=_your_reviews(),
        empty="No chair has asked you to look again at your scores.",
    )


# --- A steering group chair's assessment -------------------------------------------------------------------


def _not_conflicted(user):
    """Leaves out the bids the chair has a conflict with: another chair moderates and decides them."""
    return Application.id.not_in(queries.conflicted_statement(user))


def _undecided():
    return ~db.exists().where(Decision.application_id == Application.id)


def _count_and_first(columns, where, order_by, *, joins=()):
    """How many bids meet ``where``, and the first few of them (as plain rows of ``columns``)."""
    counted = db.select(db.func.count()).select_from(Application)
    listed = db.select(*columns).select_from(Application)
    for target, on in joins:
        counted, listed = counted.join(target, on), listed.join(target, on)
    count = db.session.scalar(counted.where(*where))
    rows = db.session.execute(listed.where(*where).order_by(*order_by).limit(SHOWN)).all()
    return count or 0, rows


def _assessment() -> tuple[str, str]:
    return ("Assessment", url_for("assessment.index"))


def _disputed():
    """Each bid whose counted scores span too much of a criterion's scale (``scoring.disagrees``), with
    the number of criteria they do so on: as kept with the bid's weighted score (``grants.reviews.kept``)."""
    return (
        db.select(BidScore.application_id, BidScore.disagreements.label("criteria"))
        .join(Application, Application.id == BidScore.application_id)
        .join(Round, Round.id == Application.round_id)
        .where(
            BidScore.disagreements > 0,
            Round.status.in_(ASSESSABLE_ROUND_STATES),
            Application.status == ApplicationStatus.UNDER_REVIEW,
        )
        .subquery()
    )


def _look_again_waiting():
    """A reviewer of the bid has been asked to look again and can still answer: the chair waits for them."""
    return db.and_(
        queries.scoring_open_clause(),
        db.exists().where(
            ReviewAssignment.application_id == Application.id,
            ReviewAssignment.status == AssignmentStatus.SUBMITTED,
            ReviewAssignment.look_again_note.is_not(None),
        ),
    )


def disagreements_to_moderate(user) -> Queue:
    """Bids without a decision whose reviewers disagree: they leave when the chair asks a reviewer to look
    again (until the reviewer answers) or records a decision."""
    disputed = _disputed()
    count, rows = _count_and_first(
        (Application.id, Application.reference, Application.title, disputed.c.criteria),
        (_undecided(), _not_conflicted(user), ~_look_again_waiting()),
        (disputed.c.criteria.desc(), Application.reference),
        joins=((disputed, disputed.c.application_id == Application.id), (Round, Round.id == Application.round_id)),
    )
    items = [
        WorkItem(
            f"Moderate {_named(row)}",
            url_for("assessment.bid", application_id=row.id),
            why=f"Reviewers' scores are far apart on {row.criteria} criteri{'a' if row.criteria != 1 else 'on'}",
        )
        for row in rows
    ]
    return Queue(
        "assessment.disagreements",
        "Disagreements to moderate",
        count,
        items,
        more=_assessment(),
        empty="No bid has reviewers' scores far enough apart to moderate.",
    )


def short_of_reviewers(user) -> Queue:
    """Bids still to be decided with fewer active reviewers than the rest of their round (or none): the
    programme team assigns more; the chair sees which bids will be short of scores."""
    counts = queries.reviewer_counts()
    count, rows = _count_and_first(
        (Application.id, Application.reference, Application.title, counts.c.active, counts.c.target),
        (counts.c.active < queries.wanted_reviewers_of(counts), _undecided(), _not_conflicted(user)),
        (counts.c.active, Application.reference),
        joins=((counts, counts.c.application_id == Application.id),),
    )
    items = [
        WorkItem(
            f"{_named(row)}",
            url_for("assessment.bid", application_id=row.id),
            why=_reviewers_why(row.active, queries.wanted_reviewers(row.target)),
        )
        for row in rows
    ]
    return Queue(
        "assessment.short_of_reviewers",
        "Bids without enough reviewers",
        count,
        items,
        more=_assessment(),
        empty="Every bid has enough reviewers.",
        summary="The programme team assigns reviewers." if count else None,
    )


def _reviewers_why(active: int, wanted: int) -> str:
    if active == 0:
        return "No reviewers yet"
    return f"{active} active reviewer{'s' if active != 1 else ''}; the others in its round have {wanted}"


def _round_line(total: int, undecided: int) -> str:
    """Whether a round can be decided: "All 43 bids have decisions: the round can be decided"."""
    if undecided:
        return f"{undecided:,} bid{'s' if undecided != 1 else ''} still need{'s' if undecided == 1 else ''} a decision"
    if total == 1:
        return "The bid has a decision: the round can be decided"
    return f"All {total:,} bids have decisions: the round can be decided"


def _rounds_summary(rounds) -> str | None:
    if not rounds:
        return None
    if len(rounds) == 1:
        return _round_line(rounds[0].total, rounds[0].undecided) + "."
    lines = (_round_line(row.total, row.undecided) for row in rounds)
    return " ".join(f"Round {row.code}: {line[0].lower()}{line[1:]}." for row, line in zip(rounds, lines, strict=True))


def decisions_needed(user) -> Queue:
    """Bids under review with no decision recorded, in rounds being decided, and rounds whose every bid
    has one: those the chair confirms, so the decisions take effect."""
    rounds = db.session.execute(
        db.select(
            Round.id,
            Round.code,
            db.func.count().label("total"),
            db.func.count().filter(_undecided()).label("undecided"),
            db.func.count().filter(_undecided(), _not_conflicted(user)).label("mine"),
        )
        .join(Application, Application.round_id == Round.id)
        .where(Round.status == RoundStatus.ASSESSING, Application.status == ApplicationStatus.UNDER_REVIEW)
        .group_by(Round.id, Round.code)
        .order_by(Round.code)
    ).all()
    ready = [row for row in rounds if row.undecided == 0]
    mine = sum(row.mine for row in rounds)
    rows = db.session.execute(
        db.select(Application.id, Application.reference, Application.title)
        .join(Round, Round.id == Application.round_id)
        .where(
            Round.status == RoundStatus.ASSESSING,
            Application.status == ApplicationStatus.UNDER_REVIEW,
            _undecided(),
            _not_conflicted(user),
        )
        .order_by(Round.code, Application.reference)
        .limit(SHOWN)
    ).all()
    items = [
        WorkItem(
            f"Confirm the decisions for round {row.code}",
            url_for("assessment.apply", round_id=row.id),
            why=_round_line(row.total, 0),
        )
        for row in ready
    ] + [WorkItem(f"Decide {_named(row)}", url_for("assessment.bid", application_id=row.id)) for row in rows]
    return Queue(
        "assessment.decisions",
        "Decisions still needed",
        mine + len(ready),
        items[:SHOWN],
        more=_assessment(),
        empty="No round is waiting for your decisions.",
        summary=_rounds_summary(rounds),
    )
