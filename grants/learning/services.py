"""Learning: the project's commitments (carried over from its bid, kept up to date with evidence and
where the learning was applied) and its learning items (written by the team or its enabler,
published by a programme officer). Each function checks who acts and what is allowed, changes,
flushes and audits; the caller commits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from werkzeug.datastructures import FileStorage

from grants.core import audit
from grants.core.db import lock_and_refresh, utcnow
from grants.core.errors import AlreadyDone, GrantsError
from grants.core.signals import project_changed
from grants.core.workflow import Workflow
from grants.directory.models import Place, Theme
from grants.extensions import db
from grants.learning.models import (
    COMMITMENT_KINDS,
    COMMITMENT_STATUSES,
    CommitmentStatus,
    ItemStatus,
    LearningCommitment,
    LearningItem,
)
from grants.learning.permissions import (
    can_confirm_applied,
    can_review,
    can_withdraw,
    can_write_items,
    is_officer,
    may_update_commitments,
)
from grants.notifications.services import queue_email
from grants.projects.finished import how_it_ended

COMMITMENT_WORKFLOW = Workflow(
    "learning commitment",
    {
        CommitmentStatus.PLANNED: {CommitmentStatus.IN_PROGRESS, CommitmentStatus.DONE},
        CommitmentStatus.IN_PROGRESS: {CommitmentStatus.PLANNED, CommitmentStatus.DONE},
        CommitmentStatus.DONE: {CommitmentStatus.IN_PROGRESS},
    },
    states=CommitmentStatus,
)
ITEM_WORKFLOW = Workflow(
    "learning item",
    {
        ItemStatus.DRAFT: {ItemStatus.SUBMITTED},
        ItemStatus.RETURNED: {ItemStatus.SUBMITTED},
        ItemStatus.SUBMITTED: {ItemStatus.PUBLISHED, ItemStatus.RETURNED, ItemStatus.INTERNAL},
        ItemStatus.PUBLISHED: {ItemStatus.INTERNAL},
        ItemStatus.INTERNAL: {ItemStatus.PUBLISHED},
    },
    states=ItemStatus,
)


class LearningError(GrantsError):
    """A learning change the service refuses; ``field`` names what it is about (``due_on``, ``themes``)."""


class AlreadyConfirmed(LearningError, AlreadyDone):
    def __init__(self) -> None:
        super().__init__("This has been confirmed already.")


REVIEWED = {"published": "published", "returned": "returned to its authors", "internal": "kept as internal learning"}


class ReviewedAlready(LearningError, AlreadyDone):
    """The same review sent again (or the slower of two officers')."""

    def __init__(self, item: LearningItem):
        super().__init__(f"“{item.title}” had already been {REVIEWED[item.status]}.")


class WithdrawnAlready(LearningError, AlreadyDone):
    """Taking an item out of the library a second time (or the slower of two)."""

    def __init__(self, item: LearningItem):
        super().__init__(f"“{item.title}” had already been taken out of the learning library.")


# --- Commitments --------------------------------------------------------------------------------------


def carry_over_commitments(project: Any, application: Any, *, actor: Any = None) -> list[LearningCommitment]:
    """The bid's learning commitments become the project's, each remembering the one it came from."""
    commitments = [
        LearningCommitment(
            project_id=project.id,
            kind=plan.kind,
            description=plan.description,
            due_on=plan.target_date,
            status=CommitmentStatus.PLANNED,
            source_plan_id=plan.id,
        )
        for plan in application.commitments
    ]
    db.session.add_all(commitments)
    db.session.flush()
    if commitments:
        audit.record(
            "learning.commitments_carried_over",
            project,
            actor=actor,
            after={"commitments": [commitment.id for commitment in commitments]},
        )
    return commitments


@dataclass(frozen=True)
class CommitmentPlan:
    kind: str
    description: str
    due_on: date | None


@dataclass(frozen=True)
class Progress:
    status: str
    evidence_url: str
    evidence_note: str
    upload: FileStorage | None = None
    remove_document: bool = False
    applied_theme_id: int | None = None
    applied_place_id: int | None = None
    applied_project_id: int | None = None
    applied_description: str = ""


def _summary(commitment: LearningCommitment) -> dict[str, Any]:
    return {
        "kind": commitment.kind,
        "description": commitment.description,
        "due_on": commitment.due_on.isoformat() if commitment.due_on else None,
        "status": commitment.status,
        "evidence_url": commitment.evidence_url,
        "evidence_document_id": commitment.evidence_document_id,
        "evidence_note": commitment.evidence_note,
        "applied_theme_id": commitment.applied_theme_id,
        "applied_place_id": commitment.applied_place_id,
        "applied_project_id": commitment.applied_project_id,
        "applied_description": commitment.applied_description,
    }


class CommitmentsKept(LearningError):
    """A change to the commitments of a project that has finished: they are kept as they stood."""

    def __init__(self, project: Any):
        super().__init__(
            f"{how_it_ended(project)}: the project's learning commitments are kept as a record and can no longer "
            "change. Its case studies and insights can still be written and published."
        )


def check_commitments_open(project: Any) -> None:
    """Refuse any change to the project's commitments once it has finished. Under the project's row
    lock: a change sent as the project ends waits for the end, then is refused."""
    lock_and_refresh(db.session, project)
    if project.is_finished:
        raise CommitmentsKept(project)


def _require_commitment_editor(actor: Any, project: Any) -> None:
    if not may_update_commitments(actor, project):
        raise LearningError("Only the project team or a programme officer can change the project's commitments.")
    check_commitments_open(project)


def _check_plan(plan: CommitmentPlan) -> None:
    if plan.kind not in COMMITMENT_KINDS:
        raise LearningError("Choose what kind of commitment it is", field="kind")
    if not plan.description.strip():
        raise LearningError("Describe the commitment", field="description")
    if plan.due_on is None:
        raise LearningError("Enter the date it is due by", field="due_on")


def add_commitment(project: Any, plan: CommitmentPlan, *, actor: Any) -> LearningCommitment:
    _require_commitment_editor(actor, project)
    _check_plan(plan)
    commitment = LearningCommitment(
        project_id=project.id, kind=plan.kind, description=plan.description.strip(), due_on=plan.due_on
    )
    db.session.add(commitment)
    db.session.flush()
    audit.record("learning.commitment_added", commitment, actor=actor, after=_summary(commitment))
    return commitment


def save_commitment(
    project: Any, commitment: LearningCommitment | None, plan: CommitmentPlan, *, actor: Any
) -> LearningCommitment:
    """A new commitment of the project, or ``commitment`` revised."""
    if commitment is None:
        return add_commitment(project, plan, actor=actor)
    revise_commitment(commitment, plan, actor=actor)
    return commitment


def revise_commitment(commitment: LearningCommitment, plan: CommitmentPlan, *, actor: Any) -> None:
    """Change what was committed to, or by when. The earlier words stay in the audit trail."""
    lock_and_refresh(db.session, commitment)
    _require_commitment_editor(actor, commitment.project)
    _check_plan(plan)
    if commitment.status == CommitmentStatus.DONE and plan.kind != commitment.kind:
        raise LearningError("The commitment is done: its kind cannot change now", field="kind")
    before = _summary(commitment)
    commitment.kind, commitment.description, commitment.due_on = plan.kind, plan.description.strip(), plan.due_on
    if commitment.kind != "apply_elsewhere":
        commitment.applied_theme_id = commitment.applied_place_id = commitment.applied_project_id = None
        commitment.applied_confirmed_at = commitment.applied_confirmed_by_id = None
        commitment.applied_description = ""
    db.session.flush()
    if _summary(commitment) != before:
        audit.record("learning.commitment_revised", commitment, actor=actor, before=before, after=_summary(commitment))


def _check_url(url: str) -> str:
    url = url.strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:  # for example an unclosed [ where an IPv6 address would go
        raise LearningError("Enter a web address starting with https://", field="evidence_url") from None
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        raise LearningError("Enter a web address starting with https://", field="evidence_url")
    return url


def record_progress(commitment: LearningCommitment, progress: Progress, *, actor: Any) -> None:
    """The commitment's status, its evidence, and where the learning was applied. *Done* needs
    evidence (a link, a file or a published learning item for it); a commitment to apply the approach
    elsewhere also needs to say where."""
    project = commitment.project
    lock_and_refresh(db.session, commitment)
    _require_commitment_editor(actor, project)
    if progress.status not in COMMITMENT_STATUSES:
        raise LearningError("Choose the commitment's status", field="status")
    before = _summary(commitment)
    commitment.evidence_url = _check_url(progress.evidence_url) or None
    commitment.evidence_note = progress.evidence_note.strip()
    if progress.remove_document and progress.upload is None:
        commitment.evidence_document_id = None
    if progress.upload is not None:
        from grants.documents.services import save_document
        from grants.documents.storage import UploadError

        try:
            document = save_document(
                progress.upload, kind="learning_evidence", application=project.application, actor=actor
            )
        except UploadError as error:
            raise LearningError(error.message, field="evidence_document") from None
        commitment.evidence_document_id = document.id
    _set_applied(commitment, progress)
    if progress.status == CommitmentStatus.DONE:
        _check_done(commitment)
    if progress.status != commitment.status:
        target = CommitmentStatus(progress.status)  # one of them: checked above
        COMMITMENT_WORKFLOW.check(commitment, target)
        commitment.done_at = utcnow() if progress.status == CommitmentStatus.DONE else None
        COMMITMENT_WORKFLOW.move(commitment, target, actor=actor, action=f"learning.commitment_{target}")
    db.session.flush()
    after = _summary(commitment)
    if after != before:
        audit.record("learning.commitment_updated", commitment, actor=actor, before=before, after=after)


def _set_applied(commitment: LearningCommitment, progress: Progress) -> None:
    if commitment.kind != "apply_elsewhere":
        commitment.applied_theme_id = commitment.applied_place_id = commitment.applied_project_id = None
        commitment.applied_confirmed_at = commitment.applied_confirmed_by_id = None
        commitment.applied_description = ""
        return
    if progress.applied_theme_id is not None and db.session.get(Theme, progress.applied_theme_id) is None:
        raise LearningError("Choose a theme from the list", field="applied_theme")
    if progress.applied_place_id is not None and db.session.get(Place, progress.applied_place_id) is None:
        raise LearningError("Choose a place from the list", field="applied_place")
    if progress.applied_project_id is not None:
        from grants.projects.models import Project

        if progress.applied_project_id == commitment.project_id:
            raise LearningError("Choose another project: this is the project the learning came from", "applied_project")
        if db.session.get(Project, progress.applied_project_id) is None:
            raise LearningError("Choose a project from the list", field="applied_project")
    commitment.applied_theme_id = progress.applied_theme_id
    commitment.applied_place_id = progress.applied_place_id
    if commitment.applied_project_id != progress.applied_project_id:  # a confirmation was for the old one
        commitment.applied_confirmed_at = commitment.applied_confirmed_by_id = None
    commitment.applied_project_id = progress.applied_project_id
    commitment.applied_description = progress.applied_description.strip()


def confirm_applied(commitment: LearningCommitment, project: Any, *, actor: Any) -> None:
    """``project`` confirms that another project's learning was applied there. The commitment is locked
    and read again first, so a change of the project it names, made at the same moment, goes first."""
    lock_and_refresh(db.session, commitment)
    if commitment.applied_project_id != project.id:
        raise LearningError("This learning is no longer recorded as applied to this project.")
    if not can_confirm_applied(actor, commitment):
        raise LearningError("Only the team of the project it was applied to, or a programme officer, can confirm it.")
    if commitment.applied_confirmed_at is not None:
        raise AlreadyConfirmed()
    commitment.applied_confirmed_at, commitment.applied_confirmed_by_id = utcnow(), actor.id
    db.session.flush()
    audit.record(
        "learning.application_confirmed",
        commitment,
        actor=actor,
        after={"project_id": commitment.project_id, "applied_project_id": commitment.applied_project_id},
    )


def published_item_for(commitment: LearningCommitment) -> bool:
    return bool(
        db.session.scalar(
            db.select(LearningItem.id).where(
                LearningItem.commitment_id == commitment.id, LearningItem.status == ItemStatus.PUBLISHED
            )
        )
    )


def _check_done(commitment: LearningCommitment) -> None:
    if commitment.kind == "apply_elsewhere":
        if not commitment.applied_to:
            raise LearningError(
                "Say where the learning was applied: another theme, another place or another project",
                field="applied_theme",
            )
        if not commitment.applied_description:
            raise LearningError("Describe how the learning was applied", field="applied_description")
    if not (commitment.has_evidence or published_item_for(commitment)):
        raise LearningError(
            "Add evidence before marking it done: a link, a file, or a learning item published for it",
            field="evidence_url",
        )


# --- Learning items ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemValues:
    kind: str
    title: str
    summary: str
    body: str
    what_worked: str
    what_did_not: str
    theme_ids: list[int]
    place_id: int | None
    commitment_id: int | None
    consent: bool


def _item_summary(item: LearningItem) -> dict[str, Any]:
    return {
        "kind": item.kind,
        "title": item.title,
        "commitment_id": item.commitment_id,
        "place_id": item.place_id,
        "themes": sorted(theme.id for theme in item.themes),
        "consent_to_publish": item.consent_to_publish,
        # The words themselves are the item's; the trail shows which parts changed, and when.
        "text": {
            name: hashlib.sha256((getattr(item, name) or "").encode()).hexdigest()[:16]
            for name in ("summary", "body", "what_worked", "what_did_not")
        },
    }


def save_item(project: Any, item: LearningItem | None, values: ItemValues, *, actor: Any, submit: bool) -> LearningItem:
    """Write or change a draft (or a returned item); with ``submit``, send it for review."""
    if item is not None:
        lock_and_refresh(db.session, item)
    if not can_write_items(actor, project):
        raise LearningError("Only the project team or the project's enabler can write its learning.")
    if item is not None and not item.is_editable:
        raise LearningError(f"This item is {item.status_label.lower()}: it cannot be changed now.")
    if not values.title.strip():
        raise LearningError("Enter a title", field="title")
    if values.kind not in ("case_study", "insight"):
        raise LearningError("Choose whether it is a case study or an insight", field="kind")
    themes = _themes(values.theme_ids)
    if values.place_id is not None and db.session.get(Place, values.place_id) is None:
        raise LearningError("Choose a place from the list", field="place")
    if values.commitment_id is not None:
        commitment = db.session.get(LearningCommitment, values.commitment_id)
        if commitment is None or commitment.project_id != project.id:
            raise LearningError("Choose one of this project's commitments", field="commitment")
    before = _item_summary(item) if item else None
    if item is None:
        item = LearningItem(project_id=project.id, author_id=actor.id, status=ItemStatus.DRAFT)
        db.session.add(item)
    item.kind, item.title = values.kind, values.title.strip()
    item.summary, item.body = values.summary.strip(), values.body.strip()
    item.what_worked, item.what_did_not = values.what_worked.strip(), values.what_did_not.strip()
    item.themes = themes
    item.place_id, item.commitment_id = values.place_id, values.commitment_id
    item.consent_to_publish = bool(values.consent)
    db.session.flush()
    after = _item_summary(item)
    if after != before:
        audit.record("learning.item_saved", item, actor=actor, before=before, after=after)
    if submit:
        _submit(item, actor)
    return item


def _themes(theme_ids: list[int]) -> list[Theme]:
    if not theme_ids:
        return []
    themes = db.session.scalars(db.select(Theme).where(Theme.id.in_(theme_ids)).order_by(Theme.name)).all()
    if len(themes) != len(set(theme_ids)):
        raise LearningError("Choose themes from the list", field="themes")
    return list(themes)


def _submit(item: LearningItem, actor: Any) -> None:
    missing = [
        (field, message)
        for field, message, present in (
            ("summary", "Write a short summary", item.summary),
            ("body", "Tell the story: what the partnership did and what happened", item.body),
            ("what_worked", "Say what worked", item.what_worked),
            ("what_did_not", "Say what did not work, or what you would do differently", item.what_did_not),
            ("themes", "Choose at least one theme", item.themes),
        )
        if not present
    ]
    if missing:
        raise LearningError(missing[0][1], field=missing[0][0])
    item.submitted_at = utcnow()
    item.reviewed_at = item.reviewed_by_id = item.review_comment = None
    ITEM_WORKFLOW.move(item, ItemStatus.SUBMITTED, actor=actor, action="learning.item_submitted")


REVIEW_DECISIONS = {"publish": ItemStatus.PUBLISHED, "return": ItemStatus.RETURNED, "internal": ItemStatus.INTERNAL}


def reviewed_already(item: LearningItem, decision: str | None) -> bool:
    """Whether this review has been made already (sent again, or by another officer a moment ago)."""
    return item.reviewed_at is not None and REVIEW_DECISIONS.get(decision or "") == item.status


def withdrawn_already(item: LearningItem) -> bool:
    return item.status == ItemStatus.INTERNAL and item.published_at is not None


def review_item(item: LearningItem, *, decision: str, comment: str, actor: Any) -> None:
    """A programme officer publishes the item, returns it with comments, or keeps it internal."""
    lock_and_refresh(db.session, item)
    if reviewed_already(item, decision):
        raise ReviewedAlready(item)
    if not can_review(actor, item):
        raise LearningError(
            "You wrote this item, so another programme officer must review it."
            if is_officer(actor) and item.author_id == actor.id
            else "Only a programme officer can publish learning."
        )
    if item.status not in (ItemStatus.SUBMITTED, ItemStatus.INTERNAL):
        raise LearningError(
            "Take it out of the library with a reason instead."
            if item.status == ItemStatus.PUBLISHED
            else f"This item is {item.status_label.lower()}: there is nothing to review."
        )
    if decision not in REVIEW_DECISIONS:
        raise LearningError("Choose what to do with the item", field="decision")
    target = REVIEW_DECISIONS[decision]
    comment = (comment or "").strip()
    if target == ItemStatus.RETURNED and not comment:
        raise LearningError("Say what needs to change", field="comment")
    if target == ItemStatus.PUBLISHED and not item.consent_to_publish:
        raise LearningError(
            "The authors have not agreed to publish it: return it to ask, or keep it internal", field="decision"
        )
    ITEM_WORKFLOW.check(item, target)
    item.reviewed_at, item.reviewed_by_id, item.review_comment = utcnow(), actor.id, comment or None
    was_public = item.is_public
    if target == ItemStatus.PUBLISHED:
        item.published_at = utcnow()
    ITEM_WORKFLOW.move(item, target, actor=actor, action=f"learning.item_{target}", comment=item.review_comment)
    if target == ItemStatus.PUBLISHED:
        _complete_evidenced_commitment(item, actor)
    _tell_author(item, target)
    if was_public or item.is_public:
        project_changed.send(item.project, actor=actor)


def _complete_evidenced_commitment(item: LearningItem, actor: Any) -> None:
    """The commitment a published item evidences is done, if the item is all it needs: a commitment to
    apply the approach elsewhere also needs to say where, which its team records themselves."""
    commitment = item.commitment
    if commitment is None or commitment.status == CommitmentStatus.DONE:
        return
    lock_and_refresh(db.session, commitment)
    if commitment.status == CommitmentStatus.DONE:
        return
    try:
        _check_done(commitment)
    except LearningError:
        return
    commitment.done_at = utcnow()
    COMMITMENT_WORKFLOW.move(
        commitment, CommitmentStatus.DONE, actor=actor, action="learning.commitment_done", evidenced_by=item.id
    )


def _reopen_unevidenced_commitment(item: LearningItem, actor: Any) -> None:
    """A done commitment whose only evidence was this item, now out of the library, is in progress again."""
    commitment = item.commitment
    if commitment is None or commitment.status != CommitmentStatus.DONE:
        return
    lock_and_refresh(db.session, commitment)
    if commitment.status != CommitmentStatus.DONE or commitment.has_evidence or published_item_for(commitment):
        return
    commitment.done_at = None
    COMMITMENT_WORKFLOW.move(
        commitment,
        CommitmentStatus.IN_PROGRESS,
        actor=actor,
        action="learning.commitment_in_progress",
        evidence_withdrawn=item.id,
    )


def withdraw_item(item: LearningItem, *, reason: str, actor: Any) -> None:
    """Take a published item out of the library (it is kept, internal)."""
    lock_and_refresh(db.session, item)
    if not can_withdraw(actor):
        raise LearningError("Only a programme officer can take learning out of the library.")
    if withdrawn_already(item):
        raise WithdrawnAlready(item)
    if item.status != ItemStatus.PUBLISHED:
        raise LearningError("Only a published item can be taken out of the library.")
    reason = (reason or "").strip()
    if not reason:
        raise LearningError("Say why it is coming out of the library", field="reason")
    ITEM_WORKFLOW.check(item, ItemStatus.INTERNAL)
    item.reviewed_at, item.reviewed_by_id, item.review_comment = utcnow(), actor.id, reason
    ITEM_WORKFLOW.move(item, ItemStatus.INTERNAL, actor=actor, action="learning.item_withdrawn", reason=reason)
    _reopen_unevidenced_commitment(item, actor)
    _tell_author(item, "withdrawn")
    project_changed.send(item.project, actor=actor)


def _tell_author(item: LearningItem, outcome: str) -> None:
    author = item.author
    if author is None:
        return
    queue_email(
        author.email,
        "learning_item_reviewed",
        {
            "name": author.name,
            "title": item.title,
            "reference": item.project.reference,
            "outcome": outcome,
            "comment": item.review_comment or "",
            "project_id": item.project_id,
            "item_id": item.id,
        },
        user=author,
    )


# --- What the funding conditions ask of learning -------------------------------------------------------


def learning_evidenced_for(project: Any, tranche: Any = None) -> bool:
    """Met when a learning item evidencing one of the project's commitments is published."""
    return bool(
        db.session.scalar(
            db.select(LearningItem.id)
            .join(LearningCommitment, LearningCommitment.id == LearningItem.commitment_id)
            .where(
                LearningItem.project_id == project.id,
                LearningCommitment.project_id == project.id,
                LearningItem.status == ItemStatus.PUBLISHED,
            )
            .limit(1)
        )
    )
