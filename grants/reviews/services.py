"""Assessment: assigning reviewers, conflicts of interest, scores and moderation. Each function
checks, changes, flushes and audits; the route or task commits."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError

from grants.accounts.models import User, UserRole
from grants.applications.models import Application, ApplicationStatus, Partner
from grants.applications.workflow import APPLICATION_WORKFLOW
from grants.core import audit
from grants.core.db import lock_and_refresh, utcnow
from grants.core.errors import AlreadyDone, GrantsError, PermissionDenied
from grants.core.permissions import Role
from grants.extensions import db
from grants.notifications.services import queue_email
from grants.reviews import permissions
from grants.reviews.kept import keep_bid_scores
from grants.reviews.models import AssignmentStatus, ConflictDeclaration, ReviewAssignment
from grants.reviews.queries import ACTIVE_REVIEWS
from grants.reviews.workflow import ASSIGNMENT_WORKFLOW
from grants.rounds.models import Round, RoundStatus
from grants.rounds.workflow import ROUND_WORKFLOW


class ReviewError(GrantsError):
    """An assessment change the service refuses, naming the domain field it is about where there is one."""


class ReviewAlreadyDone(ReviewError, AlreadyDone):
    """A second press of something already done (or the slower of two at once): nothing happens twice."""


# --- Who can review a bid ---------------------------------------------------------------------------


def steering_members() -> list[User]:
    return list(
        db.session.scalars(
            db.select(User)
            .join(UserRole)
            .where(UserRole.role == Role.STEERING_MEMBER.value, User.is_active.is_(True))
            .order_by(User.name, User.id)
        ).unique()
    )


def _partnership_organisations(application_ids: list[int]) -> dict[int, set[int]]:
    """Each bid's lead and partner organisations."""
    organisations: dict[int, set[int]] = {}
    for application_id, lead_id in db.session.execute(
        db.select(Application.id, Application.lead_organisation_id).where(Application.id.in_(application_ids))
    ):
        organisations[application_id] = {lead_id}
    for application_id, organisation_id in db.session.execute(
        db.select(Partner.application_id, Partner.organisation_id).where(Partner.application_id.in_(application_ids))
    ):
        organisations[application_id].add(organisation_id)
    return organisations


def _conflicts(application_ids: list[int]) -> set[tuple[int, int]]:
    """(bid, reviewer) pairs with a declared conflict."""
    return set(
        db.session.execute(
            db.select(ConflictDeclaration.application_id, ConflictDeclaration.reviewer_id).where(
                ConflictDeclaration.application_id.in_(application_ids), ConflictDeclaration.has_conflict.is_(True)
            )
        ).all()
    )


def ineligibility(
    reviewer: User, application_id: int, organisations: dict[int, set[int]], conflicts: set[tuple[int, int]]
) -> str | None:
    """Why this person may not review this bid, or None."""
    if (application_id, reviewer.id) in conflicts:
        return "has declared a conflict of interest with this bid"
    if reviewer.organisation_id is not None and reviewer.organisation_id in organisations.get(application_id, set()):
        return "is from the lead organisation or a partner in this bid"
    return None


def reviewer_choices(application: Application) -> tuple[list[User], list[tuple[User, str]]]:
    """Steering members who may be asked to review the bid, and those who may not with the reason why.
    Someone already reviewing it is neither: the page lists them as already asked."""
    organisations = _partnership_organisations([application.id])
    conflicts = _conflicts([application.id])
    reviewing = set(
        db.session.scalars(
            db.select(ReviewAssignment.reviewer_id).where(
                ReviewAssignment.application_id == application.id,
                ReviewAssignment.status.in_(ACTIVE_REVIEWS),
            )
        )
    )
    eligible, excluded = [], []
    for member in steering_members():
        if member.id in reviewing:
            continue
        reason = ineligibility(member, application.id, organisations, conflicts)
        if reason:
            excluded.append((member, reason))
        else:
            eligible.append(member)
    return eligible, excluded


def assignable_bids(round_: Round) -> Sequence[Application]:
    return db.session.scalars(
        db.select(Application)
        .where(Application.round_id == round_.id, Application.status.in_(permissions.ASSIGNABLE_BID_STATES))
        .order_by(Application.reference)
    ).all()


# --- Assigning --------------------------------------------------------------------------------------


def _check_assignable(application: Application) -> None:
    if application.status not in permissions.ASSIGNABLE_BID_STATES:
        raise ReviewError("Only submitted bids can be assigned for review.")
    if application.round.status not in permissions.ASSESSABLE_ROUND_STATES:
        raise ReviewError("Reviewers are assigned once the round has closed.")


def _notify_assigned(assignment: ReviewAssignment) -> None:
    queue_email(
        assignment.reviewer.email,
        "review_assigned",
        {
            "name": assignment.reviewer.name,
            "reference": assignment.application.reference,
            "due_on": assignment.due_on.isoformat(),
            "assignment_id": assignment.id,
        },
        user=assignment.reviewer,
    )


def assign_reviewer(application: Application, reviewer: User, due_on: date, *, actor: Any) -> ReviewAssignment:
    _check_assignable(application)
    if not reviewer.has_role(Role.STEERING_MEMBER):
        raise ReviewError("Only steering group members can review bids.", field="reviewer_id")
    reason = ineligibility(
        reviewer, application.id, _partnership_organisations([application.id]), _conflicts([application.id])
    )
    if reason:
        raise ReviewError(f"{reviewer.name} {reason}.", field="reviewer_id")
    existing: ReviewAssignment | None = db.session.scalar(
        db.select(ReviewAssignment).where(
            ReviewAssignment.application_id == application.id, ReviewAssignment.reviewer_id == reviewer.id
        )
    )
    if existing is not None and existing.is_active:
        raise ReviewError(f"{reviewer.name} is already reviewing this bid.", field="reviewer_id")
    if existing is not None:  # taken off earlier; asked again, their earlier "no conflict" still stands
        declared = db.session.scalar(
            db.select(ConflictDeclaration.id).where(
                ConflictDeclaration.application_id == application.id, ConflictDeclaration.reviewer_id == reviewer.id
            )
        )
        existing.status = AssignmentStatus.IN_PROGRESS if declared else AssignmentStatus.ASSIGNED
        existing.due_on, existing.assigned_by_id = due_on, actor.id
        assignment = existing
    else:
        assignment = ReviewAssignment(
            application=application,
            reviewer=reviewer,
            due_on=due_on,
            assigned_by_id=actor.id,
            status=AssignmentStatus.ASSIGNED,
        )
        try:
            with db.session.begin_nested():
                db.session.add(assignment)
        except IntegrityError:
            raise ReviewError(f"{reviewer.name} is already reviewing this bid.", field="reviewer_id") from None
    db.session.flush()
    audit.record(
        "review.assigned",
        assignment,
        actor=actor,
        after={"application_id": application.id, "reviewer_id": reviewer.id, "due_on": due_on.isoformat()},
    )
    _notify_assigned(assignment)
    return assignment


def auto_assign(round_: Round, per_bid: int, due_on: date, *, actor: Any) -> int:
    """Give every submitted bid ``per_bid`` active reviewers, choosing the least busy eligible steering
    members first. Never someone with a conflict, or from the lead or a partner organisation.
    Returns how many assignments were made."""
    if round_.status not in permissions.ASSESSABLE_ROUND_STATES:
        raise ReviewError("Reviewers are assigned once the round has closed.")
    reviewers = steering_members()
    if not reviewers:
        raise ReviewError("There are no steering group members to assign.")
    bids = assignable_bids(round_)
    ids = [bid.id for bid in bids]
    organisations, conflicts = _partnership_organisations(ids), _conflicts(ids)
    existing = db.session.scalars(
        db.select(ReviewAssignment).join(Application).where(Application.round_id == round_.id)
    ).all()
    by_pair = {(a.application_id, a.reviewer_id): a for a in existing}
    load = Counter(a.reviewer_id for a in existing if a.is_active)
    made = 0
    for bid in bids:
        active = {a.reviewer_id for a in existing if a.application_id == bid.id and a.is_active}
        needed = per_bid - len(active)
        if needed <= 0:
            continue
        candidates = [
            reviewer
            for reviewer in reviewers
            if (bid.id, reviewer.id) not in by_pair  # never someone already asked (or taken off) for this bid
            and ineligibility(reviewer, bid.id, organisations, conflicts) is None
        ]
        for reviewer in sorted(candidates, key=lambda r: (load[r.id], r.name, r.id))[:needed]:
            assign_reviewer(bid, reviewer, due_on, actor=actor)
            load[reviewer.id] += 1
            made += 1
    audit.record("review.auto_assigned", round_, actor=actor, after={"per_bid": per_bid, "made": made})
    return made


def unassign(assignment: ReviewAssignment, *, actor: Any) -> None:
    """Take a reviewer off a bid. Not once scoring has closed: the record decisions rest on stays."""
    lock_and_refresh(db.session, assignment)
    if assignment.status == AssignmentStatus.WITHDRAWN:  # a second press, or the slower of two
        raise ReviewAlreadyDone(f"{assignment.reviewer.name} had already been taken off this bid.")
    if assignment.status == AssignmentStatus.SUBMITTED and not permissions.scoring_open(assignment.application.round):
        raise ReviewError("Scoring for this round has closed: submitted reviews stay as they are.")
    counted = assignment.status == AssignmentStatus.SUBMITTED
    ASSIGNMENT_WORKFLOW.move(assignment, AssignmentStatus.WITHDRAWN, actor=actor, action="review.unassigned")
    if counted:  # their scores leave the result
        keep_bid_scores(assignment.application_id)


# --- Conflicts --------------------------------------------------------------------------------------


def declare(assignment: ReviewAssignment, *, has_conflict: bool, nature: str | None, actor: Any) -> None:
    """The reviewer's declaration, before they see the bid. A conflict takes them off it for good:
    they lose access, any scores they gave leave the result, and the bid needs another reviewer."""
    lock_and_refresh(db.session, assignment)
    if assignment.reviewer_id != actor.id:
        raise PermissionDenied()
    if assignment.status not in {AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS, AssignmentStatus.SUBMITTED}:
        raise ReviewError("You are no longer reviewing this bid.")
    if has_conflict and not (nature or "").strip():
        raise ReviewError("Describe the conflict of interest", field="nature")
    declaration = db.session.scalar(
        db.select(ConflictDeclaration).where(
            ConflictDeclaration.application_id == assignment.application_id, ConflictDeclaration.reviewer_id == actor.id
        )
    )
    if declaration is None:
        declaration = ConflictDeclaration(
            application_id=assignment.application_id, reviewer_id=actor.id, has_conflict=has_conflict
        )
        db.session.add(declaration)
    elif not has_conflict:
        raise ReviewError("You have already declared for this bid.")
    declaration.has_conflict = has_conflict
    declaration.nature = (nature or "").strip() if has_conflict else None
    declaration.declared_at = utcnow()
    db.session.flush()
    audit.record(
        "review.conflict_declared" if has_conflict else "review.no_conflict_declared",
        declaration,
        actor=actor,
        after={"application_id": assignment.application_id, "has_conflict": has_conflict, "nature": declaration.nature},
    )
    counted = assignment.status == AssignmentStatus.SUBMITTED
    ASSIGNMENT_WORKFLOW.move(
        assignment, AssignmentStatus.CONFLICTED if has_conflict else AssignmentStatus.IN_PROGRESS, actor=actor
    )
    if counted:  # a conflict declared after scoring: their scores leave the result
        keep_bid_scores(assignment.application_id)


def declared_conflict(application_id: int, person_id: int) -> bool:
    """Whether the person has declared a conflict of interest with the bid."""
    return bool(
        db.session.scalar(
            db.select(ConflictDeclaration.id).where(
                ConflictDeclaration.application_id == application_id,
                ConflictDeclaration.reviewer_id == person_id,
                ConflictDeclaration.has_conflict.is_(True),
            )
        )
    )


def declare_chair_conflict(application: Application, nature: str, *, actor: Any) -> None:
    """A chair declares a conflict with a bid they were not asked to review: from then on they
    neither see nor decide it, and any review of theirs on it stops counting."""
    if not permissions.is_chair(actor):
        raise PermissionDenied("Only a steering group chair can declare a conflict here.")
    if not (nature or "").strip():
        raise ReviewError("Describe the conflict of interest", field="nature")
    assignment = db.session.scalar(
        db.select(ReviewAssignment).where(
            ReviewAssignment.application_id == application.id, ReviewAssignment.reviewer_id == actor.id
        )
    )
    if assignment is not None:
        # Locked first, as ``declare`` and ``save_scores`` lock it, and read as it is now: a review of
        # theirs submitted a moment ago (another page) is seen, and leaves the result with the rest.
        lock_and_refresh(db.session, assignment)
    declaration = db.session.scalar(
        db.select(ConflictDeclaration).where(
            ConflictDeclaration.application_id == application.id, ConflictDeclaration.reviewer_id == actor.id
        )
    )
    if declaration is None:
        declaration = ConflictDeclaration(
            application_id=application.id, reviewer_id=actor.id, has_conflict=True, nature=nature.strip()
        )
        try:
            with db.session.begin_nested():
                db.session.add(declaration)
        except IntegrityError:  # the same declaration, sent a moment ago
            raise ReviewAlreadyDone(
                f"You have already declared a conflict of interest with {application.reference}."
            ) from None
    declaration.has_conflict, declaration.nature, declaration.declared_at = True, nature.strip(), utcnow()
    db.session.flush()
    audit.record(
        "review.conflict_declared",
        declaration,
        actor=actor,
        after={"application_id": application.id, "has_conflict": True, "nature": declaration.nature, "as": "chair"},
    )
    if assignment is not None and assignment.is_active:
        counted = assignment.status == AssignmentStatus.SUBMITTED
        ASSIGNMENT_WORKFLOW.move(assignment, AssignmentStatus.CONFLICTED, actor=actor)
        if counted:  # any scores of theirs leave the result
            keep_bid_scores(application.id)


# --- The round's assessment --------------------------------------------------------------------------


def start_assessment(round_: Round, *, actor: Any) -> int:
    """The round moves to assessing and every submitted bid goes under review. Returns how many."""
    lock_and_refresh(db.session, round_)
    ROUND_WORKFLOW.check(round_, RoundStatus.ASSESSING)
    bids = db.session.scalars(
        db.select(Application)
        .where(Application.round_id == round_.id, Application.status == ApplicationStatus.SUBMITTED)
        .order_by(Application.id)
    ).all()
    for bid in bids:
        APPLICATION_WORKFLOW.move(bid, ApplicationStatus.UNDER_REVIEW, actor=actor)
    ROUND_WORKFLOW.move(round_, RoundStatus.ASSESSING, actor=actor, bids=len(bids))
    return len(bids)


def mark_ineligible(application: Application, reason: str, *, actor: Any) -> None:
    """The programme team finds a submitted bid ineligible; the applicant is told why."""
    lock_and_refresh(db.session, application)
    if application.status == ApplicationStatus.INELIGIBLE:  # a second press, or the slower of two
        raise ReviewAlreadyDone(f"{application.reference} has already been marked ineligible.")
    if not reason.strip():
        raise ReviewError("Say why the bid is ineligible", field="reason")
    APPLICATION_WORKFLOW.move(application, ApplicationStatus.INELIGIBLE, actor=actor, reason=reason.strip())
    queue_email(
        application.lead_applicant.email,
        "application_ineligible",
        {
            "name": application.lead_applicant.name,
            "reference": application.reference,
            "bid_title": application.display_title,
            "reason": reason.strip(),
        },
        user=application.lead_applicant,
    )
