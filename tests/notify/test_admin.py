"""Operators see who was notified and what failed, and can replay and reactivate."""

from __future__ import annotations

import pytest

from statuspage.notify import delivery
from statuspage.notify.models import Delivery, Notice
from statuspage.status import services
from statuspage.status.models import Incident


@pytest.fixture
def failed_hook(components, webhook_subscriber, receiver):
    hook = webhook_subscriber("/fail")
    services.open_incident(Incident(name="Payouts failing"), body="Failing.")
    notice = Notice.objects.get(kind="incident_update")
    delivery.fan_out(notice.pk, lambda mode, ids: delivery.deliver(ids))
    return hook


def test_the_admin_index_counts_deliveries_that_need_attention(operator_client, failed_hook):
    body = operator_client.get("/admin/").content.decode()
    assert "Deliveries" in body
    assert "Failed, will retry: <strong>1</strong>" in body
    assert "Gave up: <strong>0</strong>" in body


def test_failed_deliveries_can_be_listed_with_their_attempts(operator_client, failed_hook):
    listing = operator_client.get("/admin/notify/delivery/?status__exact=failed").content.decode()
    failed = Delivery.objects.get(status="failed")
    assert failed.uid in listing
    detail = operator_client.get(f"/admin/notify/delivery/{failed.pk}/change/").content.decode()
    assert "HTTP 500" in detail
    assert "500" in detail


def test_a_notice_shows_its_delivery_counts_and_payload(operator_client, failed_hook):
    notice = Notice.objects.get(kind="incident_update")
    body = operator_client.get(f"/admin/notify/notice/{notice.pk}/change/").content.decode()
    assert "Failed, will retry: 1" in body
    assert "Payouts failing" in body


def test_a_subscriber_page_lists_its_deliveries(operator_client, failed_hook):
    body = operator_client.get(
        f"/admin/notify/subscriber/{failed_hook.pk}/change/"
    ).content.decode()
    assert "Failed, will retry" in body
    assert "whsec_" in body and failed_hook.secret not in body  # never the whole secret


def test_replay_sends_again_now(operator_client, failed_hook, receiver):
    failed = Delivery.objects.get(status="failed")
    response = operator_client.post(
        "/admin/notify/delivery/",
        {"action": "replay_selected", "_selected_action": [failed.pk]},
    )
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("pending", 0)
    delivery.deliver([failed.pk])  # what the worker does with the task the action queued
    assert len(receiver.received) == 2


def test_reactivating_a_quarantined_subscriber(operator_client, failed_hook):
    failed_hook.state = "quarantined"
    failed_hook.save()
    response = operator_client.post(
        "/admin/notify/subscriber/",
        {"action": "reactivate_selected", "_selected_action": [failed_hook.pk]},
    )
    assert response.status_code == 302
    failed_hook.refresh_from_db()
    assert failed_hook.state == "active"


def test_staff_who_are_not_operators_see_no_deliveries(outsider, failed_hook):
    from django.test import Client

    client = Client()
    client.force_login(outsider)
    assert client.get("/admin/notify/delivery/").status_code == 403
    assert b"Deliveries" not in client.get("/admin/").content


def test_a_notice_shows_the_payload_each_language_gets(operator_client, outage):
    outage(name={"zh-hans": "放款失败", "en": "Payouts failing"})
    notice = Notice.objects.get(kind="incident_update")
    body = operator_client.get(f"/admin/notify/notice/{notice.pk}/change/").content.decode()
    assert "&quot;zh-hans&quot;: {" in body and "&quot;en&quot;: {" in body
    assert body.index("放款失败") < body.index("Payouts failing")  # the default language first
