"""Delivery survives failures: one bad message, a dropped database, our own mail server refusing
us, a subscriber deleted mid-send, a batch that runs out of time. Real SMTP (aiosmtpd), real
HTTP receivers on 127.0.0.1, the real database."""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from statuspage.notify import delivery
from statuspage.notify.models import Attempt, Delivery, Subscriber
from statuspage.status import services
from tests.notify.workers import fan_out_all


def of(subscriber: Subscriber) -> Delivery:
    return Delivery.objects.filter(subscriber=subscriber).latest("id")


# 1. One failure does not lose the batch; the attempt cap holds on every path.


def test_a_message_that_cannot_be_built_fails_alone_and_the_rest_are_recorded(
    outage, email_subscriber, mailbox
):
    ana = email_subscriber("ana@example.com")
    bad = email_subscriber("bad@exämple.com")
    zoe = email_subscriber("zoe@example.com")
    Subscriber.objects.filter(pk=bad.pk).update(email="bad\n@exämple.com")  # a header injection
    outage()
    assert delivery.deliver(fan_out_all()) == 2
    assert {m["To"] for m in mailbox.messages} == {"ana@example.com", "zoe@example.com"}
    assert of(ana).status == of(zoe).status == "delivered"
    failed = of(bad)
    assert failed.status == "failed"
    assert failed.attempts == 1 and failed.lease_token == ""
    assert "newlines" in failed.last_error
    assert Attempt.objects.count() == 3


def test_a_delivery_whose_attempts_are_used_up_is_not_sent_again_but_given_up(
    outage, email_subscriber, mailbox
):
    ana = email_subscriber("ana@example.com")
    outage()
    [pk] = fan_out_all()
    # Its worker died during every attempt: leased, counted, never recorded.
    Delivery.objects.filter(pk=pk).update(
        attempts=delivery.MAX_ATTEMPTS, lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert delivery.deliver([pk]) == 0
    assert mailbox.messages == []
    given_up = of(ana)
    assert given_up.status == "dead"
    assert given_up.attempts == delivery.MAX_ATTEMPTS
    assert "gave up" in given_up.last_error


def test_the_sweeper_gives_up_deliveries_whose_workers_keep_dying(outage, email_subscriber):
    ana = email_subscriber("ana@example.com")
    outage()
    [pk] = fan_out_all()
    Delivery.objects.filter(pk=pk).update(
        attempts=delivery.MAX_ATTEMPTS, lease_until=timezone.now() - timedelta(seconds=1)
    )
    handed: list[int] = []
    found = delivery.sweep(lambda pk: None, lambda mode, ids: handed.extend(ids))
    assert handed == [] and found["given_up"] == 1
    assert of(ana).status == "dead"


# 2. Retry-After in every form a server sends, or none we understand.


@pytest.mark.parametrize(
    ("value", "at_least", "at_most"),
    [
        ("7200", timedelta(hours=2), timedelta(hours=2, minutes=1)),
        ("Sun Nov  6 08:49:37 2094", timedelta(hours=24), timedelta(hours=24, minutes=1)),
        ("Sun, 06 Nov 2094 08:49:37 -0000", timedelta(hours=24), timedelta(hours=24, minutes=1)),
        ("²", timedelta(seconds=40), timedelta(seconds=80)),  # a digit, but not an ASCII one
        ("soon", timedelta(seconds=40), timedelta(seconds=80)),
    ],
)
def test_retry_after_is_read_in_any_case_and_form_or_ignored(
    outage, webhook_subscriber, receiver, value, at_least, at_most
):
    from urllib.parse import quote

    hook = webhook_subscriber(f"/retry-after?value={quote(value)}")
    outage()
    delivery.deliver(fan_out_all())
    limited = of(hook)
    assert limited.status == "failed"
    assert limited.last_status_code == 429
    wait = limited.next_attempt_at - timezone.now()
    assert at_least - timedelta(seconds=5) <= wait <= at_most


# 4. Refusals about us are not blamed on subscribers.


@pytest.mark.parametrize(
    ("stage", "reply"),
    [
        ("RCPT", "554 5.7.1 <ana@example.com>: Relay access denied"),
        ("MAIL", "553 5.7.1 Sender address rejected: not owned by user"),
        ("DATA", "554 5.7.1 Message rejected by policy"),
    ],
)
def test_our_mail_server_refusing_us_is_retried_and_no_subscriber_is_blamed(
    outage, email_subscriber, mailbox, stage, reply, caplog
):
    ana = email_subscriber("ana@example.com")
    mailbox.replies["ana@example.com" if stage == "RCPT" else stage] = reply
    outage()
    delivery.deliver(fan_out_all())
    refused = of(ana)
    assert refused.status == "failed"  # retried, not given up after one attempt
    assert "our mail server refused" in refused.last_error
    ana.refresh_from_db()
    assert ana.state == "active"
    assert "Notifications are not going out" in caplog.text


def test_an_unknown_recipient_still_quarantines_the_address(outage, email_subscriber, mailbox):
    nobody = email_subscriber("nobody@example.com")
    mailbox.replies["nobody@example.com"] = "550 5.1.1 <nobody@example.com>: user unknown"
    outage()
    delivery.deliver(fan_out_all())
    assert of(nobody).status == "dead"
    nobody.refresh_from_db()
    assert nobody.state == "quarantined"


# 3. A batch fits its time limit.


def test_a_batch_stops_before_its_time_limit_and_gives_the_rest_back_unattempted(
    outage, email_subscriber, mailbox, settings
):
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 3
    settings.EMAIL_TIMEOUT = settings.WEBHOOK_TIMEOUT_SECONDS = 1  # a budget of 1 s
    mailbox.delay = 0.4
    for n in range(8):
        email_subscriber(f"s{n}@example.com")
    outage()
    ids = fan_out_all()
    requeued: list[int] = []
    sent = delivery.deliver(ids, lambda mode, chunk: requeued.extend(chunk))
    assert 1 <= sent < 8
    assert len(mailbox.messages) == sent
    assert Delivery.objects.filter(status="delivered").count() == sent
    rest = Delivery.objects.exclude(status="delivered")
    assert sorted(requeued) == sorted(rest.values_list("pk", flat=True))
    assert {(d.status, d.attempts, d.lease_token) for d in rest} == {("pending", 0, "")}
    while requeued:  # each fresh task sends what fits in its budget
        ids = list(requeued)
        requeued.clear()
        delivery.deliver(ids, lambda mode, chunk: requeued.extend(chunk))
    assert sorted(m["To"] for m in mailbox.messages) == [f"s{n}@example.com" for n in range(8)]
    assert set(Delivery.objects.values_list("status", "attempts")) == {("delivered", 1)}


# 8 and 15. The sweeper queues what is due once, and finds what was lost soon.


def sweep() -> list[int]:
    handed: list[int] = []
    delivery.sweep(lambda pk: None, lambda mode, ids: handed.extend(ids))
    return handed


def test_a_due_retry_is_queued_once_while_it_waits_in_the_queue(
    outage, webhook_subscriber, receiver
):
    hook = webhook_subscriber("/fail")
    outage()
    delivery.deliver(fan_out_all())
    failed = of(hook)
    Delivery.objects.filter(pk=failed.pk).update(next_attempt_at=timezone.now())
    assert sweep() == [failed.pk]
    assert sweep() == []  # still in the queue: not queued again
    Delivery.objects.filter(pk=failed.pk).update(
        dispatched_at=timezone.now() - delivery.REDISPATCH_AFTER - timedelta(seconds=1)
    )
    assert sweep() == [failed.pk]  # its message was lost: queued again


def test_a_delivery_whose_message_was_lost_is_found_within_the_grace_not_a_lease(
    outage, email_subscriber, settings
):
    settings.DELIVERY_LEASE_SECONDS = 3600
    email_subscriber("ana@example.com")
    outage()
    [pk] = fan_out_all()  # handed out, but the message (or its claim) never happened
    assert sweep() == []
    Delivery.objects.filter(pk=pk).update(
        dispatched_at=timezone.now() - delivery.REDISPATCH_AFTER - timedelta(seconds=1)
    )
    assert sweep() == [pk]


def test_a_subscriber_gets_notices_in_the_order_they_were_written(
    outage, email_subscriber, mailbox
):
    ana = email_subscriber("ana@example.com")
    incident = outage()
    services.post_update(incident, status="identified", body="Found it.")
    fan_out_all()
    first, second = Delivery.objects.filter(subscriber=ana).order_by("notice_id")
    assert delivery.deliver([second.pk]) == 0  # the earlier notice has not been attempted
    assert delivery.deliver([first.pk]) == 1
    assert delivery.deliver([second.pk]) == 1
    assert [m["Subject"].split(": ")[0].split("] ")[1] for m in mailbox.messages] == [
        "Investigating",
        "Identified",
    ]


def test_notices_in_one_batch_go_out_at_once_oldest_first(outage, email_subscriber, mailbox):
    ana = email_subscriber("ana@example.com")
    incident = outage()
    services.post_update(incident, status="identified", body="Found it.")
    fan_out_all()
    first, second = Delivery.objects.filter(subscriber=ana).order_by("notice_id")
    assert delivery.deliver([second.pk, first.pk]) == 2  # neither waits for the sweeper
    assert [m["Subject"].split(": ")[0].split("] ")[1] for m in mailbox.messages] == [
        "Investigating",
        "Identified",
    ]


def test_a_webhook_round_never_sends_one_subscriber_two_notices_at_once(components):
    from statuspage.notify.channels import rounds_of

    def row(subscriber: int, notice: int) -> Delivery:
        return Delivery(subscriber_id=subscriber, notice_id=notice)

    batch = [row(1, 1), row(2, 1), row(1, 2), row(3, 1), row(1, 3), row(2, 2)]
    rounds = [[(d.subscriber_id, d.notice_id) for d in r] for r in rounds_of(batch, 3)]
    assert rounds == [[(1, 1), (2, 1), (3, 1)], [(1, 2), (2, 2)], [(1, 3)]]


# 5 and 14: the database changes under a batch.


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_subscriber_deleted_mid_send_is_skipped_and_the_rest_recorded(
    outage, email_subscriber, mailbox
):
    subscribers = [email_subscriber(f"s{n}@example.com") for n in range(3)]
    doomed = subscribers[1]

    def delete_when_sent(message) -> None:
        if message["To"] == doomed.email:
            Subscriber.objects.filter(pk=doomed.pk).delete()
            connection.close()  # this is the mail server's thread

    mailbox.on_message = delete_when_sent
    outage()
    assert delivery.deliver(fan_out_all()) == 3
    assert not Delivery.objects.filter(subscriber_id=doomed.pk).exists()
    assert Delivery.objects.filter(status="delivered").count() == 2
    assert Attempt.objects.count() == 2


def take_the_database_away_for_a_moment(worker_pid: int | None, done: threading.Event) -> None:
    """The worker's database goes away as the message is being sent: on PostgreSQL its
    connection is terminated (as a restart does); on SQLite another process locks the file for
    a second (the only outage a file database has)."""
    if connection.vendor == "postgresql":
        import psycopg

        params = {**connection.get_connection_params(), "autocommit": True}
        params.pop("cursor_factory", None)
        with psycopg.connect(**params) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [worker_pid])
        done.set()
        return
    other = sqlite3.connect(connection.settings_dict["NAME"], check_same_thread=False)
    other.execute("BEGIN EXCLUSIVE")
    done.set()
    threading.Timer(1.0, lambda: (other.rollback(), other.close())).start()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_recording_survives_the_database_going_away_for_a_moment(
    outage, email_subscriber, mailbox, monkeypatch
):
    if connection.vendor == "sqlite":
        monkeypatch.setitem(connection.settings_dict["OPTIONS"], "timeout", 0.3)
        connection.close()
    monkeypatch.setattr(delivery, "RECORD_RETRY_WAIT", 0.5)
    ana = email_subscriber("ana@example.com")
    gone = threading.Event()
    connection.ensure_connection()  # the one deliver() below records on
    worker_pid = (
        connection.connection.info.backend_pid if connection.vendor == "postgresql" else None
    )
    mailbox.on_message = lambda message: take_the_database_away_for_a_moment(worker_pid, gone)
    outage()
    assert delivery.deliver(fan_out_all()) == 1
    assert gone.is_set()
    recorded = of(ana)
    assert recorded.status == "delivered" and recorded.lease_token == ""
    assert len(mailbox.messages) == 1


# 7. No network inside a database transaction.


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_webhook_endpoint_is_resolved_before_the_subscription_transaction(monkeypatch):
    from statuspage.lib import outbound
    from statuspage.notify import subscriptions

    resolved_inside: list[bool] = []
    real = outbound.resolve_public

    def watched(url: str, *, allow_private: bool) -> None:
        resolved_inside.append(connection.in_atomic_block)
        real(url, allow_private=allow_private)

    monkeypatch.setattr(outbound, "resolve_public", watched)
    subscriptions.subscribe(email="ops@example.com", endpoint="https://1.1.1.1/hook")
    assert resolved_inside == [False]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_quarantined_webhooks_owner_is_emailed_after_the_claim_commits(
    webhook_subscriber, mailbox
):
    from statuspage.notify import tasks

    hook = webhook_subscriber("/fail")
    Subscriber.objects.filter(pk=hook.pk).update(
        state="quarantined", quarantine_reason="failing for the whole retry window"
    )
    seen_by_others: list[bool] = []

    def look_from_another_connection(message) -> None:
        seen_by_others.append(Subscriber.objects.get(pk=hook.pk).owner_notified_at is not None)
        connection.close()

    mailbox.on_message = look_from_another_connection
    tasks.tell_owner(hook.pk)
    assert seen_by_others == [True]
    tasks.tell_owner(hook.pk)  # once only
    assert len(mailbox.messages) == 1
