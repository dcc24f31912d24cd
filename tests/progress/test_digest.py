"""The weekly digest: a compile, then one email a week to each active member and chair of the steering
group, however often the job runs; and the beat schedule that runs it."""

from grants.core.audit import AuditEvent
from grants.core.db import utcnow
from grants.core.permissions import Role
from grants.core.schedule import PERIODIC
from grants.core.times import to_london
from grants.notifications.models import Notification
from grants.progress.models import ProgressCompilation
from grants.progress.tasks import weekly_digest
from tests.factories import UserFactory
from tests.helpers import run_task


def _digests(db) -> list[Notification]:
    return db.session.scalars(
        db.select(Notification).where(Notification.template == "progress_digest").order_by(Notification.id)
    ).all()


def test_running_the_digest_twice_in_a_week_emails_each_steering_person_once(db, portfolio):
    member = UserFactory(roles=[Role.STEERING_MEMBER], name="Priya Shah")
    chair = UserFactory(roles=[Role.STEERING_CHAIR, Role.STEERING_MEMBER], name="Margaret Okafor")
    UserFactory(roles=[Role.STEERING_MEMBER], is_active=False)
    UserFactory(roles=[Role.PROGRAMME_OFFICER])

    assert run_task(weekly_digest) == 2
    assert run_task(weekly_digest) == 0

    year, week, _ = to_london(utcnow()).date().isocalendar()
    digests = _digests(db)
    assert sorted((n.recipient_id, n.recipient_email) for n in digests) == sorted(
        [(member.id, member.email), (chair.id, chair.email)]
    )
    assert {n.dedupe_key for n in digests} == {f"progress-digest:{year}-W{week}:{user.id}" for user in (member, chair)}
    compilations = db.session.scalars(db.select(ProgressCompilation).order_by(ProgressCompilation.id)).all()
    assert [(c.trigger, c.status) for c in compilations] == [("weekly", "done"), ("weekly", "done")]
    message = next(n for n in digests if n.recipient_id == member.id)
    awarded = sum(project.award_pence for project in portfolio.projects)
    assert message.subject == "Progress this week: 3 projects, 0 red, 1 amber"
    assert f"Awarded: £{awarded // 100:,}.00" in message.body_text
    assert "Match funding: £12,000.00 received, £10,000.00 confirmed, £8,000.00 pledged." in message.body_text
    # The steering group's shift: only the project with five people counts, from 2 to 4.
    assert "an average change of +2.0 on a scale of 1 to 5, on 5 people" in message.body_text
    assert f"http://127.0.0.1:5000/progress/{compilations[0].id}" in message.body_text
    assert message.context["name"] == "Priya Shah"


def test_the_digest_waits_while_another_compile_is_under_way(db, portfolio):
    UserFactory(roles=[Role.STEERING_MEMBER])
    running = ProgressCompilation(status="running", trigger="officer", started_at=utcnow())
    db.session.add(running)
    db.session.commit()

    assert run_task(weekly_digest) == "busy"  # with a worker, it tries again in five minutes
    assert _digests(db) == []
    assert db.session.scalars(db.select(ProgressCompilation)).all() == [running]
    refusal = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "progress.compile_refused")).one()
    assert refusal.object_id == str(running.id) and refusal.actor_id is None


def test_the_digest_is_scheduled_for_monday_morning():
    entry = PERIODIC["weekly-progress-digest"]
    assert entry["task"] == "progress.weekly_digest"
    schedule = entry["schedule"]
    assert (schedule.day_of_week, schedule.hour, schedule.minute) == ({1}, {7}, {0})
