"""Celery entry point: ``celery -A workers worker`` and ``celery -A workers beat``.

The Celery app is bound to the Flask app (tasks run inside its app context) and takes its broker
from ``REDIS_URL``.
"""

from grants import create_app
from workers.schedule import BEAT_SCHEDULE

flask_app = create_app()
celery = flask_app.extensions["celery"]
celery.conf.beat_schedule = BEAT_SCHEDULE
