"""Two approvals of one tranche at the same moment release it once, with one payment record: on
PostgreSQL, with real commits, from threads that meet at a barrier, several times over."""

import threading

import pytest
from sqlalchemy import insert

from grants.accounts.models import User
from grants.core.permissions import Role
from grants.extensions import db as _db
from grants.funding.models import Payment, Tranche
from grants.funding.services import FundingError, release
from tests.factories import UserFactory, funded_project
from tests.funding.conftest import ready_to_request

# Each round's two approvals meet at a barrier with everything loaded, so they reach the tranche's row
# lock together; a round where the lock or the one-payment constraint failed would show two releases.
# Four rounds see that meeting several times over; more repeat it and prove nothing new.
ROUNDS = 4


def _approve_at_once(app, tranche_id: int, approver_ids: list[int]) -> list[str]:
    barrier = threading.Barrier(len(approver_ids))
    outcomes: list[str] = []

    def approve(approver_id):
        with app.app_context():
            tranche = _db.session.get(Tranche, tranche_id)
            approver = _db.session.get(User, approver_id)
            tranche.project  # noqa: B018 - everything loaded before the barrier
            barrier.wait(10)
            try:
                release.approve_release(tranche, actor=approver, payment_reference=f"BACS-{approver_id}")
                _db.session.commit()
                outcomes.append("released")
            except FundingError as error:
                _db.session.rollback()
                outcomes.append(error.message)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=approve, args=(approver_id,)) for approver_id in approver_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_two_approvals_at_the_same_moment_release_a_tranche_once(app, committed_db):
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    approvers = [UserFactory(roles=[Role.FINANCE_APPROVER]).id for _ in range(2)]
    round_ = funded_project().round
    for _ in range(ROUNDS):
        project = funded_project(round_)
        tranche = ready_to_request(project, officer)
        release.request_release(tranche, actor=officer)
        _db.session.commit()
        outcomes = _approve_at_once(app, tranche.id, approvers)
        assert sorted(outcomes) == ["Tranche 1 has already been released.", "released"]
        _db.session.expire_all()
        payments = _db.session.scalars(_db.select(Payment).where(Payment.tranche_id == tranche.id)).all()
        assert len(payments) == 1 and payments[0].amount_pence == tranche.amount_pence
        assert _db.session.get(Tranche, tranche.id).status == "released"
    assert _db.session.scalar(_db.select(_db.func.count(Payment.id))) == ROUNDS


def test_one_approver_pressing_twice_releases_once(app, committed_db):
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    approver = UserFactory(roles=[Role.FINANCE_APPROVER]).id
    tranche = ready_to_request(funded_project(), officer)
    release.request_release(tranche, actor=officer)
    _db.session.commit()
    outcomes = _approve_at_once(app, tranche.id, [approver, approver])
    assert sorted(outcomes) == ["Tranche 1 has already been released.", "released"]
    assert _db.session.scalar(_db.select(_db.func.count(Payment.id))) == 1


def test_the_database_allows_one_payment_per_tranche(app, committed_db):
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    finance = UserFactory(roles=[Role.FINANCE_APPROVER])
    tranche = ready_to_request(funded_project(), officer)
    release.request_release(tranche, actor=officer)
    release.approve_release(tranche, actor=finance, payment_reference="BACS-1")
    _db.session.commit()
    with pytest.raises(Exception, match="uq_payments_tranche_id"):
        _db.session.execute(
            insert(Payment).values(
                tranche_id=tranche.id,
                project_id=tranche.project_id,
                amount_pence=tranche.amount_pence,
                reference="BACS-2",
                requested_by_id=officer.id,
                approved_by_id=finance.id,
            )
        )
    _db.session.rollback()
