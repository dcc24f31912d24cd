"""A funded project and the people around its money: the programme officer who requests, the finance
approver who approves, and the project lead who signs."""

import pytest

from grants.funding.models import GrantAgreement, MatchFunding, Tranche
from grants.funding.services import agreements, match
from grants.funding.services.terms import digest
from tests.factories import EnablerProfileFactory, funded_project


@pytest.fixture
def project(db):
    return funded_project()


@pytest.fixture
def lead(project):
    return project.application.lead_applicant


def agreement_of(project, version=1) -> GrantAgreement:
    from grants.extensions import db

    return db.session.scalar(
        db.select(GrantAgreement).where(GrantAgreement.project_id == project.id, GrantAgreement.version == version)
    )


def tranches(project) -> list[Tranche]:
    from grants.extensions import db

    return list(
        db.session.scalars(db.select(Tranche).where(Tranche.project_id == project.id).order_by(Tranche.sequence))
    )


def issue_and_sign(project, officer, version=1):
    """The agreement issued by the officer and signed by the project's lead."""
    from grants.extensions import db

    agreement = agreement_of(project, version)
    agreements.issue_agreement(agreement, actor=officer)
    lead = project.application.lead_applicant
    agreements.sign_agreement(
        agreement,
        actor=lead,
        typed_name=lead.name,
        confirmed=True,
        terms_digest=digest(agreement.terms),
        ip_address="192.0.2.1",
        user_agent="pytest",
    )
    db.session.commit()
    return agreement


def confirm_match(project, officer):
    from grants.extensions import db

    record = db.session.scalar(db.select(MatchFunding).where(MatchFunding.project_id == project.id))
    match.confirm_match(record, actor=officer, note="Board minute 6, 12 March.", upload=None)
    db.session.commit()
    return record


def give_enabler(project, officer):
    from grants.enablers.services import assign_enabler
    from grants.extensions import db

    enabler = EnablerProfileFactory().user
    assign_enabler(project, enabler, reason=None, override_reason=None, actor=officer)
    db.session.commit()
    return enabler


def ready_to_request(project, officer):
    """Every condition of the first tranche met: it is eligible."""
    issue_and_sign(project, officer)
    confirm_match(project, officer)
    give_enabler(project, officer)
    return tranches(project)[0]


def waive(condition, officer, finance, reason="Agreed by the steering group on 3 March."):
    """A built-in condition waived: proposed by the officer, agreed by the finance approver."""
    from grants.extensions import db
    from grants.funding.services import waivers

    waivers.propose_waiver(condition, actor=officer, reason=reason)
    waivers.agree_waiver(condition, actor=finance)
    db.session.commit()


def waive_later_tranches(project, officer, finance) -> None:
    """Every condition of the tranches after the first waived, so they wait only for the one before."""
    for tranche in tranches(project)[1:]:
        for condition in list(tranche.conditions):
            waive(condition, officer, finance)
