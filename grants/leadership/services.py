"""The leadership framework and self-assessments. Each function checks, changes, flushes and audits;
the caller commits."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any, cast

from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError

from grants.core import audit
from grants.core.db import lock_and_refresh, utcnow
from grants.core.errors import AlreadyDone, GrantsError, NotFound, PermissionDenied
from grants.core.permissions import Role
from grants.core.times import format_date
from grants.extensions import db
from grants.leadership import default, queries
from grants.leadership.kept import keep_shift
from grants.leadership.models import (
    STAGE_LABELS,
    STAGE_PHRASES,
    STAGES,
    AssessmentInvitation,
    AssessmentResponse,
    AssessmentScore,
    LeadershipBehaviour,
    LeadershipDomain,
    LeadershipFramework,
    Participant,
    StageClosure,
)
from grants.leadership.permissions import can_close_stage, can_manage_participants
from grants.notifications.services import queue_email
from grants.projects.models import Project, ProjectStatus


class LeadershipError(GrantsError):
    """A leadership change the service refuses; ``field`` names what it is about (``email``, ``scale``)."""


class StageClosedError(LeadershipError):
    """An answer or an invitation for a stage of self-assessment that has closed."""


class StageAlreadyClosed(LeadershipError, AlreadyDone):
    """A stage closed a second time (a second press, or someone else closed it first)."""


# --- The framework ----------------------------------------------------------------------------------


def current_framework() -> LeadershipFramework | None:
    framework: LeadershipFramework | None = db.session.scalar(
        db.select(LeadershipFramework).where(LeadershipFramework.is_current.is_(True))
    )
    return framework


def ensure_framework(actor: Any = None) -> LeadershipFramework:
    """The current framework; the default one, created the first time it is needed."""
    framework = current_framework()
    if framework is not None:
        return framework
    framework = LeadershipFramework(name=default.NAME, version=1, is_current=True, scale=list(default.SCALE))
    framework.domains = [
        LeadershipDomain(
            position=position,
            name=name,
            description=description,
            behaviours=[LeadershipBehaviour(position=number, text=text) for number, text in enumerate(behaviours)],
        )
        for position, (name, description, behaviours) in enumerate(default.DOMAINS)
    ]
    try:
        with db.session.begin_nested():
            db.session.add(framework)
    except IntegrityError:  # created by someone else at the same moment
        theirs = current_framework()
        if theirs is None:  # their row is committed, or this insert would not have clashed
            raise
        return theirs
    audit.record("leadership.framework_created", framework, actor=actor, after={"name": framework.name, "version": 1})
    return framework


def in_use(framework: LeadershipFramework) -> bool:
    """Answered or sent out: its words are then kept as they are."""
    return bool(
        db.session.scalar(
            db.select(AssessmentInvitation.id).where(AssessmentInvitation.framework_id == framework.id).limit(1)
        )
    )


def _check_editable(framework: LeadershipFramework, actor: Any) -> None:
    if not actor.has_role(Role.PROGRAMME_OFFICER):
        raise LeadershipError("Only a programme officer can change the framework.")
    if in_use(framework):
        raise LeadershipError(
            "Participants have been sent this framework, so its words are kept. Start a new version to change it."
        )


def save_domain(
    framework: LeadershipFramework,
    domain: LeadershipDomain | None,
    *,
    name: str,
    description: str,
    behaviours: list[str],
    actor: Any,
) -> LeadershipDomain:
    _check_editable(framework, actor)
    behaviours = [line.strip() for line in behaviours if line.strip()]
    if not name.strip():
        raise LeadershipError("Enter the domain's name", field="name")
    if not behaviours:
        raise LeadershipError("Enter at least one behaviour, one on each line", field="behaviours")
    if len(behaviours) > 12:
        raise LeadershipError("A domain can have at most 12 behaviours", field="behaviours")
    before = _domain_summary(domain) if domain else None
    if domain is None:
        domain = LeadershipDomain(position=len(framework.domains))
        framework.domains.append(domain)
    domain.name, domain.description = name.strip(), description.strip()
    domain.behaviours = [LeadershipBehaviour(position=number, text=text) for number, text in enumerate(behaviours)]
    db.session.flush()
    audit.record("leadership.domain_saved", domain, actor=actor, before=before, after=_domain_summary(domain))
    return domain


def remove_domain(framework: LeadershipFramework, domain: LeadershipDomain, *, actor: Any) -> None:
    _check_editable(framework, actor)
    if len(framework.domains) == 1:
        raise LeadershipError("A framework needs at least one domain.")
    audit.record("leadership.domain_removed", domain, actor=actor, before=_domain_summary(domain))
    framework.domains.remove(domain)
    db.session.flush()


def save_scale(framework: LeadershipFramework, *, name: str, scale: list[str], actor: Any) -> None:
    _check_editable(framework, actor)
    if not name.strip():
        raise LeadershipError("Enter the framework's name", field="name")
    if len(scale) != 5 or not all(point.strip() for point in scale):
        raise LeadershipError("Describe each of the five points of the scale", field="scale")
    before = {"name": framework.name, "scale": framework.scale}
    framework.name, framework.scale = name.strip(), [point.strip() for point in scale]
    db.session.flush()
    audit.record(
        "leadership.scale_saved",
        framework,
        actor=actor,
        before=before,
        after={"name": framework.name, "scale": framework.scale},
    )


def start_new_version(*, actor: Any) -> LeadershipFramework:
    """A copy of the current framework to change; answers given on the old one keep its words."""
    if not actor.has_role(Role.PROGRAMME_OFFICER):
        raise LeadershipError("Only a programme officer can change the framework.")
    old = ensure_framework(actor)
    lock_and_refresh(db.session, old)
    if not old.is_current:
        raise LeadershipError("Someone has just started a new version. Look at the framework again.")
    old.is_current = False
    db.session.flush()
    new = LeadershipFramework(name=old.name, version=old.version + 1, is_current=True, scale=list(old.scale))
    new.domains = [
        LeadershipDomain(
            position=domain.position,
            name=domain.name,
            description=domain.description,
            behaviours=[LeadershipBehaviour(position=b.position, text=b.text) for b in domain.behaviours],
        )
        for domain in old.domains
    ]
    db.session.add(new)
    db.session.flush()
    audit.record("leadership.framework_versioned", new, actor=actor, after={"version": new.version, "from": old.id})
    return new


def _domain_summary(domain: LeadershipDomain) -> dict[str, Any]:
    return {"name": domain.name, "behaviours": [b.text for b in domain.behaviours]}


# --- Participants and invitations --------------------------------------------------------------------


def add_participant(project: Any, *, name: str, email: str, organisation_name: str, actor: Any) -> Participant:
    if not can_manage_participants(actor, project):
        raise LeadershipError("Only the project team can add participants.")
    email = (email or "").strip().lower()
    if db.session.scalar(
        db.select(Participant.id).where(Participant.project_id == project.id, Participant.email == email)
    ):
        raise LeadershipError(f"{email} is already a participant in this project", field="email")
    participant = Participant(
        project_id=project.id,
        name=name.strip(),
        email=email,
        organisation_name=(organisation_name or "").strip(),
        added_by_id=actor.id,
    )
    db.session.add(participant)
    try:
        db.session.flush()  # no savepoint: on SQLite one opened as the first write commits when released
    except IntegrityError:
        db.session.rollback()
        raise LeadershipError(f"{email} is already a participant in this project", field="email") from None
    audit.record("leadership.participant_added", participant, actor=actor, after={"project_id": project.id})
    return participant


def change_participant(
    project: Any, participant: Participant, *, name: str, email: str, organisation_name: str, actor: Any
) -> int:
    """Correct a participant's name, email address or organisation. A new address makes the links
    already sent to the old one stop working (answers already given stay); they are invited again.
    Returns how many unused links were withdrawn."""
    if participant.project_id != project.id or not can_manage_participants(actor, project):
        raise LeadershipError("Only the project team can change participants.")
    lock_and_refresh(db.session, participant)  # an invitation being sent at the same moment goes first
    email = (email or "").strip().lower()
    before = {"name": participant.name, "email": participant.email, "organisation_name": participant.organisation_name}
    taken = db.select(Participant.id).where(
        Participant.project_id == project.id, Participant.email == email, Participant.id != participant.id
    )
    if email != participant.email and db.session.scalar(taken):
        raise LeadershipError(f"{email} is already a participant in this project", field="email")
    withdrawn = 0
    if email != participant.email:
        answered = db.select(AssessmentResponse.stage).where(AssessmentResponse.participant_id == participant.id)
        withdrawn = cast(
            "CursorResult[Any]",
            db.session.execute(
                db.delete(AssessmentInvitation).where(
                    AssessmentInvitation.participant_id == participant.id,
                    AssessmentInvitation.used_at.is_(None),
                    AssessmentInvitation.stage.not_in(answered),
                )
            ),
        ).rowcount
    participant.name = name.strip()
    participant.email = email
    participant.organisation_name = (organisation_name or "").strip()
    after = {"name": participant.name, "email": participant.email, "organisation_name": participant.organisation_name}
    try:
        db.session.flush()  # no savepoint: on SQLite one opened as the first write commits when released
    except IntegrityError:
        db.session.rollback()
        raise LeadershipError(f"{email} is already a participant in this project", field="email") from None
    changed = sorted(key for key in after if after[key] != before[key])
    if not changed:
        return 0
    audit.record(
        "leadership.participant_changed",
        participant,
        actor=actor,
        before={key: before[key] for key in changed},
        after={**{key: after[key] for key in changed}, "links_withdrawn": withdrawn},
    )
    return withdrawn


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(project: Any, participants: list[Participant], stage: str, *, actor: Any) -> tuple[int, int]:
    """Email each participant a link for ``stage``. Those who have answered it already are left alone.
    Returns (invited, already answered)."""
    if not can_manage_participants(actor, project):
        raise LeadershipError("Only the project team can invite participants.")
    if stage not in STAGES:
        raise LeadershipError("Choose the stage", field="stage")
    if not participants:
        raise LeadershipError("Choose who to invite", field="participants")
    _hold_stages(project.id)
    if closure_of(project.id, stage) is not None:
        raise StageClosedError(
            f"The self-assessment {_stage_words(stage)} has closed, so no more invitations can be sent for it.",
            field="stage",
        )
    framework = ensure_framework(actor)
    # The participants' rows are locked first, so two sends at once (a double click) take turns:
    # the second finds the first's invitations and replaces them instead of adding its own.
    # Reloaded as they are locked, so an email address corrected at the same moment is the one used.
    db.session.scalars(
        db.select(Participant)
        .where(Participant.id.in_([p.id for p in participants]))
        .order_by(Participant.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    answered = set(
        db.session.scalars(
            db.select(AssessmentResponse.participant_id).where(
                AssessmentResponse.participant_id.in_([p.id for p in participants]), AssessmentResponse.stage == stage
            )
        )
    )
    existing = {
        invitation.participant_id: invitation
        for invitation in db.session.scalars(
            db.select(AssessmentInvitation).where(
                AssessmentInvitation.participant_id.in_([p.id for p in participants]),
                AssessmentInvitation.stage == stage,
            )
        )
    }
    invited = 0
    for participant in participants:
        if participant.project_id != project.id:
            raise LeadershipError("Choose participants from this project", field="participants")
        if participant.id in answered:
            continue
        token = secrets.token_urlsafe(32)
        invitation = existing.get(participant.id)
        if invitation is None:  # a new link; sending again replaces the old one, which stops working
            invitation = AssessmentInvitation(participant_id=participant.id, stage=stage)
            db.session.add(invitation)
        invitation.framework_id, invitation.token_digest = framework.id, digest(token)
        invitation.sent_at, invitation.used_at = utcnow(), None
        queue_email(
            participant.email,
            "self_assessment_invitation",
            {
                "name": participant.name,
                "reference": project.reference,
                "project_title": project.title,
                "stage": STAGE_PHRASES[stage],
                "token": token,
                "inviter": actor.name,
            },
            sensitive=True,
        )
        invited += 1
    db.session.flush()
    audit.record(
        "leadership.invited",
        project,
        actor=actor,
        after={"stage": stage, "invited": invited, "already_answered": len(answered)},
    )
    return invited, len(answered)


STALE_LINK = "This link is not right, or a newer one has been sent. Use the link in the latest email."
STAGE_CLOSED = "This self-assessment has closed, so it takes no more answers."


def find_invitation(token: str) -> AssessmentInvitation | None:
    """The invitation a link is for, or None when no link (any longer) has this token."""
    invitation: AssessmentInvitation | None = db.session.scalar(
        db.select(AssessmentInvitation).where(AssessmentInvitation.token_digest == digest(token or ""))
    )
    return invitation


def invitation_for(token: str) -> AssessmentInvitation:
    invitation = find_invitation(token)
    if invitation is None:
        raise NotFound(STALE_LINK)
    return invitation


def submit_self_assessment(token: str, answers: dict[int, int]) -> AssessmentResponse:
    """A participant's answers, through their link: once per stage, while the stage is open. A link
    replaced by a newer one while the participant was answering is refused as the link it now is."""
    invitation = find_invitation(token)
    if invitation is None:
        raise LeadershipError(STALE_LINK)
    _hold_stages(invitation.participant.project_id)
    db.session.refresh(invitation, with_for_update=True)  # two submissions of one link wait for each other
    if invitation.used_at is not None:
        raise LeadershipError("You have already answered this self-assessment. Thank you.")
    if closure_of(invitation.participant.project_id, invitation.stage) is not None:
        raise StageClosedError(STAGE_CLOSED)
    framework = db.session.get_one(LeadershipFramework, invitation.framework_id)
    behaviour_ids = [b.id for domain in framework.domains for b in domain.behaviours]
    missing = [behaviour_id for behaviour_id in behaviour_ids if answers.get(behaviour_id) not in (1, 2, 3, 4, 5)]
    if missing:
        raise LeadershipError("Choose a rating for every statement", field=f"behaviour:{missing[0]}")
    response = AssessmentResponse(
        participant_id=invitation.participant_id, stage=invitation.stage, framework_id=framework.id
    )
    response.scores = [AssessmentScore(behaviour_id=b, value=answers[b]) for b in behaviour_ids]
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except IntegrityError:
        raise LeadershipError("You have already answered this self-assessment. Thank you.") from None
    invitation.used_at = utcnow()
    db.session.flush()
    keep_shift(invitation.participant.project_id)
    audit.record(
        "leadership.self_assessment_submitted",
        invitation.participant,
        anonymous=True,
        after={"stage": invitation.stage, "response_id": response.id},
    )
    return response


# --- Closing a stage ----------------------------------------------------------------------------------


def closure_of(project_id: int, stage: str) -> StageClosure | None:
    closure: StageClosure | None = db.session.scalar(
        db.select(StageClosure).where(StageClosure.project_id == project_id, StageClosure.stage == stage)
    )
    return closure


def _hold_stages(project_id: int) -> None:
    """A share lock on the project's row, which closing a stage locks for update: an answer or an
    invitation under way is counted before the stage closes, or waits and then finds it closed."""
    db.session.execute(db.select(Project.id).where(Project.id == project_id).with_for_update(read=True))


def _stage_words(stage: str) -> str:
    return STAGE_LABELS[stage].lower()  # "at the start", "halfway", "at the end"


def close_stage(project: Any, stage: str, *, actor: Any) -> StageClosure:
    """Close one stage of the project's self-assessment: it takes no more answers nor invitations, and its
    results may be shown beyond the programme staff. Never reopened, so they never change."""
    if not can_close_stage(actor, project):
        raise PermissionDenied("Only the project team or a programme officer can close a self-assessment.")
    if stage not in STAGES:
        raise LeadershipError("Choose the stage", field="stage")
    lock_and_refresh(db.session, project)  # two closes at once take turns: the second finds the first's
    closed = closure_of(project.id, stage)
    if closed is not None:
        raise StageAlreadyClosed(
            f"The self-assessment {_stage_words(stage)} was closed on {format_date(closed.closed_at)}."
        )
    counts = queries.stage_counts(project.id)[stage]
    if not counts.invited:
        raise LeadershipError(f"No one has been invited to the self-assessment {_stage_words(stage)} yet.")
    return _close(project, stage, counts, actor=actor)


def _close(project: Any, stage: str, counts: queries.StageCount, *, actor: Any, **details: Any) -> StageClosure:
    closure = StageClosure(project_id=project.id, stage=stage, closed_by_id=getattr(actor, "id", None))
    db.session.add(closure)
    db.session.flush()
    audit.record(
        "leadership.stage_closed",
        project,
        actor=actor,
        after={"stage": stage, "invited": counts.invited, "answered": counts.answered, **details},
    )
    return closure


def close_open_stages(project: Any, outcome: ProjectStatus, *, reason: str, actor: Any) -> list[str]:
    """When a project closes, is given up or ends early, every stage still open closes with it (the
    project's row is already locked by the end). Returns the stages closed now."""
    closed = queries.closed_stages([project.id])[project.id]
    counts = queries.stage_counts(project.id)
    now_closed = [stage for stage in STAGES if stage not in closed]
    for stage in now_closed:
        _close(project, stage, counts[stage], actor=actor, project_outcome=outcome.value, reason=reason)
    return now_closed
