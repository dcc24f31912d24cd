"""A project brought to each of its ends through the services people use: closed after its close-out,
its award given up before any payment, or ended early after one."""

from __future__ import annotations

from grants.core.permissions import Role
from grants.extensions import db
from grants.funding.models import MatchFunding, MatchStatus
from grants.funding.services import release
from grants.projects import ending
from grants.projects.models import ProjectStatus
from grants.projects.permissions import current_enabler_id
from tests.factories import UserFactory
from tests.funding.conftest import confirm_match, give_enabler, issue_and_sign, tranches

ENDS = (ProjectStatus.CLOSED, ProjectStatus.WITHDRAWN, ProjectStatus.ENDED_EARLY)


def an_officer():
    return UserFactory(roles=[Role.PROGRAMME_OFFICER])


def a_finance_approver():
    return UserFactory(roles=[Role.FINANCE_APPROVER])


def start_closeout(project, by=None):
    """The project running (its agreement signed), then in close-out."""
    by = by or an_officer()
    if project.status == ProjectStatus.SETUP:
        issue_and_sign(project, by)
    ending.start_closing(project, actor=by)
    db.session.commit()
    return project


def close(project, by=None):
    """Close-out started and the project closed, each thing left excused with a reason."""
    by = by or an_officer()
    if project.status != ProjectStatus.CLOSING:
        start_closeout(project, by)
    left = [item for item in ending.closeout_items(project) if not item.done]
    ending.close_project(
        project, note="The work is done.", exceptions={item.key: "It will not happen." for item in left}, actor=by
    )
    db.session.commit()
    return project


def give_up(project, by=None):
    """The award given up before any payment: recorded by the lead applicant, confirmed by an officer."""
    recorded = ending.record_withdrawal(
        project, reason="The council withdrew its support.", actor=project.application.lead_applicant
    )
    db.session.commit()
    ending.confirm_ending(recorded, actor=by or an_officer())
    db.session.commit()
    return project


def pay_first_tranche(project, by=None, approver=None):
    """The first tranche released: requested by an officer, approved by a finance approver (its
    conditions met first, those not met yet)."""
    by, approver = by or an_officer(), approver or a_finance_approver()
    if project.status == ProjectStatus.SETUP:
        issue_and_sign(project, by)
    match = db.session.scalar(db.select(MatchFunding).where(MatchFunding.project_id == project.id))
    if match.status == MatchStatus.PLEDGED:
        confirm_match(project, by)
    if current_enabler_id(project) is None:
        give_enabler(project, by)
    tranche = tranches(project)[0]
    release.request_release(tranche, actor=by)
    release.approve_release(tranche, actor=approver, payment_reference="BACS-1")
    db.session.commit()
    return tranche


def end_early(project, by=None, approver=None):
    """Ended early after the first payment: proposed by an officer, confirmed by a finance approver."""
    by, approver = by or an_officer(), approver or a_finance_approver()
    if not ending.paid_pence(project):
        pay_first_tranche(project, by, approver)
    proposed = ending.propose_early_end(project, reason="The partnership broke up.", repayment_pence=None, actor=by)
    db.session.commit()
    ending.confirm_ending(proposed, actor=approver)
    db.session.commit()
    return project


def finish(project, outcome: ProjectStatus):
    """The project brought to ``outcome``, one of ``ENDS``."""
    {ProjectStatus.CLOSED: close, ProjectStatus.WITHDRAWN: give_up, ProjectStatus.ENDED_EARLY: end_early}[outcome](
        project
    )
    assert project.status == outcome and project.is_finished
    return project
