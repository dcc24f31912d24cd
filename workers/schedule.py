"""The beat schedule. Run exactly one ``celery -A workers beat`` process per deployment.

Periodic sweeps are added here by the areas that need them, each as a set-based query over what is
due, never a long countdown on the broker.
"""

BEAT_SCHEDULE: dict[str, dict] = {
    "send-due-email": {"task": "notifications.send_due", "schedule": 60.0},
    "close-due-rounds": {"task": "rounds.close_due", "schedule": 60.0},
}
