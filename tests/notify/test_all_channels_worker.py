"""One notice to email, webhooks, chat robots and SMS at once, by a real Celery worker that is
SIGKILLed while it is sending the SMS: a new worker finishes the fan-out, every subscriber on
every channel gets the notice at least once, and what goes twice is only what the dead worker
had in flight."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest

from statuspage.notify import delivery, sms
from statuspage.notify.models import (
    Delivery,
    DeliveryStatus,
    Mode,
    SmsTemplate,
    Subscriber,
    SubscriberState,
)
from statuspage.status import services
from statuspage.status.models import Incident
from tests.notify.sms_standins import TencentStandIn
from tests.notify.test_worker import until
from tests.notify.workers import phone, subscribe_every_channel

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

EACH = 30  # subscribers per channel; the long run of this is bench/fanout.py --faults
SMS_ANSWER_SECONDS = 0.3  # the provider takes this long per SMS, so the kill lands mid-SMS


class SlowTencent(TencentStandIn):
    """Tencent Cloud's stand-in (signature checked), answering each SendSms after a pause."""

    def answer(self, request, body):
        time.sleep(SMS_ANSWER_SECONDS)
        return super().answer(request, body)


@pytest.fixture
def provider(settings) -> Iterator[SlowTencent]:
    """SMS_URL at the stand-in, with the operator's approved template for an opened incident."""
    settings.ALLOW_PRIVATE_ADDRESSES = True
    server = SlowTencent()
    settings.SMS_URL = server.url(variable_limit="0")
    for language in ("zh-hans", "en"):
        SmsTemplate.objects.create(
            kind="incident_opened", language=language, template_code="1110001",
            text="{1}：{2}。详情{3} 回复TD退订",
            variables={"1": "title", "2": "status", "3": "url"},
        )  # fmt: skip
    yield server
    server.close()
    sms.forget()


def test_a_worker_killed_while_sending_sms_loses_nothing_on_any_channel(
    components,
    stand_in,
    provider,
    mailbox,
    start_worker,
    settings,
    monkeypatch,
):
    settings.DELIVERY_LEASE_SECONDS = 3
    monkeypatch.setattr(delivery, "FAN_OUT_GRACE", timedelta(0))
    monkeypatch.setattr(delivery, "REDISPATCH_AFTER", timedelta(seconds=3))
    apps = subscribe_every_channel(stand_in, EACH, with_sms=True)
    env = {"DELIVERY_LEASE_SECONDS": "3", "WEBHOOK_TIMEOUT_SECONDS": "15",
           "SMS_URL": settings.SMS_URL}  # fmt: skip
    first = start_worker(**env)
    services.open_incident(Incident(name="Payout failure"), body="Failing.", notify=True)
    until(lambda: len(provider.sent) >= sms.SmsChannel.CONCURRENCY, 60, "the first SMS")
    first.kill()
    sms_rows = Delivery.objects.filter(mode=Mode.SMS)
    assert sms_rows.exclude(status=DeliveryStatus.DELIVERED).exists(), "SMS done before the kill"
    sent_before_the_kill = len(provider.sent)

    start_worker(**env)
    until(
        lambda: Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 4 * EACH,
        45,
        "every delivery delivered",
        sweep=True,
    )
    assert Delivery.objects.count() == 4 * EACH
    emails = Counter(m["To"] for m in mailbox.messages)
    hooks = Counter(r.query["n"] for r in stand_in.received if r.path == "/hook")
    robots = Counter(r.query["n"] for app in apps for r in stand_in.of(app))
    phones = Counter(s.phone for s in provider.sent)
    assert set(emails) == {f"r{n}@example.com" for n in range(EACH)}
    assert set(hooks) == set(robots) == {str(n) for n in range(EACH)}
    assert set(phones) == {phone(n) for n in range(EACH)}  # SMS resent after the kill
    assert len(provider.sent) > sent_before_the_kill
    assert provider.refused_signatures == 0
    # At least once, and only what the dead worker held went twice: never a third time, and
    # no more SMS repeated than it had in flight before its outcomes were written.
    for received in (emails, hooks, robots, phones):
        assert max(received.values()) <= 2
    assert len(provider.sent) - EACH <= 2 * sms.SmsChannel.CONCURRENCY
    assert max(sms_rows.values_list("attempts", flat=True)) <= 2
    assert not Subscriber.objects.exclude(state=SubscriberState.ACTIVE).exists()
