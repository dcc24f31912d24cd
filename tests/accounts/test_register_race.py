"""Registering one address twice at the same moment, and confirming it twice at the same moment, make one
account and never an error: on PostgreSQL, with real commits, from threads that meet at a barrier."""

import threading

from grants.accounts import services
from grants.accounts.models import User, UserRole
from grants.accounts.tokens import make_confirmation_token
from grants.core.audit import AuditEvent
from grants.extensions import db as _db
from grants.notifications.models import Notification

# Each round's two requests meet at a barrier and reach the database together; a round without the
# one-account-per-address rule shows two accounts, or an error. Three rounds see that meeting more than
# once; more repeat it (each costs two password hashes) and prove nothing new.
ROUNDS = 3
PASSWORD = "a long enough secret"


def _at_once(app, count: int, action) -> list[str]:
    barrier = threading.Barrier(count)
    outcomes: list[str] = []

    def run():
        with app.app_context():
            barrier.wait(10)
            try:
                action()
                _db.session.commit()
                outcomes.append("done")
            except Exception as error:  # any error is the failure this test looks for
                _db.session.rollback()
                outcomes.append(repr(error))
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_two_registrations_of_one_address_at_once_make_one_account_and_one_email(app, committed_db):
    for n in range(ROUNDS):
        email = f"twice{n}@example.org"
        outcomes = _at_once(
            app, 2, lambda email=email: services.register_applicant(name="Aisha Khan", email=email, password=PASSWORD)
        )
        assert outcomes == ["done", "done"]
        [user] = _db.session.scalars(_db.select(User).where(User.email == email)).all()
        assert _db.session.scalars(_db.select(UserRole.role).where(UserRole.user_id == user.id)).all() == ["applicant"]
        emails = _db.session.scalars(_db.select(Notification).where(Notification.recipient_email == email)).all()
        assert [message.template for message in emails] == ["confirm_email"]


def test_two_confirmations_at_once_confirm_once(app, committed_db):
    for n in range(ROUNDS):
        email = f"confirm{n}@example.org"
        services.register_applicant(name="Aisha Khan", email=email, password=PASSWORD)
        _db.session.commit()
        user = _db.session.scalars(_db.select(User).where(User.email == email)).one()
        token = make_confirmation_token(user)
        outcomes = _at_once(app, 2, lambda token=token: services.confirm_email(token, PASSWORD))
        assert outcomes == ["done", "done"]
        _db.session.expire_all()
        assert _db.session.get(User, user.id).is_confirmed
        confirmed = _db.session.scalars(
            _db.select(AuditEvent).where(
                AuditEvent.action == "user.email_confirmed", AuditEvent.object_id == str(user.id)
            )
        ).all()
        assert len(confirmed) == 1
