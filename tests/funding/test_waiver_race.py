"""Two finance approvers agreeing to the same waiver at the same moment: one agreement, one email, one
audit event, and the other told it has already been agreed. On PostgreSQL, with real commits, from
threads that meet at a barrier, through the pages."""

import threading

from grants.accounts.models import User
from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from grants.extensions import db as _db
from grants.funding.models import TrancheCondition
from grants.funding.services import waivers
from grants.notifications.models import Notification
from tests.factories import UserFactory, funded_project
from tests.fixtures.clients import sign_in_client

# Each round's two agreements meet at a barrier and reach the condition's row together; a round without
# the lock shows two agreements. Three rounds see that meeting more than once; more prove nothing new.
ROUNDS = 3


def _agree_at_once(app, condition_id: int, clients) -> list[int]:
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def agree(client):
        barrier.wait(10)
        statuses.append(client.post(f"/funding/conditions/{condition_id}/waive/agree").status_code)

    threads = [threading.Thread(target=agree, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return statuses


def test_two_approvers_agreeing_at_once_agree_once(app, committed_db):
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    approvers = [UserFactory(roles=[Role.FINANCE_APPROVER]) for _ in range(2)]
    _db.session.commit()
    clients = [sign_in_client(app, approver) for approver in approvers]
    round_ = funded_project().round
    for _ in range(ROUNDS):
        project = funded_project(round_)
        condition = _db.session.scalar(
            _db.select(TrancheCondition).where(
                TrancheCondition.kind == "match_confirmed", TrancheCondition.tranche.has(project_id=project.id)
            )
        )
        waivers.propose_waiver(condition, actor=_db.session.get(User, officer.id), reason="Paid in arrears")
        _db.session.commit()
        statuses = _agree_at_once(app, condition.id, clients)
        assert sorted(statuses) == [302, 409]
        _db.session.expire_all()
        stored = _db.session.get(TrancheCondition, condition.id)
        assert stored.is_waived and stored.waived_by_id in {approver.id for approver in approvers}
        agreed = _db.session.scalars(
            _db.select(AuditEvent).where(
                AuditEvent.action == "funding.waiver_agreed", AuditEvent.object_id == str(condition.id)
            )
        ).all()
        assert len(agreed) == 1
    emails = _db.session.scalars(_db.select(Notification).where(Notification.template == "waiver_agreed")).all()
    assert len(emails) == ROUNDS
