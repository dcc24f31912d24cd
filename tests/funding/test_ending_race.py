"""An early end confirmed twice at the same moment takes effect once; an early end and a release at the same
moment never pay a cancelled tranche. On PostgreSQL, with real commits, from threads that meet at a barrier."""

import threading

from grants.accounts.models import User
from grants.core.audit import AuditEvent
from grants.core.errors import GrantsError
from grants.core.permissions import Role
from grants.extensions import db as _db
from grants.funding.models import Payment, Tranche, TrancheStatus
from grants.funding.services import release
from grants.notifications.models import Notification
from grants.projects import ending
from grants.projects.models import EndingStatus, Project, ProjectEnding, ProjectStatus
from tests.factories import UserFactory, funded_project
from tests.funding.conftest import ready_to_request, tranches, waive_later_tranches

# Each round's two changes meet at a barrier with everything loaded, so they reach the project's row lock
# together; a round where the lock failed would show two endings, or a payment for a cancelled tranche.
ROUNDS = 3


def _at_once(app, work: list) -> list[str]:
    """Run each ``work(…)`` in its own thread and session, all at once; what each came to."""
    barrier = threading.Barrier(len(work))
    outcomes: list[str] = []

    def run(step):
        with app.app_context():
            prepared = step()  # loads what it needs, returns the change to make
            barrier.wait(10)
            try:
                outcome = prepared()
                _db.session.commit()
                outcomes.append(outcome)
            except GrantsError as error:
                _db.session.rollback()
                outcomes.append(error.message)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=run, args=(step,)) for step in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def _confirm(ending_id: int, approver_id: int):
    def step():
        proposal = _db.session.get(ProjectEnding, ending_id)
        approver = _db.session.get(User, approver_id)
        proposal.project  # noqa: B018 - everything loaded before the barrier

        def change():
            ending.confirm_ending(proposal, actor=approver)
            return "confirmed"

        return change

    return step


def _approve(tranche_id: int, approver_id: int):
    def step():
        tranche = _db.session.get(Tranche, tranche_id)
        approver = _db.session.get(User, approver_id)
        tranche.project  # noqa: B018

        def change():
            release.approve_release(tranche, actor=approver, payment_reference=f"BACS-{tranche_id}")
            return "released"

        return change

    return step


def _paid_once(project, officer, finance):
    tranche = ready_to_request(project, officer)
    release.request_release(tranche, actor=officer)
    release.approve_release(tranche, actor=finance, payment_reference="BACS-1")
    _db.session.commit()


def test_two_confirmations_of_an_early_end_at_once_end_the_project_once(app, committed_db):
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    approvers = [UserFactory(roles=[Role.FINANCE_APPROVER]) for _ in range(2)]
    round_ = funded_project().round
    for _ in range(ROUNDS):
        project = funded_project(round_)
        _paid_once(project, officer, approvers[0])
        proposal = ending.propose_early_end(project, reason="Stopped", repayment_pence=100_000, actor=officer)
        _db.session.commit()
        outcomes = _at_once(app, [_confirm(proposal.id, approver.id) for approver in approvers])
        assert sorted(outcomes) == ["This has already been confirmed.", "confirmed"]
        _db.session.expire_all()
        stored = _db.session.get(ProjectEnding, proposal.id)
        assert stored.status == EndingStatus.CONFIRMED and stored.decided_by_id in {a.id for a in approvers}
        assert _db.session.get(Project, project.id).status == ProjectStatus.ENDED_EARLY
        assert [t.status for t in tranches(project)] == ["released", "cancelled", "cancelled"]
        cancelled = _db.session.scalars(
            _db.select(AuditEvent).where(
                AuditEvent.action == "funding.tranche_cancelled",
                AuditEvent.object_id.in_([str(t.id) for t in tranches(project)]),
            )
        ).all()
        assert len(cancelled) == 2
        assert _db.session.scalar(_db.select(_db.func.count(Payment.id)).where(Payment.project_id == project.id)) == 1
    told = _db.session.scalars(
        _db.select(Notification).where(
            Notification.template == "project_ended_early", Notification.recipient_id == officer.id
        )
    ).all()
    assert len(told) == ROUNDS


def test_an_early_end_and_a_release_at_once_never_pay_a_cancelled_tranche(app, committed_db):
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    paying, confirming = (UserFactory(roles=[Role.FINANCE_APPROVER]) for _ in range(2))
    round_ = funded_project().round
    for _ in range(ROUNDS):
        project = funded_project(round_)
        _paid_once(project, officer, paying)
        waive_later_tranches(project, officer, paying)
        second = tranches(project)[1]
        release.request_release(second, actor=officer)
        proposal = ending.propose_early_end(project, reason="Stopped", repayment_pence=None, actor=officer)
        _db.session.commit()
        outcomes = _at_once(app, [_approve(second.id, paying.id), _confirm(proposal.id, confirming.id)])
        _db.session.expire_all()
        statuses = [t.status for t in tranches(project)]
        payments = _db.session.scalars(_db.select(Payment).where(Payment.project_id == project.id)).all()
        assert _db.session.get(Project, project.id).status == ProjectStatus.ENDED_EARLY
        if "released" in outcomes:  # the payment first: it stands, and only tranche 3 is cancelled
            assert sorted(outcomes) == ["confirmed", "released"]
            assert statuses == [TrancheStatus.RELEASED, TrancheStatus.RELEASED, TrancheStatus.CANCELLED]
            assert len(payments) == 2
        else:  # the end first: tranche 2 is cancelled and never paid
            assert outcomes[1 - outcomes.index("confirmed")].startswith("Tranche 2 was cancelled")
            assert statuses == [TrancheStatus.RELEASED, TrancheStatus.CANCELLED, TrancheStatus.CANCELLED]
            assert len(payments) == 1
