"""The history as Atom and RSS, and maintenance as a calendar: read with real parsers."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import feedparser
import icalendar
import pytest
from django.conf import settings
from django.utils import timezone, translation

from statuspage.status import services
from statuspage.status.models import Incident, IncidentStatus


@pytest.fixture
def history(components, commit):
    start = timezone.now() - timedelta(days=2)
    outage = commit(
        services.open_incident,
        Incident(name="Disbursement failing"),
        body="Loans are **not** being paid out.",
        component_statuses={components["disbursement"]: "major_outage"},
        at=start,
    )
    commit(
        services.post_update,
        outage,
        status="resolved",
        body="Paid out again.",
        component_statuses={components["disbursement"]: "operational"},
        at=start + timedelta(hours=1),
    )
    slow = commit(
        services.open_incident,
        Incident(name="Credit checks slow"),
        body="Slow.",
        at=start + timedelta(days=1),
    )
    return {"outage": outage, "slow": slow}


@pytest.mark.parametrize("path", ["/history.atom", "/history.rss"])
def test_each_incident_is_an_entry_newest_first(client, history, path):
    response = client.get(path)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert [e.title for e in feed.entries] == ["Credit checks slow", "Disbursement failing"]
    outage = feed.entries[1]
    assert outage.link == f"http://127.0.0.1:8000/incidents/{history['outage'].id}"
    html = outage.content[0].value if path.endswith("atom") else outage.summary
    assert html.index("Paid out again.") < html.index("being paid out")  # newest update first
    with translation.override(settings.LANGUAGE_CODE):  # feeds speak the page's language
        assert f"<strong>{IncidentStatus.RESOLVED.label}</strong>" in html
    assert "<strong>not</strong>" in html  # the message's markdown, rendered
    assert "<time" in html


def test_the_atom_feed_gives_content_and_times(client, history):
    feed = feedparser.parse(client.get("/history.atom").content)
    entry = feed.entries[1]
    assert entry.content[0].type == "text/html"
    assert entry.published_parsed[:5] == history["outage"].created_at.utctimetuple()[:5]
    assert feed.feed.links[0].href == "http://127.0.0.1:8000/history"


def test_feeds_are_served_from_the_cache(client, history, django_assert_num_queries):
    first = client.get("/history.rss").content
    with django_assert_num_queries(0):
        assert client.get("/history.rss", HTTP_HOST="localhost").content == first


def test_a_new_incident_reaches_the_feed(client, history, commit):
    client.get("/history.atom")
    commit(services.open_incident, Incident(name="App down"), body="Down.")
    assert feedparser.parse(client.get("/history.atom").content).entries[0].title == "App down"


@pytest.fixture
def maintenance(schedule_maintenance):
    now = timezone.now()
    schedule = partial(schedule_maintenance, committed=True)
    upcoming = schedule("Database upgrade", now + timedelta(days=3))
    running = schedule("Network work", now - timedelta(hours=1), status="in_progress")
    far_past = schedule("Old work", now + timedelta(days=1))
    # Pretend it ran 40 days ago: beyond "recent".
    Incident.objects.filter(pk=far_past.pk).update(
        scheduled_for=now - timedelta(days=40), scheduled_until=now - timedelta(days=40, hours=-2)
    )
    return {"upcoming": upcoming, "running": running, "far_past": far_past}


def test_the_calendar_holds_upcoming_and_recent_maintenance(client, maintenance):
    response = client.get("/maintenance.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"Database upgrade", "Network work"}
    upgrade = events["Database upgrade"]
    assert upgrade.decoded("dtstart") == maintenance["upcoming"].scheduled_for.replace(
        microsecond=0
    )
    assert upgrade.decoded("dtend") == maintenance["upcoming"].scheduled_until.replace(
        microsecond=0
    )
    assert str(upgrade["uid"]) == f"{maintenance['upcoming'].id}@127.0.0.1"
    assert str(upgrade["url"]).endswith(f"/incidents/{maintenance['upcoming'].id}")
    assert "Database upgrade: planned." in str(upgrade["description"])
    assert "信用评估" in str(upgrade["description"])


def test_the_calendar_is_cached_until_the_day_moves(client, maintenance, django_assert_num_queries):
    first = client.get("/maintenance.ics").content
    with django_assert_num_queries(0):
        assert client.get("/maintenance.ics").content == first
