"""A visitor surge is a signal: page views are counted per minute at the cost of one integer
increment a request, flushed to Redis; a surge with nothing on the page tells the operators
once; views per minute are on the console's front page during an incident."""

from __future__ import annotations

import io
from wsgiref.util import setup_testing_defaults

import pytest
from django.core import mail

from statuspage.lib.redis import redis_client
from statuspage.monitors import surge
from statuspage.readpath import views_counter
from statuspage.status import services
from statuspage.wsgi import application

NOW = 29_000_000  # a minute since the epoch; the last complete one is NOW - 1


@pytest.fixture(autouse=True)
def operators(operator, settings):
    operator.email = "olga@example.com"
    operator.save()
    settings.ADMINS = []
    settings.VISITOR_SURGE_FACTOR = 5
    settings.VISITOR_SURGE_MIN_VIEWS = 100
    views_counter.COUNTER.hits = 0


def views(minute: int, count: int) -> None:
    redis_client().set(views_counter.key(minute), count)


def hour_of(rate: int, before: int = NOW - 1) -> None:
    for minute in range(before - 60, before):
        views(minute, rate)


def wsgi_get(path: str) -> bytes:
    environ = {"PATH_INFO": path, "QUERY_STRING": "", "REQUEST_METHOD": "GET"}
    environ["wsgi.input"] = io.BytesIO(b"")
    setup_testing_defaults(environ)
    environ["SERVER_NAME"] = "127.0.0.1"
    result = application(environ, lambda status, headers, exc_info=None: None)
    body = b"".join(result)
    if hasattr(result, "close"):
        result.close()
    return body


@pytest.mark.usefixtures("keep_the_test_connection")
def test_views_are_counted_on_both_paths_and_flushed_per_minute(components):
    for _ in range(3):
        wsgi_get("/")  # the first through Django, the others from the fast path
    wsgi_get("/api/v2/summary.json")
    wsgi_get("/admin/login/")  # not the public read path: not counted
    views_counter.flush()  # what this process's flushing thread has not moved yet
    assert views_counter.COUNTER.hits == 0
    now = views_counter.minute_of()
    assert sum(views_counter.per_minute(now - 1, now)) == 4  # the thread may cross a minute
    assert 0 < redis_client().ttl(views_counter.key(now)) <= 7200
    assert views_counter.flush() == 0


@pytest.mark.usefixtures("keep_the_test_connection")
def test_render_on_write_is_not_counted_as_views(components):
    from statuspage.readpath import publish

    assert publish.render_each()  # every published page, through Django
    views_counter.flush()
    now = views_counter.minute_of()
    assert views_counter.COUNTER.hits == 0
    assert sum(views_counter.per_minute(now - 1, now)) == 0


def test_a_surge_on_a_quiet_page_tells_the_operators_once(components, commit):
    hour_of(10)
    views(NOW - 1, 400)
    reading = commit(surge.check, NOW)
    assert reading.surging and reading.views == 400 and reading.hourly_rate == 10
    assert [m.subject for m in mail.outbox] == ["访问量激增：一分钟内 400 次页面访问"]
    views(NOW, 500)
    commit(surge.check, NOW + 1)  # the same surge, a minute on
    assert len(mail.outbox) == 1
    views(NOW + 1, 12)
    assert not commit(surge.check, NOW + 2).surging  # a quiet minute ends it
    views(NOW + 2, 600)
    commit(surge.check, NOW + 3)  # a new surge is told again
    assert len(mail.outbox) == 2


@pytest.mark.parametrize(
    ("rate", "last", "surging"),
    [(10, 49, False), (10, 99, False), (30, 149, False), (30, 150, True), (0, 100, True)],
)
def test_what_counts_as_a_surge(components, rate, last, surging):
    hour_of(rate)
    views(NOW - 1, last)
    assert surge.read(NOW).surging is surging


def test_no_alert_while_the_page_already_says_something(open_outage, commit):
    open_outage()
    hour_of(10)
    views(NOW - 1, 400)
    assert commit(surge.check, NOW).surging
    assert mail.outbox == []


def test_the_console_shows_views_per_minute_during_an_incident(components, operator_client):
    assert "monitor-watch" not in operator_client.get("/admin/").content.decode()
    services.set_component_status(components["credit"], "major_outage")
    now = views_counter.minute_of()
    for minute, count in zip(range(now - 5, now), [3, 5, 8, 120, 640], strict=True):
        views(minute, count)
    page = operator_client.get("/admin/").content.decode()
    assert 'id="monitor-watch"' in page
    assert "Page views in the last minute: <strong>640</strong>" in page
    assert "3 · 5 · 8 · 120 · 640" in page
