"""A project at each point of its life, through the services that move it there: started (its agreement
signed), paid (its first tranche released), in close-out; and reading what it sent."""

from __future__ import annotations

from grants.extensions import db
from grants.funding.models import MatchFunding, Tranche
from grants.funding.services import match, release
from grants.notifications.models import Notification
from grants.projects import ending
from grants.projects.models import ProjectStatus
from tests.factories import EnablerProfileFactory, assign
from tests.funding.conftest import issue_and_sign


def tranches(project) -> list[Tranche]:
    return list(
        db.session.scalars(db.select(Tranche).where(Tranche.project_id == project.id).order_by(Tranche.sequence))
    )


def start(project, officer) -> None:
    """The agreement issued by the officer and signed by the project's lead: the project is active."""
    issue_and_sign(project, officer)


def give_enabler(project):
    enabler = EnablerProfileFactory().user
    assign(project, enabler)
    return enabler


def pay_first_tranche(project, officer, finance) -> Tranche:
    """Started (if it was not), its match funding confirmed and an enabler assigned, its first tranche
    released."""
    if project.status == ProjectStatus.SETUP:
        start(project, officer)
    record = db.session.scalar(db.select(MatchFunding).where(MatchFunding.project_id == project.id))
    match.confirm_match(record, actor=officer, note="Board minute 6, 12 March.", upload=None)
    if not any(assignment.is_current for assignment in _assignments(project)):
        give_enabler(project)
    db.session.commit()
    first = tranches(project)[0]
    release.request_release(first, actor=officer)
    release.approve_release(first, actor=finance, payment_reference="BACS-0001")
    db.session.commit()
    return first


def _assignments(project):
    from grants.projects.queries import assignments_of

    return assignments_of(project.id)


def begin_closeout(project, officer) -> None:
    ending.start_closing(project, actor=officer)
    db.session.commit()


def reasons_for_everything_left(project) -> dict[str, str]:
    return {item.key: f"{item.title}: will not happen." for item in ending.closeout_items(project) if not item.done}


def emails(template: str) -> list[str]:
    """The addresses sent ``template``, in the order queued."""
    return list(
        db.session.scalars(
            db.select(Notification.recipient_email).where(Notification.template == template).order_by(Notification.id)
        )
    )
