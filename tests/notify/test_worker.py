"""End to end with a real Celery worker process, real Redis, real SMTP and a real receiver:
nothing is lost when a worker is killed mid-fan-out or Redis is down at the moment of posting."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.db.models import Count

from statuspage.celery import app as celery_app
from statuspage.lib.embedded_redis import EmbeddedRedis
from statuspage.notify import delivery, tasks
from statuspage.notify.models import Delivery, Mode, Notice, Subscriber, SubscriberState
from statuspage.status import services
from statuspage.status.models import Incident

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def until(condition, timeout: float, what: str, sweep: bool = False) -> float:
    """Wait for `condition`, polling briskly; returns the seconds it took. With `sweep`, run
    the sweeper as beat would, every half second here instead of every 15 s."""
    started = deadline = time.monotonic()
    deadline += timeout
    swept = 0.0
    while time.monotonic() < deadline:
        if condition():
            return time.monotonic() - started
        if sweep and time.monotonic() - swept > 0.5:
            tasks.sweep()
            swept = time.monotonic()
        time.sleep(0.05)
    states = list(Delivery.objects.values_list("status", "last_error").annotate(n=Count("id")))
    raise AssertionError(f"timed out waiting for {what}; deliveries: {states}")


def test_subscribe_confirm_and_receive_by_email_and_webhook(
    client, components, mailbox, receiver, start_worker
):
    start_worker()
    client.post("/subscribe", {"mode": "email", "email": "ana@example.com", "language": "en"})
    [confirmation] = mailbox.wait_for(1)
    confirm = re.search(
        r"http://127\.0\.0\.1:8000(/subscribe/confirm/\S+)",
        confirmation.get_body(("plain",)).get_content(),
    )
    client.post(confirm.group(1))
    hook = Subscriber.objects.create(
        mode=Mode.WEBHOOK,
        email="ops@example.com",
        endpoint=receiver.url("/ok"),
        state=SubscriberState.ACTIVE,
    )

    services.open_incident(
        Incident(name="Disbursement failing"),
        body="Payouts are failing.",
        component_statuses={components["disbursement"]: "major_outage"},
    )
    messages = mailbox.wait_for(2)
    assert "Disbursement failing" in messages[1]["Subject"]
    received = receiver.wait_for(2)  # the component change and the incident
    from standardwebhooks import Webhook

    kinds = {
        next(
            iter(
                set(Webhook(hook.secret).verify(r.body, r.headers))
                & {"incident", "component_update"}
            )
        )
        for r in received
    }
    assert kinds == {"incident", "component_update"}
    until(lambda: not Delivery.objects.exclude(status="delivered").exists(), 20, "all delivered")


def test_a_worker_killed_mid_fan_out_loses_nothing(
    components, receiver, start_worker, settings, monkeypatch
):
    settings.DELIVERY_LEASE_SECONDS = 3
    monkeypatch.setattr(delivery, "FAN_OUT_GRACE", timedelta(0))  # the sweeper's, in this process
    monkeypatch.setattr(delivery, "REDISPATCH_AFTER", timedelta(seconds=3))
    Subscriber.objects.bulk_create(
        Subscriber(
            id=f"hook{n:08d}", mode=Mode.WEBHOOK, email=f"o{n}@example.com",
            endpoint=receiver.url(f"/ok?n={n}"), state=SubscriberState.ACTIVE,
        )
        for n in range(2000)
    )  # fmt: skip
    first = start_worker(DELIVERY_LEASE_SECONDS="3")
    services.open_incident(Incident(name="Payout failure"), body="Failing.", notify=True)
    until(lambda: len(receiver.received) >= 200, 60, "the first deliveries")
    first.kill()
    killed_at = len(receiver.received)
    assert killed_at < 2000, "the worker finished before it could be killed"

    start_worker(DELIVERY_LEASE_SECONDS="3")
    took = until(
        lambda: Delivery.objects.filter(status="delivered").count() == 2000,
        90,
        "every delivery delivered",
        sweep=True,
    )
    uids = set(Delivery.objects.values_list("uid", flat=True))
    seen = set(receiver.ids())
    assert len(uids) == 2000
    assert seen == uids  # every webhook-id arrived at least once, and no stranger
    assert Notice.objects.get().fanned_out_at is not None
    # Only what the killed worker had in flight went twice: leases are renewed while sending.
    assert len(receiver.ids()) - len(uids) <= settings.WEBHOOK_CONCURRENCY * 2
    assert took < 60


@pytest.fixture
def own_redis(tmp_path, monkeypatch):
    """A Redis of this test's own, so it can be stopped without touching anyone else's."""
    server = EmbeddedRedis(tmp_path / "broker.sock").start()
    broker = "redis+socket://" + str(server.socket_path)
    monkeypatch.setattr(celery_app.conf, "broker_url", broker)
    _forget_connections()
    yield server
    server.stop()
    monkeypatch.undo()
    _forget_connections()


def _forget_connections() -> None:
    """Make the Celery app connect afresh to whatever broker_url now says."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def test_an_update_posted_while_redis_is_down_is_delivered_when_it_returns(
    components, mailbox, start_worker, email_subscriber, own_redis, monkeypatch
):
    monkeypatch.setattr(delivery, "FAN_OUT_GRACE", timedelta(0))
    email_subscriber("ana@example.com")
    start_worker(REDIS_URL=own_redis.url)
    own_redis.stop()

    started = time.monotonic()
    services.open_incident(Incident(name="Borrowing paused"), body="Paused.", notify=True)
    assert time.monotonic() - started < 5  # posting does not hang on the dead broker
    notice = Notice.objects.get()
    assert notice.fanned_out_at is None

    own_redis.start()
    until(lambda: len(mailbox.messages) == 1, 90, "the email after Redis came back", sweep=True)
    assert "Borrowing paused" in mailbox.messages[0]["Subject"]
    # the worker records the outcome just after the mail server accepts the message
    until(lambda: Delivery.objects.get().status == "delivered", 10, "the delivery recorded")
