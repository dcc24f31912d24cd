"""Celery entry point: ``celery -A workers worker`` and ``celery -A workers beat``.

The Celery app is bound to the Flask app (tasks run inside its app context) and takes its broker
from ``REDIS_URL``. Beat schedules the periodic jobs listed once, in ``grants.core.schedule.PERIODIC``
(which a process without a broker runs itself).
"""

from grants import create_app
from grants.core.schedule import PERIODIC

flask_app = create_app()
celery = flask_app.extensions["celery"]
celery.conf.beat_schedule = PERIODIC
