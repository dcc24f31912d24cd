"""Enablers' profiles and their assignment to projects. Each function checks, changes, flushes and
audits; the caller commits."""

from __future__ import annotations

from datetime import date
from typing import Any, NoReturn

from sqlalchemy.exc import IntegrityError

from grants.accounts import services as account_services
from grants.accounts.models import User
from grants.accounts.tokens import make_reset_token
from grants.core import audit
from grants.core.db import insert_or_ignore, lock_and_refresh
from grants.core.errors import AlreadyDone, GrantsError
from grants.core.permissions import Role
from grants.core.signals import project_changed
from grants.directory.models import Organisation, Place, Theme
from grants.enablers.matching import (
    current_loads,
    link_reason,
    links_with_current_projects,
    partnership_organisations,
)
from grants.enablers.models import EnablerProfile
from grants.extensions import db
from grants.notifications.services import queue_email
from grants.projects.finished import how_it_ended
from grants.projects.models import EnablerAssignment


class EnablerError(GrantsError):
    """A change to an enabler's profile or support the service refuses, naming the domain field it is about."""


class EnablerAlreadyDone(EnablerError, AlreadyDone):
    """A second press of something already done (or the slower of two at once): nothing happens twice."""


PROFILE_FIELDS = ("bio", "approaches", "regions", "capacity", "available_from", "available_until")


def profile_of(user: Any) -> EnablerProfile | None:
    profile: EnablerProfile | None = db.session.scalar(
        db.select(EnablerProfile).where(EnablerProfile.user_id == user.id)
    )
    return profile


def _summary(profile: EnablerProfile) -> dict[str, Any]:
    summary = {key: getattr(profile, key) for key in PROFILE_FIELDS}
    for key in ("available_from", "available_until"):
        summary[key] = summary[key].isoformat() if summary[key] else None
    summary["themes"] = sorted(theme.id for theme in profile.themes)
    summary["places"] = sorted(place.id for place in profile.places)
    summary["links"] = sorted(organisation.id for organisation in profile.links)
    return summary


def organisations_identified(identifiers: list[str]) -> list[int]:
    """The ids of the organisations with these identifiers (``GB-CHC-…``), refusing one Grants does not know."""
    found = {
        o.org_id: o.id for o in db.session.scalars(db.select(Organisation).where(Organisation.org_id.in_(identifiers)))
    }
    unknown = [identifier for identifier in identifiers if identifier not in found]
    if unknown:
        raise EnablerError(f"No organisation in Grants has the identifier {unknown[0]}", field="links")
    return list(found.values())


def save_profile(user: Any, values: dict[str, Any], *, actor: Any) -> EnablerProfile:
    """Create or update an enabler's profile (their own, or any for a programme officer). The organisations
    the enabler is linked with are given by id (``link_ids``) or by identifier (``link_identifiers``)."""
    if values["available_from"] and values["available_until"] and values["available_until"] < values["available_from"]:
        raise EnablerError("The end of availability must be after its start", field="available_until")
    if "link_identifiers" in values:
        values = {**values, "link_ids": organisations_identified(values["link_identifiers"])}
    profile = profile_of(user)
    before = _summary(profile) if profile else None
    if profile is None:
        profile = EnablerProfile(user_id=user.id)
        db.session.add(profile)
    for key in PROFILE_FIELDS:
        setattr(profile, key, values[key])
    profile.themes = list(db.session.scalars(db.select(Theme).where(Theme.id.in_(values["theme_ids"] or [0]))))
    profile.places = list(db.session.scalars(db.select(Place).where(Place.id.in_(values["place_ids"] or [0]))))
    profile.links = list(
        db.session.scalars(db.select(Organisation).where(Organisation.id.in_(values["link_ids"] or [0])))
    )
    db.session.flush()
    after = _summary(profile)
    if before != after:
        changed = [key for key in after if before is None or before[key] != after[key]]
        audit.record(
            "enabler.profile_saved",
            profile,
            actor=actor,
            before={k: before[k] for k in changed} if before else None,
            after={k: after[k] for k in changed},
        )
    if before is None or before["links"] != after["links"]:
        linked = links_with_current_projects([user.id]).get(user.id, [])
        if linked:  # declared, not refused: the programme team decides what happens to the support
            audit.record("enabler.linked_with_current_project", profile, actor=actor, after={"projects": linked})
    return profile


def invite_enabler(*, email: str, name: str, actor: Any) -> User:
    """A new enabler's account, without a password: they are emailed a link to choose one."""
    user = account_services.create_user(email=email, name=name, roles=[Role.ENABLER], password=None, actor=actor)
    db.session.add(EnablerProfile(user_id=user.id))
    db.session.flush()
    queue_email(
        user.email,
        "enabler_invitation",
        {"name": name, "token": make_reset_token(user), "inviter": actor.name},
        user=user,
        sensitive=True,
    )
    audit.record("enabler.invited", user, actor=actor, after={"email": user.email})
    return user


# --- Assignment -------------------------------------------------------------------------------------


def current_assignment(project: Any) -> EnablerAssignment | None:
    assignment: EnablerAssignment | None = db.session.scalar(
        db.select(EnablerAssignment).where(
            EnablerAssignment.project_id == project.id, EnablerAssignment.ends_on.is_(None)
        )
    )
    return assignment


def check_supportable(project: Any) -> None:
    """A finished project's support ended with it, and it takes no other. Called under the project's
    row lock, so an assignment sent as the project ends waits for the end, then is refused."""
    if project.is_finished:
        raise EnablerError(
            f"{how_it_ended(project)}: its enabler's support ended with it, and no enabler can be assigned now.",
            field="enabler_id",
        )


def _profile_for_assignment(enabler: User) -> EnablerProfile:
    """The enabler's profile; one left empty (as an invitation leaves it) for an enabler who has none,
    so that their capacity is counted and the profile can be filled in later."""
    profile = profile_of(enabler)
    if profile is not None:
        return profile
    # Or made at the same moment by another assignment of this enabler: then nothing is inserted.
    db.session.execute(insert_or_ignore(db.session, EnablerProfile, ["user_id"]).values(user_id=enabler.id))
    made = profile_of(enabler)
    if made is None:  # inserted just above, or by the other assignment
        raise RuntimeError(f"enabler {enabler.id} has no profile after one was made")
    return made


def _check_can_support(project: Any, enabler: User, override_reason: str | None) -> EnablerProfile:
    if enabler is None or not enabler.has_role(Role.ENABLER) or not enabler.is_active:
        raise EnablerError("Choose an enabler from the list", field="enabler_id")
    profile = _profile_for_assignment(enabler)
    lock_and_refresh(db.session, profile)  # two assignments of one enabler at once are counted one after the other
    link = link_reason(enabler, profile, partnership_organisations(project.application_id))
    if link:
        raise EnablerError(
            f"{enabler.name} cannot support this project: {link[0].lower()}{link[1:]}.", field="enabler_id"
        )
    load = current_loads().get(enabler.id, 0)
    if load >= profile.capacity and not (override_reason or "").strip():
        raise EnablerError(
            f"{enabler.name} is already supporting {load} of {profile.capacity} projects. To assign them anyway, "
            "give the reason for going over their capacity.",
            field="override_reason",
        )
    return profile


def _notify(project: Any, enabler: User, template: str) -> None:
    lead = project.application.lead_applicant
    context = {
        "reference": project.reference,
        "project_title": project.title,
        "enabler": enabler.name,
        "enabler_email": enabler.email,
        "lead_organisation": project.lead_organisation.name,
        "project_id": project.id,
    }
    queue_email(enabler.email, f"{template}_enabler", {**context, "name": enabler.name}, user=enabler)
    queue_email(lead.email, f"{template}_lead", {**context, "name": lead.name}, user=lead)


def assign_enabler(
    project: Any,
    enabler: User,
    *,
    reason: str | None,
    override_reason: str | None,
    actor: Any,
    today: date | None = None,
) -> EnablerAssignment:
    """The project's (first, or next) enabler. A project with a current enabler is reassigned instead."""
    lock_and_refresh(db.session, project)
    check_supportable(project)
    if current_assignment(project) is not None:
        _refuse_second_enabler(project, enabler)
    profile = _check_can_support(project, enabler, override_reason)
    over_capacity = current_loads().get(enabler.id, 0) >= profile.capacity
    assignment = EnablerAssignment(
        project_id=project.id,
        enabler_id=enabler.id,
        starts_on=today or date.today(),
        reason=(reason or "").strip() or None,
        assigned_by_id=actor.id,
        capacity_override_reason=(override_reason or "").strip() or None if over_capacity else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(assignment)
    except IntegrityError:
        _refuse_second_enabler(project, enabler)
    audit.record(
        "enabler.assigned",
        project,
        actor=actor,
        after={
            "enabler_id": enabler.id,
            "reason": assignment.reason,
            "capacity_override_reason": assignment.capacity_override_reason,
        },
    )
    _notify(project, enabler, "enabler_assigned")
    project_changed.send(project, actor=actor)
    return assignment


def _refuse_second_enabler(project: Any, enabler: User) -> NoReturn:
    """The project has an enabler already: this one (a second press, or the slower of two), or another."""
    current = current_assignment(project)
    if current is not None and enabler is not None and current.enabler_id == enabler.id:
        raise EnablerAlreadyDone(f"{enabler.name} already supports {project.reference}.")
    raise EnablerError("This project already has an enabler: reassign it instead.", field="enabler_id")


def end_assignment(
    project: Any, *, reason: str, actor: Any, today: date | None = None, replacing: bool = False
) -> EnablerAssignment:
    """End the current enabler's support. ``replacing``: part of a change of enabler, whose caller
    tells people and other areas once the new enabler is in place."""
    lock_and_refresh(db.session, project)
    check_supportable(project)
    assignment = current_assignment(project)
    if assignment is None and _has_had_enabler(project):  # a second press, or the slower of two
        raise EnablerAlreadyDone(f"The enabler's support for {project.reference} had already ended.")
    if assignment is None:
        raise EnablerError("This project has no enabler at the moment.")
    if not (reason or "").strip():
        raise EnablerError("Give the reason", field="reason")
    assignment.ends_on = today or date.today()
    assignment.end_reason = reason.strip()
    db.session.flush()
    audit.record(
        "enabler.ended",
        project,
        actor=actor,
        before={"enabler_id": assignment.enabler_id},
        after={"reason": assignment.end_reason},
    )
    if not replacing:
        _notify(project, assignment.enabler, "enabler_ended")
        project_changed.send(project, actor=actor)
    return assignment


def reassign_enabler(
    project: Any, enabler: User, *, reason: str, override_reason: str | None, actor: Any, today: date | None = None
) -> EnablerAssignment:
    """A new enabler in place of the current one, for a reason; the history keeps both. Under the
    project's row lock: of two changes sent at once, the second sees the first's enabler in place."""
    lock_and_refresh(db.session, project)
    check_supportable(project)
    current = current_assignment(project)
    if current is not None and enabler is not None and current.enabler_id == enabler.id:
        raise EnablerAlreadyDone(f"{enabler.name} already supports {project.reference}.")
    if not (reason or "").strip():
        raise EnablerError("Give the reason for the change of enabler", field="reason")
    _check_can_support(project, enabler, override_reason)
    if current is not None:  # the outgoing enabler is told; the lead hears once, of the new one
        end_assignment(project, reason=reason, actor=actor, today=today, replacing=True)
        outgoing = current.enabler
        queue_email(
            outgoing.email,
            "enabler_ended_enabler",
            {"name": outgoing.name, "reference": project.reference, "project_title": project.title},
            user=outgoing,
        )
    return assign_enabler(project, enabler, reason=reason, override_reason=override_reason, actor=actor, today=today)


def support_project(
    project: Any, enabler: User, *, reason: str | None, override_reason: str | None, actor: Any
) -> EnablerAssignment:
    """The enabler the programme officer chose: the project's first, or in place of the one it has."""
    if current_assignment(project) is not None:
        return reassign_enabler(project, enabler, reason=reason or "", override_reason=override_reason, actor=actor)
    return assign_enabler(project, enabler, reason=reason, override_reason=override_reason, actor=actor)


def _has_had_enabler(project: Any) -> bool:
    return (
        db.session.scalar(db.select(EnablerAssignment.id).where(EnablerAssignment.project_id == project.id).limit(1))
        is not None
    )
