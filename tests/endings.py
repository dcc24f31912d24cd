"""Projects at each end of a grant, made through the services as the people would make them: one closed
after its first tranche was paid (the rest cancelled at close-out), one whose award was given up before
any payment, one ended early after its first payment, beside two still running (one active with its
first tranche paid, one still being set up)."""

from __future__ import annotations

from dataclasses import dataclass

from grants.extensions import db
from grants.funding.models import Tranche
from grants.funding.services.release import approve_release, request_release
from grants.projects import ending
from grants.projects.models import Project
from tests.factories import funded_project
from tests.funding.conftest import ready_to_request, tranches


def pay_first_tranche(project: Project, officer, finance) -> int:
    """The agreement signed, the match confirmed, an enabler assigned; the first tranche requested by
    the officer and approved by the finance approver. Returns the pence paid."""
    first: Tranche = ready_to_request(project, officer)
    request_release(first, actor=officer)
    db.session.commit()
    approve_release(first, actor=finance, payment_reference=f"BACS-{project.reference}-1")
    db.session.commit()
    return first.amount_pence


def close(project: Project, officer) -> None:
    """The close-out started early and the project closed, saying why what is left will not happen."""
    ending.start_closing(project, actor=officer)
    db.session.commit()
    left = [item for item in ending.closeout_items(project) if not item.done]
    ending.close_project(
        project,
        note="The partnership finished its work early.",
        exceptions={item.key: "Agreed with the steering group." for item in left},
        actor=officer,
    )
    db.session.commit()


def give_up(project: Project, officer) -> None:
    """The lead applicant records that the award is given up; a programme officer confirms it."""
    recorded = ending.record_withdrawal(
        project, reason="The council withdrew its support.", actor=project.application.lead_applicant
    )
    db.session.commit()
    ending.confirm_ending(recorded, actor=officer)
    db.session.commit()


def end_early(project: Project, officer, finance, repayment_pence: int | None = None) -> None:
    """An officer proposes to end the project early; a finance approver confirms it."""
    proposed = ending.propose_early_end(
        project, reason="The partnership broke up.", repayment_pence=repayment_pence, actor=officer
    )
    db.session.commit()
    ending.confirm_ending(proposed, actor=finance)
    db.session.commit()


@dataclass
class Ended:
    """The five projects, and the pence paid to each."""

    active: Project
    setup: Project
    closed: Project
    withdrawn: Project
    ended_early: Project
    paid: dict[int, int]

    @property
    def all(self) -> list[Project]:
        return [self.active, self.setup, self.closed, self.withdrawn, self.ended_early]

    def cancelled(self, project: Project) -> int:
        """The pence of the project's tranches cancelled (read from the tranches themselves)."""
        return sum(tranche.amount_pence for tranche in tranches(project) if tranche.status == "cancelled")

    def still_to_release(self, project: Project) -> int:
        unpaid = [tranche for tranche in tranches(project) if tranche.status not in ("released", "cancelled")]
        return sum(tranche.amount_pence for tranche in unpaid)


def ended_projects(officer, finance, round_=None, *, repayment_pence: int | None = None) -> Ended:
    """Five projects in one round (``round_``, or the first project's)."""
    active = funded_project(round_)
    round_ = active.round
    setup, closed, withdrawn, ended_early = (funded_project(round_) for _ in range(4))
    paid = {project.id: 0 for project in (active, setup, closed, withdrawn, ended_early)}
    for project in (active, closed, ended_early):
        paid[project.id] = pay_first_tranche(project, officer, finance)
    close(closed, officer)
    give_up(withdrawn, officer)
    end_early(ended_early, officer, finance, repayment_pence)
    for project in (active, setup, closed, withdrawn, ended_early):
        db.session.refresh(project)
    return Ended(active, setup, closed, withdrawn, ended_early, paid)
