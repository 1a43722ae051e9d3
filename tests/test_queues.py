"""A task sent to its queue lands in that queue once, not in every queue the workers read
(queues bound with the same routing key would each get a copy, and the task would run once per
queue: a delivery batch five times)."""

from __future__ import annotations

import pytest
from django.conf import settings

from statuspage.celery import app
from statuspage.monitors import tasks as monitor_tasks
from statuspage.notify import tasks


def waiting(connection) -> dict[str, int]:
    channel = connection.default_channel
    return {
        queue.name: queue(channel).queue_declare().message_count
        for queue in settings.CELERY_TASK_QUEUES
    }


def empty(connection) -> None:
    channel = connection.default_channel
    for queue in settings.CELERY_TASK_QUEUES:
        queue(channel).purge()


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        (tasks.deliver_emails, "email"),
        (tasks.deliver_webhooks, "webhooks"),
        (tasks.deliver_messages, "messages"),
        (tasks.fan_out, "celery"),
        (monitor_tasks.run_due_probes, "monitors"),
    ],
)
def test_a_task_lands_in_its_own_queue_once(task, queue):
    with app.connection_for_write() as connection:
        for q in settings.CELERY_TASK_QUEUES:
            q(connection.default_channel).declare()
        empty(connection)
        try:
            task.apply_async(args=[[1]] if task is not monitor_tasks.run_due_probes else [])
            expected = {q.name: 0 for q in settings.CELERY_TASK_QUEUES} | {queue: 1}
            assert waiting(connection) == expected
        finally:
            empty(connection)


def test_each_channel_has_its_own_queue():
    routes = settings.CELERY_TASK_ROUTES
    names = [routes[f"statuspage.notify.tasks.deliver_{c}"]["queue"]
             for c in ("emails", "webhooks", "messages")]  # fmt: skip
    assert len(set(names)) == 3
    keys = [q.routing_key for q in settings.CELERY_TASK_QUEUES]
    assert len(set(keys)) == len(keys)  # no two queues share a binding
