"""The public page cache cannot be flooded: a query string that is not the canonical spelling is
redirected to it or is a 404 without rendering or storing anything, Redis keeps one entry per
page, and the render locks are a fixed set."""

from __future__ import annotations

import pytest

from statuspage.lib.redis import redis_client
from statuspage.public.views import shown_months
from statuspage.readpath.cache import RENDER_LOCK_STRIPES, cache_redis, responses


def stored_keys() -> set[bytes]:
    """Redis keys other than the visitor counter's, which is one key per minute whatever was
    asked (bounded by its TTL, not by the requests)."""
    return {key for key in redis_client().keys("*") if not key.startswith(b"sp:views:")}


def cache_keys() -> set[bytes]:
    return set(cache_redis().keys("*"))


def this_month() -> str:
    return shown_months()[1].strftime("%Y-%m")


def junk_spellings(month: str, count: int) -> list[str]:
    year, number = month.split("-")
    forms = [f"{'0' * n}{year}-{number}" for n in range(1, 300)]  # 02026-01, 002026-01, ...
    forms += [f"{year}-{'0' * n}{int(number)}" for n in range(2, 300)]
    forms += [f"{' ' * n}{year}-{number}" for n in range(1, 300)]
    forms += [f"junk{n}" for n in range(count)]
    forms += [f"{1000 + n}-01" for n in range(100)]  # real spellings of months with no page
    return forms[:count]


def test_a_non_canonical_month_is_redirected_to_its_canonical_spelling(client, components):
    month = this_month()
    response = client.get(f"/history?month=0{month}&utm_source=x")
    assert response.status_code == 301
    assert response["Location"] == f"/history?month={month}"
    response = client.get(f"/uptime?month={month[:5]}0{month[5:]}")  # 2026-011
    assert response.status_code == 301
    assert response["Location"] == f"/uptime?month={month}"
    assert client.get("/history?month=").status_code == 301  # → /history
    assert client.get(f"/history?month={month}&month={month}").status_code == 301


@pytest.mark.parametrize("path", ["/history", "/uptime"])
@pytest.mark.parametrize("month", ["9999-12", "0000-01", "1-1", "0001-01", "1969-12", "2999-01"])
def test_a_month_without_a_page_is_a_404_not_a_500(client, components, path, month):
    assert client.get(f"{path}?month={month}").status_code == 404


def test_a_thousand_junk_spellings_render_nothing_and_store_nothing(
    client, components, django_assert_max_num_queries
):
    client.get(f"/history?month={this_month()}")  # the real page, and the months known
    client.get("/")
    keys, other_keys = cache_keys(), stored_keys()
    remembered = len(responses._memory)
    spellings = junk_spellings(this_month(), 1000)
    assert len(set(spellings)) == 1000
    with django_assert_max_num_queries(0):  # neither rendered nor looked up
        for spelling in spellings:
            for path in ("/history", "/uptime"):
                assert client.get(path, {"month": spelling}).status_code in (301, 404)
    assert cache_keys() == keys
    assert stored_keys() == other_keys
    assert len(responses._memory) == remembered
    assert len(responses._render_locks) == RENDER_LOCK_STRIPES


def test_unknown_parameters_share_the_page_s_one_entry(client, components):
    paths = ["/", "/history.atom", "/maintenance.ics", "/widget.json", "/api/v2/summary.json"]
    for path in paths:
        client.get(path)
    keys = cache_keys()
    for n in range(200):
        for path in paths:
            assert client.get(path, {f"junk{n}": n, "month": n}).status_code == 200
    assert cache_keys() == keys


def test_unknown_incidents_leave_nothing_behind(client, components):
    keys = cache_keys()
    for n in range(300):
        assert client.get(f"/incidents/nosuch{n}").status_code == 404
    assert cache_keys() == keys
    assert len(responses._render_locks) == RENDER_LOCK_STRIPES


def test_redis_keeps_one_entry_per_page_whatever_the_version(client, components, commit):
    from statuspage.status import services

    client.get("/")
    keys = cache_keys()
    for status in ("degraded_performance", "partial_outage", "major_outage", "operational"):
        commit(services.set_component_status, components["app"], status)
        client.get("/")
    assert cache_keys() == keys


def test_entries_expire(client, components, settings):
    client.get("/")
    ttls = [cache_redis().ttl(key) for key in cache_keys() if key.startswith(b"sp:page:")]
    assert ttls
    assert all(0 < ttl <= settings.PAGE_CACHE_TTL_SECONDS for ttl in ttls)


def test_the_page_cache_has_a_database_of_its_own(components, client, settings):
    client.get("/")
    assert cache_keys()
    assert not redis_client().keys("sp:page:*")
    assert settings.CACHE_REDIS_URL != settings.REDIS_URL
