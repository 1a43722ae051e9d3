"""The Celery application. Configuration lives in settings.py under the CELERY_ prefix."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "statuspage.settings")

app = Celery("statuspage")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue(task, *args) -> None:
    """Send a task without waiting on a broker that is down.

    Callers use this for work that has a durable record in the database (a notice, a page
    version), which a beat task finds and finishes if the message never leaves.
    """
    import logging

    from kombu.exceptions import KombuError
    from redis.exceptions import RedisError

    try:
        task.apply_async(args, retry=False)
    except (KombuError, RedisError, OSError) as exc:
        logging.getLogger(__name__).warning("could not enqueue %s%s: %s", task.name, args, exc)
