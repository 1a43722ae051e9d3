"""A notice fanned out to email, webhooks and every kind of chat robot at once, by a real
Celery worker that is killed in the middle: nothing is lost on any channel."""

from __future__ import annotations

from datetime import timedelta

import pytest

from statuspage.notify import delivery
from statuspage.notify.models import Delivery, Subscriber, SubscriberState
from statuspage.status import services
from statuspage.status.models import Incident
from tests.notify.test_worker import until
from tests.notify.workers import subscribe_every_channel

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

EACH = 40  # subscribers per channel; robots are spread over the five apps (a long run of
# this scenario belongs in bench/fanout.py --faults, the suite keeps it small and robust)


def test_a_worker_killed_mid_fan_out_to_every_channel_loses_nothing(
    components,
    stand_in,
    mailbox,
    start_worker,
    settings,
    monkeypatch,
):
    settings.DELIVERY_LEASE_SECONDS = 3
    monkeypatch.setattr(delivery, "FAN_OUT_GRACE", timedelta(0))
    monkeypatch.setattr(delivery, "REDISPATCH_AFTER", timedelta(seconds=3))
    apps = subscribe_every_channel(stand_in, EACH)
    first = start_worker(DELIVERY_LEASE_SECONDS="3", WEBHOOK_TIMEOUT_SECONDS="15")
    services.open_incident(Incident(name="Payout failure"), body="Failing.", notify=True)
    until(lambda: len(stand_in.received) + len(mailbox.messages) >= 20, 60, "the first ones")
    first.kill()
    assert Delivery.objects.exclude(status="delivered").exists(), "finished before the kill"

    start_worker(DELIVERY_LEASE_SECONDS="3", WEBHOOK_TIMEOUT_SECONDS="15")
    until(
        lambda: Delivery.objects.filter(status="delivered").count() == 3 * EACH,
        120,
        "every delivery delivered",
        sweep=True,
    )
    assert Delivery.objects.count() == 3 * EACH
    assert {m["To"] for m in mailbox.messages} == {f"r{n}@example.com" for n in range(EACH)}
    hooks = {r.query["n"] for r in stand_in.received if r.path == "/hook"}
    assert hooks == {str(n) for n in range(EACH)}
    robots = {r.query["n"] for app in apps for r in stand_in.of(app)}
    assert robots == {str(n) for n in range(EACH)}
    assert not Subscriber.objects.exclude(state=SubscriberState.ACTIVE).exists()
