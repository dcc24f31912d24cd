"""The end of a project: its close-out, an award given up, an early end.

A project whose end date has passed moves to closing (``start_due_closings``, a periodic job in both
shapes). Its close-out page lists what is left; the areas above this one say what that is
(``on_closeout_check``) and what they do when a project ends (``on_project_end``: funding cancels
unpaid tranches, leadership closes its self-assessment stages...). A programme officer closes the
project with a note once nothing is left, or says why each thing left will not happen.

Before any payment the partnership may give up its award: the lead applicant or an officer records
it, an officer confirms, and the round's budget and place are free for a reserve bid. After some
payments a project is ended early: an officer proposes it, a finance approver who is someone else
confirms (it changes the money owed), and any amount to be repaid is recorded and later marked
received. Paid money never changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from grants.accounts.models import User, UserRole
from grants.accounts.services import people_with_role
from grants.applications.models import PartnerStatus
from grants.core import audit
from grants.core.db import lock_and_refresh, utcnow
from grants.core.errors import PermissionDenied
from grants.core.money import format_pence
from grants.core.permissions import Role
from grants.core.times import format_date, london_today, to_london
from grants.extensions import db
from grants.notifications.services import queue_email
from grants.projects import permissions
from grants.projects.finished import how_it_ended
from grants.projects.models import (
    EnablerAssignment,
    EndingKind,
    EndingStatus,
    Project,
    ProjectEnding,
    ProjectStatus,
)
from grants.projects.services import ProjectAlreadyDone, ProjectError
from grants.projects.workflow import PROJECT_WORKFLOW


@dataclass(frozen=True)
class LeftItem:
    """One thing a close-out looks for: done, or what is missing and where to see it."""

    key: str  # stable, for the reason given when it will not happen ("final_report", "tranches"...)
    title: str  # what it is, as a person would say it
    done: bool
    detail: str = ""  # what is missing (or how it was done)
    endpoint: str | None = None  # the page that shows it, with ``project_id``
    order: int = 0


# What the areas above say is left at close-out, and what they do when a project ends: each adds its
# own when it is set up, so projects need not know them.
_CHECKS: list[tuple[int, Callable[[Project], list[LeftItem]]]] = []
_ON_END: list[tuple[int, Callable[..., object]]] = []
_PAID: list[Callable[[int], int]] = []


def on_closeout_check(check: Callable[[Project], list[LeftItem]], *, order: int) -> None:
    """``check(project)``: the things this area needs done before the project closes."""
    if all(existing is not check for _, existing in _CHECKS):
        _CHECKS.append((order, check))
        _CHECKS.sort(key=lambda pair: pair[0])


def on_project_end(step: Callable[..., object], *, order: int) -> None:
    """Run ``step(project, outcome, reason=..., actor=...)`` as a project closes, is given up or ends
    early (``outcome`` is the project's new status)."""
    if all(existing is not step for _, existing in _ON_END):
        _ON_END.append((order, step))
        _ON_END.sort(key=lambda pair: pair[0])


def count_paid_with(source: Callable[[int], int]) -> None:
    """``source(project_id)``: the pence paid to the project so far (funding knows)."""
    if all(existing is not source for existing in _PAID):
        _PAID.append(source)


def paid_pence(project: Project) -> int:
    if not _PAID:  # never let an award with payments be given up for want of asking
        raise RuntimeError("no area has said what a project has been paid (funding is not set up)")
    return sum(int(source(project.id)) for source in _PAID)


def closeout_items(project: Project) -> list[LeftItem]:
    """Everything a close-out looks for, in the order the page shows it."""
    items = [item for _, check in _CHECKS for item in check(project)]
    return sorted(items, key=lambda item: item.order)


def waiting_ending(project: Project) -> ProjectEnding | None:
    ending: ProjectEnding | None = db.session.scalar(
        db.select(ProjectEnding).where(
            ProjectEnding.project_id == project.id, ProjectEnding.status == EndingStatus.PROPOSED
        )
    )
    return ending


def endings_of(project_id: int) -> list[ProjectEnding]:
    return list(
        db.session.scalars(
            db.select(ProjectEnding)
            .where(ProjectEnding.project_id == project_id)
            .order_by(ProjectEnding.proposed_at.desc(), ProjectEnding.id.desc())
        )
    )


def _team(project: Project) -> list[User]:
    """The project team: the active applicants of its lead organisation."""
    return list(
        db.session.scalars(
            db.select(User)
            .where(
                User.is_active.is_(True),
                User.organisation_id == project.lead_organisation_id,
                User.id.in_(db.select(UserRole.user_id).where(UserRole.role == Role.APPLICANT.value)),
            )
            .order_by(User.id)
        )
    )


def _context(project: Project, **more: Any) -> dict[str, Any]:
    return {"reference": project.reference, "project_title": project.title, "project_id": project.id, **more}


def _tell(people: list[User], template: str, project: Project, key: str, **more: Any) -> int:
    """Each person once (by ``key``), however many roles bring them here."""
    told: set[int] = set()
    for person in people:
        if person.id in told:
            continue
        told.add(person.id)
        queue_email(
            person.email,
            template,
            _context(project, name=person.name, **more),
            user=person,
            dedupe_key=f"{template}:{key}:{person.id}",
        )
    return len(told)


def _end_support(project: Project, reason: str, actor: Any) -> User | None:
    """The current enabler's support ends with the project. Returns the enabler, to be told."""
    assignment = db.session.scalar(
        db.select(EnablerAssignment).where(
            EnablerAssignment.project_id == project.id, EnablerAssignment.ends_on.is_(None)
        )
    )
    if assignment is None:
        return None
    assignment.ends_on = max(london_today(), assignment.starts_on)
    assignment.end_reason = reason
    db.session.flush()
    audit.record(
        "enabler.ended", project, actor=actor, before={"enabler_id": assignment.enabler_id}, after={"reason": reason}
    )
    enabler: User = assignment.enabler
    return enabler


def _finish(project: Project, outcome: ProjectStatus, *, reason: str, actor: Any, **details: Any) -> User | None:
    """What every end does: the areas' own steps, the enabler's support ended, the status moved."""
    for _, step in _ON_END:
        step(project, outcome, reason=reason, actor=actor)
    enabler = _end_support(project, _SUPPORT_ENDS[outcome], actor)
    project.finished_at = utcnow()
    project.finished_by_id = getattr(actor, "id", None)
    PROJECT_WORKFLOW.move(project, outcome, actor=actor, reason=reason, **details)
    return enabler


_SUPPORT_ENDS = {
    ProjectStatus.CLOSED: "The project closed.",
    ProjectStatus.WITHDRAWN: "The partnership gave up its award.",
    ProjectStatus.ENDED_EARLY: "The project ended early.",
}


# --- Close-out -------------------------------------------------------------------------------------


def start_due_closings(today: date | None = None, *, actor: Any = None) -> list[int]:
    """Move every active project whose end date has passed to closing, and tell its team and the
    programme officers. Running it again (or twice at once) moves nothing twice."""
    today = today or london_today()
    due = db.session.scalars(
        db.select(Project).where(Project.status == ProjectStatus.ACTIVE, Project.ends_on < today).order_by(Project.id)
    ).all()
    moved = []
    for project in due:
        lock_and_refresh(db.session, project)
        if project.status != ProjectStatus.ACTIVE or project.ends_on >= today:
            continue  # another run moved it first
        _begin_closing(project, actor=actor, because="its end date has passed")
        moved.append(project.id)
    return moved


def start_closing(project: Project, *, actor: Any) -> None:
    """A programme officer starts the close-out before the end date (the work is done early)."""
    if not permissions.can_manage(actor):
        raise PermissionDenied("Only a programme officer can start a project's close-out.")
    lock_and_refresh(db.session, project)
    if project.status == ProjectStatus.CLOSING:
        raise ProjectAlreadyDone(f"The close-out of {project.reference} has already started.")
    if project.status != ProjectStatus.ACTIVE:
        raise ProjectError(_not_running(project, "start its close-out"))
    _begin_closing(project, actor=actor, because=f"{actor.name} started it")


def _begin_closing(project: Project, *, actor: Any, because: str) -> None:
    PROJECT_WORKFLOW.move(project, ProjectStatus.CLOSING, actor=actor, because=because)
    people = _team(project) + people_with_role(Role.PROGRAMME_OFFICER)
    started_by = getattr(actor, "name", None)  # an officer, before the end date; None: the date has passed
    _tell(
        people,
        "project_closing",
        project,
        f"{project.id}",
        ends_on=format_date(project.ends_on),
        started_by=started_by if project.ends_on >= london_today() else None,
    )


def _not_running(project: Project, doing: str) -> str:
    if project.status == ProjectStatus.SETUP:
        return f"{project.reference} has not started yet (its agreement is not signed), so you cannot {doing}."
    if project.status == ProjectStatus.CLOSED:
        return f"{project.reference} is closed, so you cannot {doing}."
    if project.is_finished:  # "The award to LV2-0007 has been given up", "LV2-0007 has ended early"
        return f"{how_it_ended(project)}, so you cannot {doing}."
    return f"{project.reference} is {project.status_label.lower()}: you cannot {doing} now."


class CloseoutProblems(ProjectError):
    """What stops a project closing: each thing left without a reason (named by its item's key) and a
    missing note (``closeout_note``). Its own message lists what is left."""

    def __init__(self, message: str, problems: list[ProjectError]):
        super().__init__(message, field=problems[0].field)
        self.problems = problems


def _closeout_problems(left: list[LeftItem], reasons: dict[str, str], note: str) -> None:
    unexplained = [item for item in left if not reasons[item.key]]
    problems = [
        ProjectError(f"Say why “{item.title}” will not happen, or finish it first", field=item.key)
        for item in unexplained
    ]
    if not note:
        problems.append(ProjectError("Write the close-out note", field="closeout_note"))
    if not problems:
        return
    if not unexplained:
        raise problems[0]
    listed = "; ".join(f"{item.title} ({item.detail})" if item.detail else item.title for item in unexplained)
    many = len(unexplained) != 1
    raise CloseoutProblems(
        f"{len(unexplained)} thing{'s are' if many else ' is'} left: {listed}. Finish {'them' if many else 'it'}, "
        "or say why each will not happen.",
        problems,
    )


def close_project(project: Project, *, note: str, exceptions: dict[str, str], actor: Any) -> list[LeftItem]:
    """Close the project once nothing is left, or with the reason each thing left will not happen.
    Returns what was left (and excused). Refuses with the list of what is left without a reason."""
    if not permissions.can_manage(actor):
        raise PermissionDenied("Only a programme officer can close a project.")
    lock_and_refresh(db.session, project)
    if project.status == ProjectStatus.CLOSED:
        raise ProjectAlreadyDone(f"{project.reference} has already been closed.")
    if project.status != ProjectStatus.CLOSING:
        raise ProjectError(
            f"{project.reference} is not in close-out. A project is closed after its end date, once its close-out "
            "has started."
            if project.status == ProjectStatus.ACTIVE
            else _not_running(project, "close it")
        )
    if (waiting := waiting_ending(project)) is not None:
        raise ProjectError(
            f"A proposal to {_proposal_words(waiting.kind)} is waiting for confirmation. Confirm or cancel it before "
            "closing the project."
        )
    left = [item for item in closeout_items(project) if not item.done]
    reasons = {item.key: (exceptions.get(item.key) or "").strip() for item in left}
    note = (note or "").strip()
    _closeout_problems(left, reasons, note)
    project.closeout_note = note
    project.closeout_exceptions = {item.key: reasons[item.key] for item in left} or None
    reason = "The project closed. " + " ".join(f"{item.title}: {reasons[item.key].rstrip('.')}." for item in left)
    enabler = _finish(
        project,
        ProjectStatus.CLOSED,
        reason=reason.strip(),
        actor=actor,
        note=note,
        exceptions=project.closeout_exceptions,
    )
    people = _team(project) + ([enabler] if enabler else []) + people_with_role(Role.FINANCE_APPROVER)
    _tell(people, "project_closed", project, f"{project.id}", note=note, closed_by=actor.name)
    return left


def _proposal_words(kind: EndingKind) -> str:
    return "give up the award" if kind == EndingKind.WITHDRAWN else "end the project early"


# --- An award given up, an early end -----------------------------------------------------------------


def _check_no_waiting(project: Project, kind: EndingKind) -> None:
    waiting = waiting_ending(project)
    if waiting is None:
        return
    if waiting.kind == kind:
        raise ProjectAlreadyDone(
            f"{'Giving up the award' if kind == EndingKind.WITHDRAWN else 'Ending the project early'} has already "
            "been recorded and is waiting for confirmation."
        )
    raise ProjectError(
        f"A proposal to {_proposal_words(waiting.kind)} is waiting for confirmation. Confirm or cancel it first."
    )


def paid_already(project: Project) -> str:
    """Why an award paid in part cannot be given up."""
    return (
        f"Money has already been paid to {project.reference}, so its award cannot be given up. A programme "
        "officer can end the project early instead."
    )


def record_withdrawal(project: Project, *, reason: str, actor: Any) -> ProjectEnding:
    """The lead applicant or a programme officer records that the partnership gives up its award, before
    any payment. An officer then confirms it."""
    if not permissions.can_give_up_award(actor, project):
        raise PermissionDenied("Only the project team or a programme officer can record that an award is given up.")
    lock_and_refresh(db.session, project)
    _check_no_waiting(project, EndingKind.WITHDRAWN)
    if not project.is_live:
        raise ProjectError(_not_running(project, "give up its award"))
    if paid_pence(project):
        raise ProjectError(paid_already(project))
    reason = (reason or "").strip()
    if not reason:
        raise ProjectError("Give the reason the award is being given up", field="reason")
    ending = ProjectEnding(project_id=project.id, kind=EndingKind.WITHDRAWN, reason=reason, proposed_by_id=actor.id)
    db.session.add(ending)
    db.session.flush()
    audit.record("project.withdrawal_recorded", project, actor=actor, after={"ending_id": ending.id, "reason": reason})
    officers = [officer for officer in people_with_role(Role.PROGRAMME_OFFICER) if officer.id != actor.id]
    _tell(
        officers, "award_given_up_recorded", project, f"{ending.id}", reason=reason, by=actor.name, ending_id=ending.id
    )
    return ending


def propose_early_end(project: Project, *, reason: str, repayment_pence: int | None, actor: Any) -> ProjectEnding:
    """A programme officer proposes to stop a project that has been paid some of its award; a finance
    approver who is someone else confirms it. ``repayment_pence``: what the partnership is to pay back."""
    if not permissions.can_manage(actor):
        raise PermissionDenied("Only a programme officer can propose to end a project early.")
    lock_and_refresh(db.session, project)
    _check_no_waiting(project, EndingKind.ENDED_EARLY)
    if project.status not in (ProjectStatus.ACTIVE, ProjectStatus.CLOSING):
        raise ProjectError(_not_running(project, "end it early"))
    paid = paid_pence(project)
    if not paid:
        raise ProjectError(
            f"Nothing has been paid to {project.reference} yet: record that its award is given up instead."
        )
    reason = (reason or "").strip()
    if not reason:
        raise ProjectError("Give the reason the project is ending early", field="reason")
    _check_repayment(repayment_pence, paid)
    ending = ProjectEnding(
        project_id=project.id,
        kind=EndingKind.ENDED_EARLY,
        reason=reason,
        proposed_by_id=actor.id,
        repayment_pence=repayment_pence or None,
    )
    db.session.add(ending)
    db.session.flush()
    audit.record(
        "project.early_end_proposed",
        project,
        actor=actor,
        after={"ending_id": ending.id, "reason": reason, "repayment_pence": ending.repayment_pence},
    )
    _tell(
        people_with_role(Role.FINANCE_APPROVER, exclude=actor.id),
        "early_end_proposed",
        project,
        f"{ending.id}",
        reason=reason,
        by=actor.name,
        ending_id=ending.id,
        paid=format_pence(paid),
        repayment=format_pence(repayment_pence) if repayment_pence else None,
    )
    return ending


def _check_repayment(repayment_pence: int | None, paid: int) -> None:
    if repayment_pence is None:
        return
    if repayment_pence <= 0:
        raise ProjectError("The amount to be repaid must be more than £0", field="repayment_pence")
    if repayment_pence > paid:
        raise ProjectError(
            f"The amount to be repaid must be no more than the {format_pence(paid)} paid", field="repayment_pence"
        )


def _lock_ending(ending: ProjectEnding) -> Project:
    project: Project = db.session.get_one(Project, ending.project_id)
    lock_and_refresh(db.session, project)
    db.session.refresh(ending)
    return project


def confirm_ending(ending: ProjectEnding, *, actor: Any, note: str = "") -> Project:
    """The second step: an officer confirms an award given up; a finance approver who did not propose
    it confirms an early end. Unpaid tranches are cancelled, the enabler's support ends, people are told."""
    if not permissions.may_confirm(actor, ending):
        raise PermissionDenied(
            "A finance approver who did not propose it confirms an early end."
            if ending.kind == EndingKind.ENDED_EARLY
            else "Only a programme officer can confirm that an award is given up."
        )
    project = _lock_ending(ending)
    if ending.status == EndingStatus.CONFIRMED:
        raise ProjectAlreadyDone("This has already been confirmed.")
    if ending.status == EndingStatus.CANCELLED:
        raise ProjectError("This proposal was cancelled. Record a new one if it is still needed.")
    if not project.is_live:
        raise ProjectError(_not_running(project, "end it now"))
    paid = paid_pence(project)
    if ending.kind == EndingKind.WITHDRAWN and paid:
        raise ProjectError(
            f"Money has been paid to {project.reference} since this was recorded: cancel it, and end the project "
            "early instead."
        )
    if ending.kind == EndingKind.ENDED_EARLY:
        _check_repayment(ending.repayment_pence, paid)
    ending.status = EndingStatus.CONFIRMED
    ending.decided_by_id, ending.decided_at = actor.id, utcnow()
    ending.decision_note = (note or "").strip() or None
    outcome = ProjectStatus.WITHDRAWN if ending.kind == EndingKind.WITHDRAWN else ProjectStatus.ENDED_EARLY
    enabler = _finish(project, outcome, reason=ending.reason, actor=actor, ending_id=ending.id)
    if outcome == ProjectStatus.WITHDRAWN:
        _tell_of_award_given_up(project, ending, enabler)
    else:
        people = (
            _team(project)
            + ([enabler] if enabler else [])
            + people_with_role(Role.FINANCE_APPROVER)
            + people_with_role(Role.PROGRAMME_OFFICER)
        )
        _tell(
            people,
            "project_ended_early",
            project,
            f"{ending.id}",
            reason=ending.reason,
            paid=format_pence(paid),
            repayment=format_pence(ending.repayment_pence) if ending.repayment_pence else None,
        )
    return project


# Who hears that an award was given up beyond the partnership: each area that cares adds its letter.
_GIVEN_UP: list[Callable[..., object]] = []


def on_award_given_up(step: Callable[..., object]) -> None:
    """``step(project, ending)`` once an award given up is confirmed (reviews tells the chairs)."""
    if all(existing is not step for existing in _GIVEN_UP):
        _GIVEN_UP.append(step)


def _tell_of_award_given_up(project: Project, ending: ProjectEnding, enabler: User | None) -> None:
    """The partnership's letters: the lead applicant's team and each confirmed partner, and the enabler whose
    support ends, once each."""
    application = project.application
    context = _context(project, reason=ending.reason, award=format_pence(project.award_pence))
    sent: set[str] = set()
    people = [(person, "team") for person in _team(project)] + ([(enabler, "enabler")] if enabler else [])
    for person, audience in people:
        if person.email.lower() in sent:
            continue
        sent.add(person.email.lower())
        queue_email(
            person.email,
            "award_given_up",
            {**context, "name": person.name, "audience": audience},
            user=person,
            dedupe_key=f"award_given_up:{ending.id}:{person.email.lower()}",
        )
    for partner in application.partners:
        email = (partner.contact_email or "").lower()
        if not email or email in sent or partner.status != PartnerStatus.CONFIRMED:
            continue
        sent.add(email)
        queue_email(
            partner.contact_email,
            "award_given_up",
            {**context, "name": partner.contact_name, "audience": "partner"},
            dedupe_key=f"award_given_up:{ending.id}:{email}",
        )
    for step in _GIVEN_UP:
        step(project, ending)


def cancel_ending(ending: ProjectEnding, *, actor: Any, note: str = "") -> None:
    """Withdraw a proposal (its proposer, or an officer) or decline it (whoever would confirm it)."""
    if not permissions.may_cancel(actor, ending):
        raise PermissionDenied("You cannot cancel this proposal.")
    project = _lock_ending(ending)
    if ending.status == EndingStatus.CANCELLED:
        raise ProjectAlreadyDone("This proposal has already been cancelled.")
    if ending.status == EndingStatus.CONFIRMED:
        raise ProjectError("This has been confirmed and taken effect: it cannot be cancelled.")
    note = (note or "").strip()
    if actor.id != ending.proposed_by_id and not note:
        raise ProjectError("Say why you are declining it", field="decision_note")
    ending.status = EndingStatus.CANCELLED
    ending.decided_by_id, ending.decided_at, ending.decision_note = actor.id, utcnow(), note or None
    db.session.flush()
    audit.record(
        "project.ending_cancelled",
        project,
        actor=actor,
        after={"ending_id": ending.id, "kind": ending.kind, "note": note},
    )
    if actor.id != ending.proposed_by_id:
        _tell(
            [ending.proposed_by],
            "ending_cancelled",
            project,
            f"{ending.id}",
            by=actor.name,
            note=note,
            kind=ending.kind,
        )


def record_repayment(ending: ProjectEnding, *, repayment_pence: int, actor: Any) -> None:
    """The amount the partnership is to repay after an early end, set (or changed) until it is received."""
    if not permissions.can_record_repayment(actor):
        raise PermissionDenied("Only a programme officer or a finance approver can record a repayment.")
    project = _lock_ending(ending)
    if ending.kind != EndingKind.ENDED_EARLY or ending.status != EndingStatus.CONFIRMED:
        raise ProjectError("A repayment is recorded once a project's early end is confirmed.")
    if ending.repayment_received_on is not None:
        raise ProjectError("The repayment has been received: it cannot change now.")
    if ending.repayment_pence == repayment_pence:
        raise ProjectAlreadyDone(f"{format_pence(repayment_pence)} to be repaid had already been recorded.")
    _check_repayment(repayment_pence, paid_pence(project))
    before = ending.repayment_pence
    ending.repayment_pence = repayment_pence
    db.session.flush()
    audit.record(
        "project.repayment_recorded",
        project,
        actor=actor,
        before={"repayment_pence": before},
        after={"ending_id": ending.id, "repayment_pence": repayment_pence},
    )


def repayment_received(ending: ProjectEnding, *, received_on: date, reference: str, actor: Any) -> None:
    """A finance approver (or officer) records that the money to be repaid came back."""
    if not permissions.can_record_repayment(actor):
        raise PermissionDenied("Only a programme officer or a finance approver can record a repayment.")
    project = _lock_ending(ending)
    if ending.repayment_received_on is not None:
        raise ProjectAlreadyDone(
            f"The repayment was recorded as received on {format_date(ending.repayment_received_on)}."
        )
    if not ending.repayment_outstanding:
        raise ProjectError("There is no repayment waiting for this project.")
    if received_on > london_today():
        raise ProjectError("The date must be today or in the past", field="repayment_received_on")
    proposed_on = to_london(ending.proposed_at).date()
    if received_on < proposed_on:
        raise ProjectError(
            f"The date must be on or after {format_date(proposed_on)}, when the early end was proposed",
            field="repayment_received_on",
        )
    reference = (reference or "").strip()
    if not reference:
        raise ProjectError("Enter the payment reference", field="repayment_reference")
    ending.repayment_received_on, ending.repayment_reference = received_on, reference[:100]
    ending.repayment_recorded_by_id = actor.id
    db.session.flush()
    audit.record(
        "project.repayment_received",
        project,
        actor=actor,
        after={
            "ending_id": ending.id,
            "repayment_pence": ending.repayment_pence,
            "received_on": received_on.isoformat(),
            "reference": ending.repayment_reference,
        },
    )
