"""Publishing writes a notice in the update's transaction; fan-out turns it into deliveries."""

from __future__ import annotations

import pytest

from statuspage.notify import delivery
from statuspage.notify.models import Delivery, Notice, SubscriberState
from statuspage.status import services


def fan_out(notice: Notice) -> list[tuple[str, list[int]]]:
    sent: list[tuple[str, list[int]]] = []
    delivery.fan_out(notice.pk, lambda mode, ids: sent.append((mode, ids)))
    return sent


def test_publishing_writes_a_notice_in_the_same_transaction(components, open_outage):
    incident = open_outage()
    notice = Notice.objects.get(kind="incident_update")
    assert notice.incident == incident
    assert notice.update == incident.updates.get()
    assert notice.component_ids == [components["disbursement"].pk]
    assert notice.payload["incident"]["name"] == "Disbursement failing"
    assert notice.payload["page"]["status_indicator"] == "major"


def test_an_update_without_notifications_writes_no_notice(components, open_outage):
    open_outage(notify=False)
    assert not Notice.objects.filter(kind="incident_update").exists()


def test_a_rolled_back_update_leaves_no_notice(components, open_outage):
    with pytest.raises(Exception, match="x"):
        from django.db import transaction

        with transaction.atomic():
            open_outage()
            raise RuntimeError("x")
    assert not Notice.objects.exists()


def test_fan_out_reaches_subscribers_whose_components_intersect(
    components, email_subscriber, open_outage
):
    everything = email_subscriber("all@example.com")
    payouts = email_subscriber("payouts@example.com", components=[components["disbursement"]])
    identity = email_subscriber("identity@example.com", components=[components["identity"]])
    email_subscriber("later@example.com").delete()
    open_outage()
    fan_out(Notice.objects.get())
    assert set(Delivery.objects.values_list("subscriber_id", flat=True)) == {
        everything.pk,
        payouts.pk,
    }
    assert identity.pk not in Delivery.objects.values_list("subscriber_id", flat=True)


def test_only_active_subscribers_are_reached(components, email_subscriber, open_outage):
    active = email_subscriber("active@example.com")
    for state, address in [
        (SubscriberState.UNCONFIRMED, "unconfirmed@example.com"),
        (SubscriberState.QUARANTINED, "quarantined@example.com"),
        (SubscriberState.UNSUBSCRIBED, "gone@example.com"),
    ]:
        subscriber = email_subscriber(address)
        subscriber.state = state
        subscriber.save()
    open_outage()
    fan_out(Notice.objects.get())
    assert list(Delivery.objects.values_list("subscriber_id", flat=True)) == [active.pk]


def test_fan_out_run_twice_creates_no_duplicates(components, email_subscriber, open_outage):
    for n in range(5):
        email_subscriber(f"s{n}@example.com")
    open_outage()
    notice = Notice.objects.get()
    first = fan_out(notice)
    assert Delivery.objects.count() == 5
    assert fan_out(notice) == []
    assert Delivery.objects.count() == 5
    assert sum(len(ids) for _, ids in first) == 5


def test_an_interrupted_fan_out_resumes_without_duplicates(
    components, email_subscriber, monkeypatch, open_outage
):
    for n in range(7):
        email_subscriber(f"s{n}@example.com")
    open_outage()
    notice = Notice.objects.get()
    monkeypatch.setattr(delivery, "FAN_OUT_PAGE", 3)
    calls = []

    def die_after_first_page(mode, ids):
        calls.append(ids)
        raise SystemExit("worker killed")

    with pytest.raises(SystemExit):
        delivery.fan_out(notice.pk, die_after_first_page)
    assert Delivery.objects.count() == 3
    notice.refresh_from_db()
    assert notice.fanned_out_at is None
    # the deliveries of the first page were never handed out; the sweeper finds them later
    rest = fan_out(notice)
    assert Delivery.objects.count() == 7
    assert sum(len(ids) for _, ids in rest) == 4


def test_followers_of_one_incident_hear_only_about_it(components, email_subscriber, open_outage):
    incident = open_outage()
    follower = email_subscriber("follower@example.com", incident=incident)
    other = open_outage(down={"credit": "major_outage"})
    fan_out(Notice.objects.get(incident=other))
    assert not Delivery.objects.filter(subscriber=follower).exists()
    services.post_update(incident, status="identified", body="Found it.")
    fan_out(Notice.objects.filter(incident=incident).latest("created_at"))
    assert Delivery.objects.filter(subscriber=follower).count() == 1


def test_component_changes_reach_webhooks_only(components, email_subscriber, webhook_subscriber):
    email_subscriber("mail@example.com")
    hook = webhook_subscriber()
    services.set_component_status(components["app"], "degraded_performance")
    notice = Notice.objects.get(kind="component_update")
    assert notice.payload["component_update"]["new_status"] == "degraded_performance"
    assert notice.payload["component"]["id"] == components["app"].pk
    fan_out(notice)
    assert list(Delivery.objects.values_list("subscriber_id", flat=True)) == [hook.pk]


def test_no_component_notices_are_written_without_webhook_subscribers(components, email_subscriber):
    email_subscriber("mail@example.com")
    services.set_component_status(components["app"], "degraded_performance")
    assert not Notice.objects.filter(kind="component_update").exists()


def test_following_the_page_and_an_incident_brings_each_notice_once(
    components, email_subscriber, webhook_subscriber, open_outage
):
    incident = open_outage()
    page_wide = email_subscriber("ana@example.com")
    email_subscriber("ana@example.com", incident=incident)
    only_the_incident = email_subscriber("bo@example.com", incident=incident)
    services.post_update(incident, status="identified", body="Found it.")
    fan_out(Notice.objects.filter(incident=incident).latest("created_at"))
    assert sorted(Delivery.objects.values_list("subscriber_id", flat=True)) == sorted(
        [page_wide.pk, only_the_incident.pk]
    )


def test_only_subscribers_confirmed_before_the_notice_was_written_receive_it(
    components, email_subscriber, open_outage
):
    before = email_subscriber("before@example.com")
    open_outage()
    email_subscriber("after@example.com")  # confirmed after the update was posted
    fan_out(Notice.objects.get())
    assert list(Delivery.objects.values_list("subscriber_id", flat=True)) == [before.pk]
