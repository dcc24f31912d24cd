"""The finance approver's home: the money that waits for their signature, and the money they keep an eye on.

- releases waiting for their approval (the second signature), with the total: never one they requested;
- waivers of a condition waiting for their agreement: never one they proposed;
- early ends of a project waiting for a finance approver to confirm: never one they proposed;
- repayments owed after an early end, to record once the money is back;
- tranches on hold, to lift once the reason has gone;
- requests they returned to the programme team, until the team requests the tranche again.

Each queue is two queries whatever its length (a count, with the money where it has some, and the first
few with what they show loaded in the same statement), and reads the state its action changes, so an
item leaves once its work is done. Who may act is the rule of ``grants.funding.permissions`` (and
``grants.projects.permissions`` for an ending) written as SQL; the tests hold the two together.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from sqlalchemy import String, cast, func
from sqlalchemy.orm import aliased, contains_eager, defaultload

from grants.accounts.models import User
from grants.core.audit import AuditEvent
from grants.core.money import format_pence
from grants.core.permissions import Role
from grants.core.queues import SHOWN, Queue, WorkItem, register_queue
from grants.core.times import format_date, london_today
from grants.extensions import db
from grants.funding.models import Tranche, TrancheCondition, TrancheStatus
from grants.projects.models import FINISHED_STATUSES, EndingKind, EndingStatus, Project, ProjectEnding

REASON_SHOWN = 120  # characters of a reason quoted in a queue; the page it links to has the whole


def register() -> None:
    """The finance approver's queues, in the order they are worked: money first."""
    register_queue(Role.FINANCE_APPROVER, "funding.releases", releases_waiting, order=10)
    register_queue(Role.FINANCE_APPROVER, "funding.waivers", waivers_waiting, order=20)
    register_queue(Role.FINANCE_APPROVER, "funding.early_ends", early_ends_waiting, order=30)
    register_queue(Role.FINANCE_APPROVER, "funding.repayments", repayments_owed, order=40)
    register_queue(Role.FINANCE_APPROVER, "funding.holds", tranches_held, order=50)
    register_queue(Role.FINANCE_APPROVER, "funding.returned", requests_returned, order=60)


# --- Releases waiting for the second signature ------------------------------------------------------------


def approvable_by(user: Any) -> tuple:
    """``permissions.can_approve`` for every tranche at once: requested, by someone else, of a project
    still running (the role is the queue's)."""
    return (
        Tranche.status == TrancheStatus.REQUESTED,
        Tranche.requested_by_id != user.id,
        _running(),
    )


def releases_waiting(user: Any) -> Queue:
    where = approvable_by(user)
    count, total = _tranche_money(where)
    requester = aliased(User)
    rows = db.session.execute(
        _tranches()
        .add_columns(requester.name)
        .join(requester, requester.id == Tranche.requested_by_id)
        .where(*where)
        .order_by(Tranche.requested_at, Tranche.id)
        .limit(SHOWN)
    ).all()
    today = london_today()
    return Queue(
        "funding.releases",
        "Releases waiting for your approval",
        count,
        [
            WorkItem(
                f"Approve tranche {tranche.sequence} of {_project(tranche.project)}",
                url_for("funding.tranche", tranche_id=tranche.id),
                why=f"{_pounds(tranche.amount_pence)}, requested by {name} on {format_date(tranche.requested_at)}",
                due=tranche.due_on,
                overdue=tranche.due_on < today,
            )
            for tranche, name in rows
        ],
        more=("Every release waiting for approval", url_for("funding.index", view="requested")),
        empty="No release is waiting for your approval. When the programme team requests one, it is listed here.",
        summary=_in_total(count, total),
    )


# --- Waivers waiting for the second person ----------------------------------------------------------------


def agreeable_by(user: Any) -> tuple:
    """``permissions.can_agree_waiver`` for every condition at once: a waiver proposed by someone else, not
    yet agreed, of a condition still unmet, of a project still running."""
    return (
        TrancheCondition.waiver_proposed_at.is_not(None),
        TrancheCondition.waived_at.is_(None),
        TrancheCondition.met_at.is_(None),
        TrancheCondition.waiver_proposed_by_id != user.id,
        _running(),
    )


def waivers_waiting(user: Any) -> Queue:
    where = agreeable_by(user)
    count = db.session.scalar(
        _tranches_counted(func.count(TrancheCondition.id))
        .join(TrancheCondition, TrancheCondition.tranche_id == Tranche.id)
        .where(*where)
    )
    proposer = aliased(User)
    rows = db.session.execute(
        db.select(TrancheCondition, proposer.name)
        .join(TrancheCondition.tranche)
        .join(Tranche.project)
        .join(proposer, proposer.id == TrancheCondition.waiver_proposed_by_id)
        .options(contains_eager(TrancheCondition.tranche).contains_eager(Tranche.project).lazyload("*"))
        .where(*where)
        .order_by(TrancheCondition.waiver_proposed_at, TrancheCondition.id)
        .limit(SHOWN)
    ).all()
    return Queue(
        "funding.waivers",
        "Waivers waiting for your agreement",
        count or 0,
        [
            WorkItem(
                f"Waive “{condition.kind_label}” for tranche {condition.tranche.sequence} of "
                f"{_project(condition.tranche.project)}?",
                url_for("funding.tranche", tranche_id=condition.tranche_id),
                why=f"Proposed by {name} on {format_date(condition.waiver_proposed_at)}: "
                f"{_quoted(condition.waiver_reason)}",
            )
            for condition, name in rows
        ],
        empty="No waiver is waiting for your agreement.",
    )


# --- Early ends and the repayments they leave ----------------------------------------------------------


def confirmable_by(user: Any) -> tuple:
    """``projects.permissions.can_confirm_ending`` for a finance approver, at once: an early end still
    proposed, by someone else."""
    return (
        ProjectEnding.kind == EndingKind.ENDED_EARLY,
        ProjectEnding.status == EndingStatus.PROPOSED,
        ProjectEnding.proposed_by_id != user.id,
    )


def early_ends_waiting(user: Any) -> Queue:
    where = confirmable_by(user)
    count = db.session.scalar(db.select(func.count(ProjectEnding.id)).where(*where))
    endings = _endings(where, ProjectEnding.proposed_at)
    return Queue(
        "funding.early_ends",
        "Early ends waiting for you to confirm",
        count or 0,
        [
            WorkItem(
                f"End {_project(ending.project)} early?",
                _to_ending(ending),
                why=f"Proposed by {ending.proposed_by.name} on {format_date(ending.proposed_at)}"
                + (f", {_pounds(ending.repayment_pence)} to be repaid" if ending.repayment_pence else "")
                + f": {_quoted(ending.reason)}",
            )
            for ending in endings
        ],
        empty="No proposal to end a project early is waiting for you.",
    )


def repayments_owed(user: Any) -> Queue:
    where = (
        ProjectEnding.kind == EndingKind.ENDED_EARLY,
        ProjectEnding.status == EndingStatus.CONFIRMED,
        ProjectEnding.repayment_pence.is_not(None),
        ProjectEnding.repayment_received_on.is_(None),
    )
    count, total = _count_and_total(
        db.select(func.count(ProjectEnding.id), _money(ProjectEnding.repayment_pence)).where(*where)
    )
    endings = _endings(where, ProjectEnding.decided_at)
    return Queue(
        "funding.repayments",
        "Repayments to record when they arrive",
        count,
        [
            WorkItem(
                f"Repayment from {_project(ending.project)}",
                _to_ending(ending),
                why=f"{_pounds(ending.repayment_pence)} to be repaid since the project ended early on "
                f"{format_date(ending.decided_at)}",
            )
            for ending in endings
        ],
        empty="No repayment is owed.",
        summary=_in_total(count, total),
    )


def _endings(where: tuple, oldest_first) -> list[ProjectEnding]:
    """The first few endings, each with its project (and its proposer, always loaded with it)."""
    return list(
        db.session.scalars(
            db.select(ProjectEnding)
            .join(ProjectEnding.project)
            .options(
                contains_eager(ProjectEnding.project).lazyload("*"),
                defaultload(ProjectEnding.proposed_by).lazyload("*"),
            )
            .where(*where)
            .order_by(oldest_first, ProjectEnding.id)
            .limit(SHOWN)
        )
    )


def _to_ending(ending: ProjectEnding) -> str:
    return url_for("projects.ending_page", project_id=ending.project_id, ending_id=ending.id)


# --- Holds ------------------------------------------------------------------------------------------------


def tranches_held(user: Any) -> Queue:
    where = (Tranche.status == TrancheStatus.HELD, _running())
    count, total = _tranche_money(where)
    holder = aliased(User)
    rows = db.session.execute(
        _tranches()
        .add_columns(holder.name)
        .outerjoin(holder, holder.id == Tranche.held_by_id)
        .where(*where)
        .order_by(Tranche.held_at, Tranche.id)
        .limit(SHOWN)
    ).all()
    return Queue(
        "funding.holds",
        "Tranches on hold",
        count,
        [
            WorkItem(
                f"Tranche {tranche.sequence} of {_project(tranche.project)}",
                url_for("funding.project", project_id=tranche.project_id, _anchor=f"tranche-{tranche.sequence}"),
                why=f"{_pounds(tranche.amount_pence)} held"
                + (f" by {name}" if name else "")
                + f" on {format_date(tranche.held_at)}: {_quoted(tranche.held_reason)}",
            )
            for tranche, name in rows
        ],
        more=("Every tranche on hold", url_for("funding.index", view="held")),
        empty="No tranche is on hold.",
        summary=_in_total(count, total),
    )


# --- Requests returned to the programme team ------------------------------------------------------------


RETURNED = "funding.release_returned"
ASKED = ("funding.release_requested", RETURNED)


_RETURN = aliased(AuditEvent, name="return_event")


def returned_by(statement, user: Any):
    """``statement`` (of tranches, joined to their project) cut to the tranches whose last request ``user``
    returned, still waiting for the programme team to request them again: ``user``'s return (``_RETURN``,
    joined) with no request or return written on the tranche after it."""
    later = aliased(AuditEvent, name="later_event")
    return statement.join(
        _RETURN,
        (_RETURN.object_type == "tranche")
        & (_RETURN.object_id == cast(Tranche.id, String))
        & (_RETURN.action == RETURNED)
        & (_RETURN.actor_id == user.id),
    ).where(
        Tranche.status.in_((TrancheStatus.SCHEDULED, TrancheStatus.ELIGIBLE)),
        _running(),
        ~db.select(later.id)
        .where(
            later.object_type == "tranche",
            later.object_id == _RETURN.object_id,
            later.action.in_(ASKED),
            later.id > _RETURN.id,
        )
        .exists(),
    )


def requests_returned(user: Any) -> Queue:
    count = db.session.scalar(returned_by(_tranches_counted(func.count(Tranche.id)), user))
    rows = db.session.execute(
        returned_by(_tranches().add_columns(_RETURN.occurred_at, _RETURN.after), user)
        .order_by(_RETURN.occurred_at.desc(), Tranche.id)
        .limit(SHOWN)
    ).all()
    return Queue(
        "funding.returned",
        "Requests you returned",
        count or 0,
        [
            WorkItem(
                f"Tranche {tranche.sequence} of {_project(tranche.project)}",
                url_for("funding.tranche", tranche_id=tranche.id),
                why=f"Returned on {format_date(when)}, waiting for the programme team to request it again: "
                f"{_quoted((after or {}).get('reason'))}",
            )
            for tranche, when, after in rows
        ],
        empty="No request you returned is waiting for the programme team.",
        for_information=True,
    )


# --- Shared -----------------------------------------------------------------------------------------------


def _running():
    """``permissions.can_change``: a finished project's money is a record."""
    return Project.status.not_in(FINISHED_STATUSES)


def _tranches():
    """Tranches with their project: its reference and title, nothing it would load besides."""
    return db.select(Tranche).join(Tranche.project).options(contains_eager(Tranche.project).lazyload("*"))


def _tranches_counted(*columns):
    """Columns over tranches joined to their project: a count, a total."""
    return db.select(*columns).select_from(Tranche).join(Project, Project.id == Tranche.project_id)


def _tranche_money(where: tuple) -> tuple[int, int]:
    return _count_and_total(_tranches_counted(func.count(Tranche.id), _money(Tranche.amount_pence)).where(*where))


def _count_and_total(statement) -> tuple[int, int]:
    count, total = db.session.execute(statement).one()
    return int(count), int(total)


def _money(pence):
    """A sum of pence that is 0 over no rows."""
    return func.coalesce(func.sum(pence), 0)


def _project(project: Project) -> str:
    return f"{project.reference} {project.title}"


def _pounds(pence: int | None) -> str:
    return format_pence(int(pence or 0), whole=True)


def _in_total(count: int, total: int) -> str | None:
    return f"{_pounds(total)} in total" if count else None


def _quoted(reason: str | None) -> str:
    """A reason, cut to a line: the page the item links to has it whole."""
    words = " ".join((reason or "").split())
    return words if len(words) <= REASON_SHOWN else words[: REASON_SHOWN - 1].rstrip() + "…"
