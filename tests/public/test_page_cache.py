"""Cheap reads: a page is rendered once per version and language, then served from the cache."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import brotli
import pytest

from statuspage.lib.redis import redis_client
from statuspage.status import services
from statuspage.status.models import Incident

PATHS = ["/", "/history"]


@pytest.mark.parametrize("path", PATHS)
def test_an_unchanged_page_costs_zero_queries(client, components, django_assert_num_queries, path):
    first = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    with django_assert_num_queries(0):
        second = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert second.content == first.content


def test_languages_are_cached_separately(client, components):
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content
    chinese = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content
    assert english != chinese
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en").content == english


def test_a_write_is_visible_on_the_next_request(client, components, commit):
    assert b"All Systems Operational" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content
    commit(
        services.open_incident,
        Incident(name="Credit checks slow"),
        body="Slow.",
        component_statuses={components["credit"]: "degraded_performance"},
    )
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content
    assert b"Credit checks slow" in body
    assert b"Partially Degraded Service" in body


def test_another_process_write_is_seen_within_the_recheck_interval(client, components, settings):
    """A write in another process publishes the version to Redis; we pick it up from there."""
    from statuspage.status import pageversion

    settings.PAGE_VERSION_RECHECK_SECONDS = 0
    client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    services.set_component_status(components["app"], "major_outage")  # not committed: no publish
    pageversion.publish(pageversion.current() + 1)  # what the other process's commit does
    assert b"Partial System Outage" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content


def test_a_matching_etag_gets_304(client, components):
    first = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    etag = first["ETag"]
    again = client.get("/", HTTP_ACCEPT_LANGUAGE="en", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    other = client.get("/", HTTP_ACCEPT_LANGUAGE="en", HTTP_IF_NONE_MATCH='"something-else"')
    assert other.status_code == 200


def test_if_modified_since_gets_304(client, components):
    first = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    again = client.get(
        "/", HTTP_ACCEPT_LANGUAGE="en", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
    )
    assert again.status_code == 304


def test_an_old_etag_is_not_honoured_after_a_write(client, components, commit):
    etag = client.get("/", HTTP_ACCEPT_LANGUAGE="en")["ETag"]
    commit(services.set_component_status, components["app"], "partial_outage")
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_compressed_bodies_match_the_plain_one(client, components):
    plain = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content
    gz = client.get("/", HTTP_ACCEPT_LANGUAGE="en", HTTP_ACCEPT_ENCODING="gzip")
    br = client.get("/", HTTP_ACCEPT_LANGUAGE="en", HTTP_ACCEPT_ENCODING="gzip, br")
    assert gz["Content-Encoding"] == "gzip"
    assert gzip.decompress(gz.content) == plain
    assert br["Content-Encoding"] == "br"
    assert brotli.decompress(br.content) == plain


def test_cached_responses_tell_browsers_and_cdns_how_long_to_keep_them(client, components):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    control = response["Cache-Control"]
    assert "public" in control
    assert "s-maxage=" in control
    assert "stale-while-revalidate=" in control
    assert "stale-if-error=" in control
    assert "Accept-Language" in response["Vary"]


def test_unknown_query_parameters_do_not_multiply_renders(
    client, components, django_assert_num_queries
):
    client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    with django_assert_num_queries(0):
        client.get("/?utm_source=x&junk=1", HTTP_ACCEPT_LANGUAGE="en")


def test_the_cached_page_is_byte_identical_to_a_fresh_render_hours_later(
    client, components, commit, clock
):
    """Nothing time-relative may be baked into a cached page: it is served for as long as
    nothing changes, so a render three hours later on the same day of the page must give the
    same bytes (a new day is a change: beat's uptime refresh moves the page at midnight)."""
    from statuspage.readpath.cache import responses
    from statuspage.status import pageversion

    clock(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))
    cached = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content
    clock(datetime(2026, 11, 30, 4, 7, tzinfo=UTC))
    responses.clear()
    redis_client().flushdb()
    pageversion.forget()
    fresh = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content
    assert fresh == cached


def test_the_page_stays_up_when_redis_is_unreachable(client, components, settings, monkeypatch):
    import redis

    from statuspage.lib import redis as project_redis

    broken = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    monkeypatch.setattr(project_redis, "_client", broken)
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert b"All Systems Operational" in response.content
