"""The beat schedule. Run exactly one ``celery -A workers beat`` process per deployment.

Periodic sweeps are added here by the areas that need them, each as a set-based query over what is
due, never a long countdown on the broker.
"""

from celery.schedules import crontab

BEAT_SCHEDULE: dict[str, dict] = {
    "send-due-email": {"task": "notifications.send_due", "schedule": 60.0},
    "close-due-rounds": {"task": "rounds.close_due", "schedule": 60.0},
    # Mondays at 7am UTC (7am in winter, 8am in summer in London): compile the progress report and
    # email it to the steering group.
    "weekly-progress-digest": {
        "task": "progress.weekly_digest",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
    },
    "send-reminders": {"task": "reminders.run", "schedule": 300.0},
    # Forget the keys of forms sent more than two days ago (``grants.core.once``).
    "forget-form-submissions": {"task": "core.forget_form_submissions", "schedule": crontab(minute=30, hour=3)},
    # Remove uploaded files left behind by a process killed before its commit (a day's grace).
    "sweep-orphaned-uploads": {"task": "documents.sweep_orphans", "schedule": crontab(minute=45, hour=3)},
}
