"""Announcements leave the page when they expire, closed through an ordinary update."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from statuspage.status import maintenance, services, signals
from statuspage.status.models import Incident, Page


def announce(expires_in: timedelta | None) -> Incident:
    return services.open_incident(
        Incident(
            kind="announcement",
            name="Repay at any bank counter",
            expires_at=timezone.now() + expires_in if expires_in else None,
        ),
        body="From Monday you can repay at any bank counter.",
    )


def test_an_expired_announcement_is_resolved_and_leaves_the_page(client, components, commit):
    notice = announce(timedelta(hours=1))
    assert (
        "Repay at any bank counter" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    version = Page.get().version
    notified = []

    def record(update, notify, **kwargs):
        notified.append(notify)

    signals.update_published.connect(record)
    try:
        assert commit(maintenance.run_due, notice.expires_at + timedelta(seconds=1)) == 1
    finally:
        signals.update_published.disconnect(record)

    notice.refresh_from_db()
    assert notice.status == "resolved"
    assert notice.resolved_at is not None
    assert notice.updates.first().status == "resolved"
    assert notified == [False]  # leaving the page is not news for subscribers
    assert Page.get().version > version
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Repay at any bank counter" not in body.split("Past incidents")[0]


def test_an_announcement_stays_until_it_expires_and_forever_without_an_expiry(components):
    soon = announce(timedelta(hours=1))
    forever = announce(None)
    assert maintenance.run_due(timezone.now() + timedelta(minutes=30)) == 0
    assert maintenance.run_due(timezone.now() + timedelta(days=3650)) == 1
    soon.refresh_from_db()
    forever.refresh_from_db()
    assert (soon.status, forever.status) == ("resolved", "identified")


@pytest.mark.parametrize(
    ("kind", "expires_in", "message"),
    [
        ("announcement", -timedelta(minutes=1), "must be in the future"),
        ("incident", timedelta(hours=1), "Only announcements expire"),
    ],
)
def test_a_bad_expiry_is_refused_and_nothing_is_saved(components, kind, expires_in, message):
    with pytest.raises(ValidationError, match=message):
        services.open_incident(
            Incident(kind=kind, name="Notice", expires_at=timezone.now() + expires_in),
            body="Text.",
        )
    assert not Incident.objects.exists()
